import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, seed, tempDir } from './helpers.js';

interface BadInput {
  readonly what: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  readonly code: number;
  /** Every one must appear on stderr. */
  readonly says: readonly (string | RegExp)[];
}

const TERMS = 'NET0, NET15, NET30, NET45, NET60, NET90, EOM30';
const CURRENCIES = 'CNY, EUR, GBP, HKD, JPY, USD';

const BAD_INPUT: readonly BadInput[] = [
  { what: 'a duplicate customer code', args: ['customer', 'add', 'C001', '--name', '另一家公司'], code: 5, says: ['customer C001 already exists'] },
  { what: 'a duplicate SKU', args: ['product', 'add', 'P1', '--name', 'Another', '--price', '10'], code: 5, says: ['product P1 already exists'] },
  { what: 'unknown payment terms', args: ['customer', 'add', 'C002', '--name', 'X', '--terms', 'NET31'], code: 3, says: ['"NET31"', `known: ${TERMS}`, 'nothing was written'] },
  { what: 'an unknown currency', args: ['customer', 'add', 'C002', '--name', 'X', '--currency', 'XYZ'], code: 3, says: ['"XYZ"', `known: ${CURRENCIES}`, 'nothing was written'] },
  { what: 'garbage credit limit', args: ['customer', 'add', 'C002', '--name', 'X', '--credit-limit', 'abc'], code: 2, says: ["'--credit-limit <amount>'", "'abc'"] },
  { what: 'a garbage price', args: ['product', 'add', 'P2', '--name', 'X', '--price', 'x'], code: 2, says: ["'--price <amount>'", "'x'"] },
  { what: 'a garbage quantity', args: ['stock', 'receive', 'P1', 'abc'], code: 2, says: ["'abc'", "'qty'"] },
  { what: 'customer add without a name, no TTY', args: ['customer', 'add', 'C002'], code: 2, says: ['missing required --name', 'owed customer add C001 --name'] },
  { what: 'customer add without anything, --no-input', args: ['customer', 'add', '--no-input', '--email', 'a@b.example'], code: 2, says: ['missing required CODE, --name'] },
];

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['customer', 'add', 'C001', '--name', '上海华美贸易有限公司', '--credit-limit', '50000'],
      ['product', 'add', 'P1', '--name', '激光打印机', '--price', '1500'],
      ['stock', 'receive', 'P1', '5'],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  it('bad input exits 2, 3 or 5 as CLI.md says, names the culprit on stderr, prints nothing on stdout and writes nothing', async () => {
    for (const bad of BAD_INPUT) {
      const before = await snapshot(db.target);
      const r = await owed(['--db', db.dbArg, '--json', ...bad.args], bad.env ? { env: bad.env } : {});
      expect(r.code, bad.what).toBe(bad.code);
      expect(r.stdout, bad.what).toBe('');
      expect(r.stderr, bad.what).toMatch(/^owed: /);
      for (const text of bad.says) {
        if (typeof text === 'string') expect(r.stderr, bad.what).toContain(text);
        else expect(r.stderr, bad.what).toMatch(text);
      }
      expect(await snapshot(db.target), `${bad.what} wrote to the book`).toBe(before);
    }
  }, 60_000);
});

describe('usage errors, before any database is touched', () => {
  let tmp: ReturnType<typeof tempDir>;
  let book: string;
  beforeAll(() => {
    tmp = tempDir();
    book = path.join(tmp.dir, 'never.sqlite');
  });
  afterAll(() => tmp.remove());

  it.each([
    { what: 'an unknown command', args: ['frobnicate'], env: {}, says: "unknown command 'frobnicate'", spawn: true },
    { what: 'an unknown option', args: ['customer', 'list', '--colour'], env: {}, says: "unknown option '--colour'", spawn: true },
    { what: 'an unknown OWED_FORMAT', args: ['customer', 'list'], env: { OWED_FORMAT: 'yaml' }, says: 'unknown format "yaml"', spawn: true },
    { what: 'a malformed --today', args: ['--today', '2026-02-30', 'customer', 'list'], env: {}, says: '--today', spawn: false },
    { what: 'a missing required option', args: ['product', 'add', 'P1', '--name', 'X'], env: {}, says: "'--price <amount>' not specified", spawn: false },
  ])('$what exits 2', async ({ args, env, says, spawn }) => {
    // Some through the binary, the rest in-process (same code, no node start-up).
    const r = spawn ? await owed(['--db', book, ...args], { env }) : await owedInProcess(['--db', book, ...args], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(says);
    expect(fs.existsSync(book)).toBe(false);
  });
});
