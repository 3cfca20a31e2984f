import { afterEach, describe, expect, it } from 'vitest';
import { owed } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';

/**
 * Two processes issue invoices at the same moment. Numbers are taken inside each issuing
 * transaction, so together they must form one gapless run: no number twice, none skipped.
 */
const PER_PROCESS = 12;

describe.each(testEngines())('invoice numbering under concurrency on %s', (engine) => {
  let db: ScratchDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('two processes issuing at once never share or skip a number', async () => {
    db = await scratchDatabase(engine);
    const run = (...args: string[]) => owed(['--db', db!.dbArg, ...args]);
    expect((await run('init')).code).toBe(0);
    expect((await run('customer', 'add', 'C1', '--name', '并发测试有限公司')).code).toBe(0);
    expect((await run('product', 'add', 'S1', '--name', 'Support', '--price', '100', '--tax-rate', '6', '--service')).code).toBe(0);

    const issuer = async (): Promise<string[]> => {
      const numbers: string[] = [];
      for (let i = 0; i < PER_PROCESS; i++) {
        const result = await run('invoice', 'issue', '--customer', 'C1', '--line', 'S1:1', '--date', '2026-11-20', '--json');
        expect(result.code, result.stderr).toBe(0);
        numbers.push((JSON.parse(result.stdout) as { number: string }).number);
      }
      return numbers;
    };
    const [a, b] = await Promise.all([issuer(), issuer()]);
    const all = [...a!, ...b!].sort();
    const expected = Array.from({ length: 2 * PER_PROCESS }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`);
    expect(all).toEqual(expected);

    const listed = JSON.parse((await run('invoice', 'list', '--json')).stdout) as { number: string; total: string }[];
    expect(listed.map((r) => r.number).sort()).toEqual(expected);
    expect(new Set(listed.map((r) => r.total))).toEqual(new Set(['106.00']));
  }, 120_000);

  it('a failed issue gives its number back', async () => {
    db = await scratchDatabase(engine);
    const run = (...args: string[]) => owed(['--db', db!.dbArg, ...args]);
    await run('init');
    await run('customer', 'add', 'C1', '--name', 'Gapless Ltd');
    await run('product', 'add', 'S1', '--name', 'Support', '--price', '100', '--tax-rate', '6', '--service');
    expect(JSON.parse((await run('invoice', 'issue', '--customer', 'C1', '--line', 'S1:1', '--json')).stdout).number).toBe('INV-2026-000001');
    // Fails after the number would have been drawn: the unknown SKU is only found while pricing.
    const failed = await run('invoice', 'issue', '--customer', 'C1', '--line', 'S1:1', '--line', 'NOPE:1');
    expect(failed.code).toBe(4);
    expect(JSON.parse((await run('invoice', 'issue', '--customer', 'C1', '--line', 'S1:1', '--json')).stdout).number).toBe('INV-2026-000002');
  }, 60_000);
});
