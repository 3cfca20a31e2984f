import type { Command } from 'commander';
import { resolveRuntime, type GlobalOptions, type Runtime, type Streams } from './runtime.js';

export interface Io {
  readonly streams: Streams;
  /** Where `owed import … -` reads; the process's stdin when not given. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export type Handler<O> = (rt: Runtime, args: string[], options: O) => Promise<void>;

/** The full command name without the program: 'customer add'. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Adapts a handler to commander: resolves the runtime from global options, env and config, and
 * hands over positional arguments and this command's own options.
 */
export function action<O = Record<string, unknown>>(io: Io, handler: Handler<O>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const options = command.opts() as O;
    const args = params.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a.map(String) : a === undefined ? [] : [String(a)]));
    const rt = resolveRuntime(command.optsWithGlobals() as GlobalOptions, commandPath(command), io.streams, io.env, io.cwd);
    await handler(rt, args, options);
  };
}
