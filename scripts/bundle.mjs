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

// knex names a loader for every dialect it supports; owed opens SQLite and PostgreSQL only. The
// others (MSSQL, MySQL, Oracle, Redshift, CockroachDB: about 220 KB) would be parsed by every
// command's start and never run.
const UNUSED_KNEX_DIALECT = /^\.\/(cockroachdb|mssql|mysql|mysql2|mariadb|oracle|oracledb|pgnative|redshift)$/;

const startUpDiet = {
  name: 'owed-start-up',
  setup(b) {
    b.onResolve({ filter: UNUSED_KNEX_DIALECT }, (args) => (/knex[\\/]lib[\\/]dialects[\\/]index\.js$/.test(args.importer)
      ? { path: args.path, namespace: 'owed-unused-dialect' }
      : undefined));
    b.onLoad({ filter: /.*/, namespace: 'owed-unused-dialect' }, (args) => ({
      contents: `throw new Error('knex dialect ${args.path.slice(2)} is not part of owed');`,
      loader: 'js',
    }));
    // commander loads child_process (and with it net and dgram) for executable subcommands,
    // which owed has none of: loaded when first used instead of at every start.
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (/commander[\\/]lib[\\/]command\.js$/.test(args.importer)
      ? { path: 'child_process', namespace: 'owed-lazy-builtin' }
      : undefined));
    b.onLoad({ filter: /.*/, namespace: 'owed-lazy-builtin' }, (args) => ({
      contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('node:${args.path}'))[key] });`,
      loader: 'js',
    }));
    // pg asks whether it runs in a Cloudflare Worker when it is loaded: without `navigator` (Node
    // 20 has none) it builds a fetch Response to find out, which loads Node's whole fetch
    // implementation — 40 ms of every command on PostgreSQL. owed runs on Node only. A pg whose
    // stream.js reads otherwise fails the build, so that an upgrade is looked at.
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const probe = /function getStreamFuncs\(\) \{\s*if \(isCloudflareRuntime\(\)\) \{\s*return getCloudflareStreamFuncs\(\)\s*\}\s*return getNodejsStreamFuncs\(\)\s*\}/;
      if (!probe.test(source)) throw new Error(`bundle: ${args.path} no longer reads as expected; see the pg note in scripts/bundle.mjs`);
      return { contents: source.replace(probe, 'function getStreamFuncs() {\n  return getNodejsStreamFuncs()\n}'), loader: 'js' };
    });
  },
};

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
  plugins: [startUpDiet],
  logLevel: 'warning',
});

// Only ASCII in the output: Node decodes a module's source before compiling it, and one character
// beyond ASCII (a comment's dash in knex) makes the whole 1.4 MB a two-byte string, decoded and
// scanned the slow way. Escaped, the characters mean the same in strings, templates and regular
// expressions; in comments nothing reads them.
for (const file of fs.readdirSync(outdir)) {
  const target = path.join(outdir, file);
  const text = fs.readFileSync(target, 'utf8');
  // After a backslash the escape would read as an escaped backslash and then the letters.
  const escaped = /\\[^\x00-\x7f]/.exec(text);
  if (escaped) throw new Error(`bundle: ${file} has a backslash before a non-ASCII character at offset ${escaped.index}`);
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) fs.writeFileSync(target, ascii);
}
