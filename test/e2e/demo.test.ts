import fs from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed, tempDir } from './helpers.js';

/** The lines of the table under a title line, up to the next blank line. */
function section(text: string, title: RegExp): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  expect(start, `no section ${String(title)} in:\n${text}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;

  beforeEach(async () => {
    db = await scratchDatabase(engine);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('owed demo builds a company of 20 customers and 30 products and prints a tour; running it again (--json) rebuilds it', async () => {
    const r = await owed(['--db', db.dbArg, 'demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('demo ready\n');
    expect(r.stdout).toContain('owed demo — a small trading company, as of 2026-11-27');
    expect(r.stdout).toContain(db.target.display);
    expect(r.stdout).toContain(`Explore it:\n  export OWED_DB=${db.target.display}\n`);
    const customers = section(r.stdout, /^Customers \(20\)$/);
    expect(customers).toHaveLength(22);
    const widths = new Set(customers.map((l) => stringWidth(l)));
    expect(widths.size, customers.join('\n')).toBe(1);
    expect(r.stdout).toMatch(/^Stock \(\d+ stocked products\)$/m);

    const listed = await readJson<{ code: string; name: string }[]>(db.dbArg, 'customer', 'list');
    expect(listed).toHaveLength(20);
    expect(listed.some((c) => /[\u4e00-\u9fff]/.test(c.name))).toBe(true);
    expect(await readJson<unknown[]>(db.dbArg, 'product', 'list')).toHaveLength(30);
    const stock = await readJson<{ on_hand: number }[]>(db.dbArg, 'stock', 'list');
    expect(stock.length).toBeGreaterThan(0);
    expect(stock.some((s) => s.on_hand > 0)).toBe(true);

    // The demo's own book may be rebuilt: still 20 and 30, not 40 and 60. With --json the tour is
    // one JSON document.
    const again = await owed(['--db', db.dbArg, 'demo', '--json']);
    expect(again.code).toBe(0);
    const doc = JSON.parse(again.stdout) as { database: string; as_of: string; customers: { code: string; credit_limit: unknown }[] };
    expect(doc.database).toBe(db.target.display);
    expect(doc.as_of).toBe('2026-11-27');
    expect(doc.customers).toHaveLength(20);
    expect(doc.customers[0]).toMatchObject({ code: 'C001', credit_limit: expect.stringMatching(/^\d+\.\d{2}$/) });
    expect(await readJson<unknown[]>(db.dbArg, 'customer', 'list')).toHaveLength(20);
    expect(await readJson<unknown[]>(db.dbArg, 'product', 'list')).toHaveLength(30);
  }, 120_000);

  it('owed demo refuses a book with real data: exit 5, nothing written', async () => {
    await seed(db.dbArg, ['init'], ['customer', 'add', 'C001', '--name', '真实客户有限公司']);
    const before = await snapshot(db.target);
    const r = await owed(['--db', db.dbArg, 'demo']);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('holds a real book');
    expect(await snapshot(db.target)).toBe(before);
  });
});

describe('owed demo without --db', () => {
  it('builds demo.sqlite beside the default book, never the default book itself', async () => {
    const tmp = tempDir();
    try {
      const r = await owed(['demo', '-q'], { env: { XDG_DATA_HOME: tmp.dir } });
      expect(r.code).toBe(0);
      const demoFile = path.join(tmp.dir, 'owed', 'demo.sqlite');
      expect(fs.existsSync(demoFile)).toBe(true);
      expect(fs.existsSync(path.join(tmp.dir, 'owed', 'owed.sqlite'))).toBe(false);
      expect(r.stdout).toContain(`export OWED_DB=${demoFile}`);
      expect(r.stderr).toBe('');
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
