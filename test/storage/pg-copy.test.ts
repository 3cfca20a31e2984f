/**
 * The import's writes (src/storage/repositories/import-driver.ts): on PostgreSQL rows go by COPY in
 * the text format (pg-copy.ts), on SQLite by multi-row INSERTs. Whatever the path, what is read
 * back is exactly what was written — text with tabs, newlines, backslashes and `\N`, the empty
 * string apart from NULL, Chinese and emoji, booleans, dates and bigint amounts in minor units —
 * and a write that fails takes the transaction's other rows with it.
 */
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/storage/database.js';
import { importDriver } from '../../src/storage/repositories/import-driver.js';
import { copyField, copyLines } from '../../src/storage/repositories/pg-copy.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';

const COLUMNS = ['id', 'note', 'code', 'amount', 'flag', 'day'];

/** Text that the text format must escape, or that looks like what it escapes to. */
const NASTY: readonly (string | null)[] = [
  'tab\there', 'line\nbreak', 'carriage\rreturn', 'crlf\r\n', 'back\\slash', 'ends with \\', '\\', '\\\\',
  '\\N', 'N', '\\.', '.', '\\t literally', '\t', '\n', '', ' ', null,
  '长沙泰润实业集团有限公司', '货款 INV-2023-000018\t备注', '😀 emoji 👍🏽 and 𠀋', 'quote " and \' and ,;|', 'nul-free \u0001 control \u007f',
];

const AMOUNTS = [0, 1, -1, 123_456_789_012, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
const DAYS = ['2026-11-27', '2024-02-29', '1999-12-31'];

interface Row {
  id: number;
  note: string | null;
  code: string | null;
  amount: number;
  flag: boolean;
  day: string;
}

function rowsOf(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    note: NASTY[i % NASTY.length]!,
    code: NASTY[(i * 7 + 3) % NASTY.length] === null ? null : `${NASTY[(i * 7 + 3) % NASTY.length]!.slice(0, 20)}`,
    amount: AMOUNTS[i % AMOUNTS.length]!,
    flag: i % 3 === 0,
    day: DAYS[i % DAYS.length]!,
  }));
}

const values = (r: Row): unknown[] => [r.id, r.note, r.code, r.amount, r.flag, r.day];

describe('the text format of COPY', () => {
  it('escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('')).toBe('');
    expect(copyField('中文 😀')).toBe('中文 😀');
  });

  it('writes booleans, integers and bigints as PostgreSQL reads them; refuses what has no exact text', () => {
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(-12345)).toBe('-12345');
    expect(copyField(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(copyField(92233720368547758n)).toBe('92233720368547758');
    expect(() => copyField(Number.NaN)).toThrow(TypeError);
    expect(() => copyField(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() => copyField(new Date(0))).toThrow('Date');
    expect(() => copyField({ a: 1 })).toThrow('object');
  });

  it('makes one line per row, fields split by tabs', () => {
    expect(copyLines([[1, 'a\tb', null, true], [2, '', '\\N', false]], 4)).toBe('1\ta\\tb\t\\N\tt\n2\t\t\\\\N\tf\n');
  });
});

describe.each(testEngines())('%s: the import driver', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;
  beforeEach(async () => {
    scratch = await scratchDatabase(engine);
    db = await Database.open(scratch.target, { create: true });
    await db.knex.schema.createTable('copy_check', (t) => {
      t.integer('id').primary();
      t.text('note');
      t.string('code', 20).unique();
      t.bigInteger('amount').notNullable();
      t.boolean('flag').notNullable();
      t.date('day').notNullable();
    });
  });
  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  async function readBack(knex: Knex): Promise<Row[]> {
    const rows = await knex('copy_check').select(COLUMNS).orderBy('id') as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      note: r.note as string | null,
      code: r.code as string | null,
      amount: r.amount as number,
      flag: r.flag === true || r.flag === 1,
      day: String(r.day),
    }));
  }

  /** Each nasty value once in `code`, which is unique; the rest of the rows leave it null. */
  function withUniqueCodes(rows: Row[]): Row[] {
    const seen = new Set<string>();
    return rows.map((r) => {
      if (r.code === null || seen.has(r.code)) return { ...r, code: null };
      seen.add(r.code);
      return r;
    });
  }

  it.each([3, NASTY.length, 2500])('%i rows read back exactly as written', async (count) => {
    const rows = withUniqueCodes(rowsOf(count));
    await db.transaction((q) => importDriver(q).insert('copy_check', COLUMNS, rows.map(values)));
    expect(await readBack(db.knex)).toEqual(rows);
    if (engine === 'postgres') {
      // Amounts as the server holds them, not through a JS number.
      const exact = await db.knex.raw<{ rows: { amount: string }[] }>('select amount::text as amount from copy_check order by id');
      expect(exact.rows.map((r) => r.amount)).toEqual(rows.map((r) => String(r.amount)));
    }
  });

  it('a row the table refuses fails the write, and the transaction keeps none of its rows', async () => {
    const rows = withUniqueCodes(rowsOf(300));
    const clash = [...rows.map(values), [301, 'the same code again', rows[0]!.code, 1, true, '2026-11-27']];
    const failure = await db.transaction(async (q) => {
      const driver = importDriver(q);
      await driver.insert('copy_check', COLUMNS, rows.slice(0, 10).map(values));
      await driver.insert('copy_check', COLUMNS, clash.slice(10));
    }).then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toMatch(/unique|UNIQUE/);
    expect(await readBack(db.knex)).toEqual([]);
    // The connection is whole again: the next transaction writes.
    await db.transaction((q) => importDriver(q).insert('copy_check', COLUMNS, rows.map(values)));
    expect(await readBack(db.knex)).toEqual(rows);
  });
});
