#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/, which bin/owed.js runs.
//
// Why: Node 20 spends most of a short command's start-up resolving, reading and linking the
// ~900 modules of owed and its dependencies (knex alone is hundreds). One file for what every
// command needs, plus a chunk per lazily imported part (mail, prompts, the CSV reader), halves
// the CPU of `owed --version` (0.66 → 0.31 s; Node itself is 0.17 s) and of every cron job and
// test that spawns owed. dist/ stays the library (tests, the benchmark, the bulk loader).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const outdir = path.join(root, 'dist/bundle');
// Chunk names carry a content hash: a rebuild would otherwise leave the old ones beside the new.
fs.rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: { owed: path.join(root, 'dist/cli/main.js') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native (better-sqlite3) or optional drivers that knex and pg name but owed never loads.
  external: ['better-sqlite3', 'pg-native', 'pg-query-stream', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious', 'mssql', 'sqlite3'],
  // The CommonJS dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __owedCreateRequire } from 'node:module'; const require = __owedCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
