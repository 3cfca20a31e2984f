import os from 'node:os';
import path from 'node:path';

export type Engine = 'sqlite' | 'postgres';

export interface DatabaseTarget {
  readonly engine: Engine;
  /** A file path for SQLite, a connection URL for PostgreSQL. */
  readonly location: string;
  /** What to show a user: the URL without its password. */
  readonly display: string;
}

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0
    ? env.XDG_DATA_HOME
    : path.join(os.homedir(), '.local', 'share');
  return path.join(dataHome, 'owed', 'owed.sqlite');
}

export function parseTarget(value: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(value)) {
    return { engine: 'postgres', location: value, display: maskPassword(value) };
  }
  const resolved = path.resolve(value);
  return { engine: 'sqlite', location: resolved, display: resolved };
}

function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
