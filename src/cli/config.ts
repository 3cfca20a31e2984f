import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../domain/errors.js';

/** What a local config file may set. Company-wide settings live in the database instead. */
export interface FileConfig {
  readonly db?: string;
  readonly user?: string;
  readonly format?: string;
}

const KEYS = new Set(['db', 'user', 'format']);

/** ./owed.config.json wins over $XDG_CONFIG_HOME/owed/config.json; flags and env win over both. */
export function loadFileConfig(cwd: string, env: NodeJS.ProcessEnv): FileConfig {
  const configHome = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.length > 0 ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  const user = readConfig(path.join(configHome, 'owed', 'config.json'));
  const local = readConfig(path.join(cwd, 'owed.config.json'));
  return { ...user, ...local };
}

function readConfig(file: string): FileConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${file} is not valid JSON: ${(error as Error).message}`, 'fix or remove the file');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`config file ${file} must hold a JSON object`, 'for example {"db": "/path/to/book.sqlite"}');
  }
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!KEYS.has(key)) throw new UsageError(`config file ${file}: unknown key "${key}"`, 'it may set db, user and format; company settings are set with owed settings set');
    if (typeof value !== 'string') throw new UsageError(`config file ${file}: "${key}" must be a string`);
    config[key] = value;
  }
  return config;
}
