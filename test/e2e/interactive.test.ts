import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { hasScript, owedOnPty, readJson, seed } from './helpers.js';

// A real pseudo-terminal through util-linux `script`. Where it is missing, there is nothing to
// drive a terminal with; say so loudly instead of skipping quietly.
const PTY = hasScript();

describe.each(testEngines())('%s, on a terminal', (engine) => {
  let db: ScratchDatabase;

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['init']);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('customer add asks for the missing code and name, then adds the customer', async () => {
    if (!PTY) {
      process.stderr.write('interactive.test.ts: `script` (util-linux) not found; the prompt was not exercised\n');
      return;
    }
    const r = await owedOnPty(['--db', db.dbArg, 'customer', 'add', '--credit-limit', '8000'], [
      { expect: /Customer code/, send: 'C009\r' },
      { expect: /Customer name/, send: '华东贸易有限公司\r' },
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('added customer C009 华东贸易有限公司');
    expect(await readJson(db.dbArg, 'customer', 'show', 'C009')).toMatchObject({
      code: 'C009',
      name: '华东贸易有限公司',
      credit_limit: '8000.00',
      language: 'zh-CN',
    });
  });

  it('with --no-input it does not prompt even on a terminal: exit 2 naming what is missing, nothing written', async () => {
    if (!PTY) {
      process.stderr.write('interactive.test.ts: `script` (util-linux) not found; the prompt was not exercised\n');
      return;
    }
    const before = await snapshot(db.target);
    const r = await owedOnPty(['--db', db.dbArg, 'customer', 'add', 'C010', '--no-input'], []);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('missing required --name');
    expect(r.output).not.toContain('Customer name');
    expect(await snapshot(db.target)).toBe(before);
  });
});
