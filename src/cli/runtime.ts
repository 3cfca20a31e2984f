import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localToday, parseDate, type IsoDate } from '../domain/dates.js';
import { UsageError, ValidationError } from '../domain/errors.js';
import { defaultDatabasePath, parseTarget, type DatabaseTarget } from '../storage/target.js';
import { loadFileConfig } from './config.js';
import { FORMATS, formatFromPath, type Format } from './render/index.js';

/** The global options of CLI.md as commander hands them over. */
export interface GlobalOptions {
  readonly db?: string;
  readonly today?: string;
  readonly user?: string;
  readonly format?: string;
  readonly json?: boolean;
  readonly output?: string;
  readonly input?: boolean;
  readonly yes?: boolean;
  readonly quiet?: boolean;
  readonly debug?: boolean;
  readonly color?: boolean;
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdinIsTTY: boolean;
}

/** Everything a command needs to know about this run, resolved once from flags, env and config. */
export interface Runtime {
  readonly target: DatabaseTarget;
  /** True when --db or OWED_DB or a config file named the database. */
  readonly targetGiven: boolean;
  readonly today: IsoDate;
  readonly now: string;
  readonly user: string;
  readonly format: Format;
  readonly output: string | undefined;
  /** Prompts allowed: stdin and stdout are terminals and --no-input is absent. */
  readonly interactive: boolean;
  readonly yes: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  /** Colour on stdout (a TTY, NO_COLOR unset, no --no-color, not writing to a file). */
  readonly color: boolean;
  readonly stderrColor: boolean;
  /** The command as typed, without global options: 'customer add'. */
  readonly command: string;
  readonly streams: Streams;
  readonly env: NodeJS.ProcessEnv;
}

export function resolveRuntime(
  options: GlobalOptions,
  command: string,
  streams: Streams,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Runtime {
  const config = loadFileConfig(cwd, env);
  const dbValue = options.db ?? nonEmpty(env.OWED_DB) ?? config.db;
  const target = parseTarget(dbValue ?? defaultDatabasePath(env));

  const todayText = options.today ?? nonEmpty(env.OWED_TODAY);
  let today: IsoDate;
  try {
    today = todayText === undefined ? localToday() : parseDate(todayText, options.today !== undefined ? '--today' : 'OWED_TODAY');
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, 'give the business date as YYYY-MM-DD');
    throw error;
  }

  const output = options.output === undefined || options.output === '-' ? undefined : options.output;
  if (output !== undefined) assertWritable(output);
  const formatText = options.json ? 'json' : options.format ?? (output ? formatFromPath(output) : undefined) ?? nonEmpty(env.OWED_FORMAT) ?? config.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(formatText)) {
    throw new UsageError(`unknown format "${formatText}"`, `use one of ${FORMATS.join(', ')}`);
  }

  const user = options.user ?? nonEmpty(env.OWED_USER) ?? config.user ?? osUser();
  if (!/^[\p{L}\p{N}._@-]{1,100}$/u.test(user)) {
    throw new UsageError(`acting user "${user}" is not a valid user name`, 'use 1 to 100 letters, digits or . _ @ - (--user or OWED_USER)');
  }

  const noColor = options.color === false || nonEmpty(env.NO_COLOR) !== undefined || env.TERM === 'dumb';
  return {
    target,
    targetGiven: dbValue !== undefined,
    today,
    now: new Date().toISOString(),
    user,
    format: formatText as Format,
    output,
    interactive: options.input !== false && streams.stdinIsTTY && Boolean(streams.stdout.isTTY),
    yes: Boolean(options.yes),
    quiet: Boolean(options.quiet),
    debug: Boolean(options.debug),
    color: !noColor && output === undefined && Boolean(streams.stdout.isTTY),
    stderrColor: !noColor && Boolean(streams.stderr.isTTY),
    command,
    streams,
    env,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Checked before any work, so a bad -o path never leaves a change made and its result lost. */
function assertWritable(file: string): void {
  const target = path.resolve(file);
  try {
    if (fs.existsSync(target)) {
      if (fs.statSync(target).isDirectory()) throw new Error('is a directory');
      fs.accessSync(target, fs.constants.W_OK);
    } else {
      fs.accessSync(path.dirname(target), fs.constants.W_OK);
    }
  } catch (error) {
    throw new UsageError(`cannot write the output file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'its directory does not exist' : (error as Error).message}`, 'choose an -o path in a directory you can write to');
  }
}
