import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import type { DatabaseTarget } from '../../src/storage/target.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OWED_BIN = path.join(ROOT, 'bin', 'owed.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  readonly cwd?: string;
}

/**
 * Runs the built binary as a user would, with a clean environment: no TTY, no colour, no config
 * file from the developer's home, and a fixed business date unless the test gives one.
 */
export function owed(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      XDG_CONFIG_HOME: path.join(ROOT, 'test', 'support', 'no-config'),
      XDG_DATA_HOME: path.join(ROOT, 'test', 'support', 'no-data'),
      OWED_TODAY: '2026-11-27',
      OWED_USER: 'tester',
      TZ: 'Asia/Shanghai',
    };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const child = spawn(process.execPath, [OWED_BIN, ...args], { env, cwd: options.cwd ?? ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Every row of every table, in a stable order: compare before and after a failed command to
 * prove it changed nothing.
 */
export async function snapshot(target: DatabaseTarget): Promise<string> {
  const knex = target.engine === 'sqlite'
    ? knexFactory({ client: 'better-sqlite3', connection: { filename: target.location }, useNullAsDefault: true })
    : knexFactory({ client: 'pg', connection: target.location, pool: { min: 0, max: 1 } });
  try {
    const tables: string[] = target.engine === 'sqlite'
      ? (await knex.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")).map((r: { name: string }) => r.name)
      : (await knex.raw("select tablename as name from pg_tables where schemaname = 'public' order by tablename")).rows.map((r: { name: string }) => r.name);
    const dump: Record<string, unknown[]> = {};
    for (const table of tables) {
      const rows = await knex(table).select('*');
      dump[table] = rows
        .map((r: Record<string, unknown>) => JSON.stringify(r, Object.keys(r).sort()))
        .sort();
    }
    return JSON.stringify(dump);
  } finally {
    await knex.destroy();
  }
}
