/**
 * Shared by the end-to-end tests. The command under test always runs as the built binary
 * (test/support/cli.ts `owed`); setting a book up, and reading it back where the output format is
 * not what a test is about, runs the same built CLI (dist/, what bin/owed.js loads) in-process,
 * which saves a node start-up each time.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Io } from '../../src/cli/action.js';
import type { CliResult } from '../support/cli.js';
import { OWED_BIN } from '../support/cli.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A module of the build, loaded at run time so that tests and the binary run the same code. */
async function fromDist<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(ROOT, 'dist', relative)).href)) as T;
}

interface CommandNode {
  name(): string;
  readonly commands: readonly CommandNode[];
}

const cli = await fromDist<{
  run(argv: readonly string[], io: Io): Promise<number>;
  buildProgram(io: Io): CommandNode;
}>('cli/main.js');

/** Every command of the built program as its words ('customer add'), groups ('customer') flagged. */
export function commandTree(): { words: string[]; group: boolean }[] {
  const program = cli.buildProgram({ streams: { stdout: process.stdout, stderr: process.stderr, stdinIsTTY: false }, env: {}, cwd: ROOT });
  const walk = (command: CommandNode, prefix: string[]): { words: string[]; group: boolean }[] =>
    command.commands.flatMap((sub) => {
      const words = [...prefix, sub.name()];
      return [{ words, group: sub.commands.length > 0 }, ...walk(sub, words)];
    });
  return walk(program, []);
}

const types = await fromDist<{ installPostgresTypeParsers(): void }>('storage/postgres-types.js');
// The in-process CLI installs node-postgres type parsers globally; install them up front so that
// every snapshot() taken in a test process reads rows the same way.
types.installPostgresTypeParsers();

export interface BuiltMigration {
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** The company settings the built binary declares, in order, with their defaults. */
export const SETTINGS: readonly { key: string; defaultValue: string }[] =
  (await fromDist<{ settingDefinitions(): readonly { key: string; defaultValue: string }[] }>('domain/settings/registry.js'))
    .settingDefinitions()
    .map((d) => ({ key: d.key, defaultValue: d.defaultValue }));

/** The migrations the built binary knows, in order. */
export const MIGRATIONS: readonly BuiltMigration[] =
  (await fromDist<{ MIGRATIONS: readonly BuiltMigration[] }>('storage/migrations/index.js')).MIGRATIONS;

/** The environment test/support/cli.ts gives the binary. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    XDG_CONFIG_HOME: path.join(ROOT, 'test', 'support', 'no-config'),
    XDG_DATA_HOME: path.join(ROOT, 'test', 'support', 'no-data'),
    OWED_TODAY: '2026-11-27',
    OWED_USER: 'tester',
    TZ: 'Asia/Shanghai',
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The CLI in this process, with the same clean environment and no TTY. */
export async function owedInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd: string = ROOT,
): Promise<CliResult> {
  const out = sink();
  const err = sink();
  const code = await cli.run(['node', 'owed', ...args], {
    streams: { stdout: out.stream, stderr: err.stream, stdinIsTTY: false },
    env: cleanEnv(env),
    cwd,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** Runs set-up commands against a book in-process; any failure fails the test at once. */
export async function seed(dbArg: string, ...commands: (readonly string[])[]): Promise<void> {
  for (const command of commands) {
    const r = await owedInProcess(['--db', dbArg, '-q', ...command]);
    if (r.code !== 0) throw new Error(`set-up command failed (${r.code}): owed ${command.join(' ')}\n${r.stderr}`);
  }
}

/** Reads JSON output of a command in-process (set-up verification, not the subject of a test). */
export async function readJson<T = unknown>(dbArg: string, ...args: string[]): Promise<T> {
  const r = await owedInProcess(['--db', dbArg, '--json', ...args]);
  if (r.code !== 0) throw new Error(`owed ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'owed-e2e-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** True when util-linux `script` is on the PATH (for pseudo-terminal tests). */
export function hasScript(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, 'script'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface PtyStep {
  /** Wait until the terminal output (after the previous step) matches… */
  readonly expect: RegExp;
  /** …then type this. */
  readonly send: string;
}

export interface PtyResult {
  readonly code: number;
  /** Everything the terminal showed (stdout and stderr together), escapes included. */
  readonly output: string;
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the binary on a real pseudo-terminal through `script -qfec` and answers its prompts as
 * they appear. Fails (rejects) when a prompt does not appear within the timeout.
 */
export function owedOnPty(args: readonly string[], steps: readonly PtyStep[], timeoutMs = 15_000): Promise<PtyResult> {
  const command = [process.execPath, OWED_BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: cleanEnv({ SHELL: '/bin/sh', TERM: 'xterm', COLUMNS: '120', LINES: '40' }),
      cwd: ROOT,
    });
    let output = '';
    let from = 0;
    let step = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pty: timed out waiting for ${String(steps[step]?.expect ?? 'exit')}; output so far:\n${output}`));
    }, timeoutMs);
    const advance = (): void => {
      while (step < steps.length) {
        const current = steps[step]!;
        const m = current.expect.exec(output.slice(from));
        if (m === null) return;
        from += m.index + m[0].length;
        step += 1;
        child.stdin.write(current.send);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      advance();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? -1, output });
    });
  });
}
