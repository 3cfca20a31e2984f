import { build } from 'esbuild';
const v = process.argv[2]; const outdir = 'dist/bv-' + v;
const unused = /^\.\/(mssql|mysql|mysql2|mariadb|oracle|oracledb|redshift|cockroachdb|pgnative)$/;
const stub = { name: 'stub', setup(b) {
  b.onResolve({ filter: unused }, (a) => a.importer.includes('knex/lib/dialects/index.js') ? { path: a.path, namespace: 'stub' } : undefined);
  b.onLoad({ filter: /.*/, namespace: 'stub' }, (a) => ({ contents: `throw new Error('knex dialect ${a.path} is not bundled in owed');`, loader: 'js' }));
} };
await build({ entryPoints: { owed: 'dist/cli/main.js' }, outdir, outExtension: { '.js': '.mjs' }, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
  external: ['better-sqlite3', 'pg-native', 'pg-query-stream', 'mysql', 'mysql2', 'mariadb', 'mariadb/*', 'oracledb', 'tedious', 'mssql', 'sqlite3'],
  banner: { js: "import { createRequire as __owedCreateRequire } from 'node:module'; const require = __owedCreateRequire(import.meta.url);" }, legalComments: 'none', logLevel: 'warning',
  plugins: v.includes('nod') ? [stub] : [], ...(v.includes('ws') ? { minifyWhitespace: true } : {}) });
