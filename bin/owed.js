#!/usr/bin/env node
import('../dist/bundle/owed.mjs')
  .then((cli) => cli.main(process.argv))
  .catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bundle/owed.mjs')) {
      process.stderr.write('owed: not built yet — run `npm run build` (npm install runs it for you)\n');
    } else {
      process.stderr.write(`owed: internal error (a bug): ${error && error.stack ? error.stack : error}\n`);
    }
    process.exitCode = 1;
  });
