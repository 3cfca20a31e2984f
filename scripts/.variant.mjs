import { build } from 'esbuild';
const v = process.argv[2]; const outdir = 'dist/bv-' + v;
await build({ entryPoints: { owed: 'dist/cli/main.js' }, outdir, outExtension: { '.js': '.mjs' }, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
  external: ['better-sqlite3', 'pg-native', 'pg-query-stream', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious', 'mssql', 'sqlite3'],
  banner: { js: "import { createRequire as __owedCreateRequire } from 'node:module'; const require = __owedCreateRequire(import.meta.url);" }, legalComments: 'none', logLevel: 'warning',
  ...(v.includes('ascii') ? { charset: 'ascii' } : {}),
  ...(v.includes('ws') ? { minifyWhitespace: true } : {}),
  ...(v.includes('syn') ? { minifySyntax: true } : {}),
});
