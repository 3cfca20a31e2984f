import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  customerAt,
  customerCode,
  generateCustomers,
  generateProducts,
  productAt,
  productSku,
  type GeneratedCustomer,
  type GeneratedProduct,
} from '../../src/fixtures/generate.js';
import { createRandom, deriveSeed } from '../../src/fixtures/random.js';

const KNOWN_TERMS = new Set(['NET0', 'NET15', 'NET30', 'NET45', 'NET60', 'NET90', 'EOM30']);
const KNOWN_CURRENCIES = new Set(['CNY', 'USD']);
const KNOWN_TAX_RATES = new Set(['13', '9', '6', '0']);

const CUSTOMER_COLUMNS = [
  'code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment',
  'birthday', 'address',
];
const PRODUCT_COLUMNS = ['sku', 'name', 'price', 'unit', 'tax_rate', 'stock'];

/** The hand-checked sums stated in fixtures/README.md, in minor units. */
const CREDIT_LIMIT_SUM_CNY = 247_500_000n; // CNY 2475000.00
const CREDIT_LIMIT_SUM_USD = 2_000_000n; // USD 20000.00
const CREDIT_LIMIT_SUM_ALL = 249_500_000n; // 2495000.00, column sum
const STOCK_VALUE_SUM = 64_476_950n; // CNY 644769.50

function fixturePath(relative: string): URL {
  return new URL(`../../fixtures/${relative}`, import.meta.url);
}

function readCsv(relative: string): { raw: Buffer; header: string[]; rows: Record<string, string>[] } {
  const raw = readFileSync(fixturePath(relative));
  const text = raw.toString('utf8');
  const header = (parse(text, { to_line: 1 }) as string[][])[0] ?? [];
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return { raw, header, rows };
}

/** Exact decimal → minor units: split on '.', no floats anywhere. */
function toMinor(decimal: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(decimal);
  if (!m) throw new Error(`not a decimal with at most 2 decimals: ${JSON.stringify(decimal)}`);
  const [whole, fraction = ''] = decimal.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

function formatMinor(minor: bigint): string {
  return `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
}

/** Independent check of a unified social credit code (GB 32100-2015 and GB 11714). */
function isValidUscc(code: string): boolean {
  const charset = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += charset.indexOf(code[i]!) * weights[i]!;
  if (charset[(31 - (sum % 31)) % 31] !== code[17]) return false;
  const org = code.slice(8, 17);
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
  let orgSum = 0;
  for (let i = 0; i < 8; i++) {
    const c = org[i]!;
    orgSum += (/\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55) * orgWeights[i]!;
  }
  const check = 11 - (orgSum % 11);
  return org[8] === (check === 10 ? 'X' : check === 11 ? '0' : String(check));
}

function isValidMonthDay(value: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

const EMAIL = /^[a-z0-9._-]+@([a-z0-9-]+\.)*example\.(com|cn)$/;

describe('fixtures/demo/customers.csv', () => {
  const { raw, header, rows } = readCsv('demo/customers.csv');

  it('is UTF-8 without BOM, with the CLI.md header and exactly 20 rows', () => {
    expect([...raw.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(raw.toString('utf8')).not.toContain('\uFFFD');
    expect(header).toEqual(CUSTOMER_COLUMNS);
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(Object.keys(row)).toEqual(CUSTOMER_COLUMNS);
  });

  it('has unique codes C001…C020 and non-empty names', () => {
    const codes = rows.map((r) => r.code);
    expect(new Set(codes).size).toBe(20);
    expect(codes).toEqual(Array.from({ length: 20 }, (_, i) => `C${String(i + 1).padStart(3, '0')}`));
    for (const row of rows) expect(row.name!.trim()).not.toBe('');
    expect(rows.some((r) => /[\u4e00-\u9fff]/.test(r.name!))).toBe(true);
    expect(rows.some((r) => /^[A-Za-z .-]+$/.test(r.name!))).toBe(true);
  });

  it('uses only known terms, currencies and segments, and every default term', () => {
    for (const row of rows) {
      expect(KNOWN_TERMS).toContain(row.terms);
      expect(KNOWN_CURRENCIES).toContain(row.currency);
      expect(['A', 'B', 'C']).toContain(row.segment);
    }
    expect(new Set(rows.map((r) => r.terms))).toEqual(KNOWN_TERMS);
    expect(rows.filter((r) => r.currency === 'USD')).toHaveLength(1);
  });

  it('has credit limits with at most 2 decimals, one cash-only (0) and one without limit (empty)', () => {
    for (const row of rows) {
      if (row.credit_limit !== '') expect(row.credit_limit).toMatch(/^\d+(\.\d{1,2})?$/);
    }
    expect(rows.filter((r) => r.credit_limit === '')).toHaveLength(1);
    expect(rows.filter((r) => r.credit_limit !== '' && toMinor(r.credit_limit!) === 0n)).toHaveLength(1);
  });

  it('has valid optional fields: emails, birthdays, tax ids', () => {
    for (const row of rows) {
      if (row.email !== '') expect(row.email).toMatch(EMAIL);
      if (row.birthday !== '') expect(isValidMonthDay(row.birthday!)).toBe(true);
      const chinese = /[\u4e00-\u9fff]/.test(row.name!);
      if (chinese) {
        expect(row.tax_id).toHaveLength(18);
        expect(isValidUscc(row.tax_id!), `${row.code} ${row.tax_id}`).toBe(true);
      } else {
        expect(row.tax_id).toBe('');
      }
      expect(/[\u4e00-\u9fff]/.test(row.address!)).toBe(true);
    }
    expect(new Set(rows.map((r) => r.tax_id).filter((t) => t !== '')).size).toBe(17);
    expect(rows.filter((r) => r.birthday !== '').length).toBeGreaterThan(0);
  });

  it('keeps a comma inside a quoted address', () => {
    const withComma = rows.filter((r) => r.address!.includes(','));
    expect(withComma).toHaveLength(1);
    expect(raw.toString('utf8')).toContain(`"${withComma[0]!.address}"`);
  });

  it('sums its credit limits to the hand-checked totals of fixtures/README.md', () => {
    const byCurrency = new Map<string, bigint>();
    let all = 0n;
    for (const row of rows) {
      if (row.credit_limit === '') continue;
      const minor = toMinor(row.credit_limit!);
      byCurrency.set(row.currency!, (byCurrency.get(row.currency!) ?? 0n) + minor);
      all += minor;
    }
    expect(byCurrency.get('CNY')).toBe(CREDIT_LIMIT_SUM_CNY);
    expect(byCurrency.get('USD')).toBe(CREDIT_LIMIT_SUM_USD);
    expect(all).toBe(CREDIT_LIMIT_SUM_ALL);
  });
});

describe('fixtures/demo/products.csv', () => {
  const { raw, header, rows } = readCsv('demo/products.csv');

  it('is UTF-8 without BOM, with the CLI.md header and exactly 30 rows', () => {
    expect([...raw.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect(header).toEqual(PRODUCT_COLUMNS);
    expect(rows).toHaveLength(30);
  });

  it('has unique skus and non-empty names and units', () => {
    expect(new Set(rows.map((r) => r.sku)).size).toBe(30);
    for (const row of rows) {
      expect(row.sku).toMatch(/^[A-Z0-9-]+$/);
      expect(row.name!.trim()).not.toBe('');
      expect(row.unit!.trim()).not.toBe('');
    }
  });

  it('uses only known tax rates, each of them, with exactly one at 0 %', () => {
    for (const row of rows) expect(KNOWN_TAX_RATES).toContain(row.tax_rate);
    expect(new Set(rows.map((r) => r.tax_rate))).toEqual(KNOWN_TAX_RATES);
    expect(rows.filter((r) => r.tax_rate === '0')).toHaveLength(1);
  });

  it('has prices with exactly 2 decimals and whole stock; services are not stocked', () => {
    for (const row of rows) {
      expect(row.price).toMatch(/^\d+\.\d{2}$/);
      expect(toMinor(row.price!)).toBeGreaterThan(0n);
      expect(row.stock).toMatch(/^(\d+)?$/);
      if (row.tax_rate === '6') expect(row.stock).toBe('');
    }
    expect(rows.filter((r) => r.stock === '')).toHaveLength(4);
  });

  it('sums price × stock over stocked products to the hand-checked total of fixtures/README.md', () => {
    let total = 0n;
    for (const row of rows) {
      if (row.stock === '') continue;
      total += toMinor(row.price!) * BigInt(row.stock!);
    }
    expect(total).toBe(STOCK_VALUE_SUM);
  });
});

describe('fixtures/README.md', () => {
  const readme = readFileSync(fixturePath('README.md'), 'utf8');

  it('states the same hand-checked sums as the tests', () => {
    expect(readme).toContain(`CNY ${formatMinor(CREDIT_LIMIT_SUM_CNY)}`);
    expect(readme).toContain(`${CREDIT_LIMIT_SUM_CNY} minor`);
    expect(readme).toContain(`USD ${formatMinor(CREDIT_LIMIT_SUM_USD)}`);
    expect(readme).toContain(`${CREDIT_LIMIT_SUM_USD} minor`);
    expect(readme).toContain(`${formatMinor(CREDIT_LIMIT_SUM_ALL)} (${CREDIT_LIMIT_SUM_ALL} minor`);
    expect(readme).toContain(`CNY ${formatMinor(STOCK_VALUE_SUM)}`);
    expect(readme).toContain(`${STOCK_VALUE_SUM} minor`);
  });
});

describe('createRandom', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const seqA = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(seqA);
  });

  it('returns floats in [0, 1) and inclusive integers', () => {
    const rng = createRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
      const n = rng.int(-2, 3);
      expect(Number.isInteger(n) && n >= -2 && n <= 3).toBe(true);
      seen.add(n);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(rng.int(5, 5)).toBe(5);
    const wide = rng.int(0, Number.MAX_SAFE_INTEGER - 1);
    expect(Number.isSafeInteger(wide)).toBe(true);
  });

  it('picks from lists and honours chance extremes', () => {
    const rng = createRandom(1);
    const items = ['a', 'b', 'c'] as const;
    const picked = new Set(Array.from({ length: 200 }, () => rng.pick(items)));
    expect(picked).toEqual(new Set(items));
    for (let i = 0; i < 100; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
  });

  it('rejects bad arguments', () => {
    expect(() => createRandom(1.5)).toThrow(RangeError);
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
    const rng = createRandom(1);
    expect(() => rng.int(3, 2)).toThrow(RangeError);
    expect(() => rng.int(0, 1.5)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
  });

  it('derives distinct, stable seeds', () => {
    expect(deriveSeed(1, 1, 5)).toBe(deriveSeed(1, 1, 5));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(1, 1, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, 1, 2)).not.toBe(deriveSeed(1, 2, 1));
  });
});

function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const item of iterable) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

describe('generateCustomers', () => {
  it('is deterministic: same seed → same first 100 rows, different seed → different', () => {
    const first = [...generateCustomers(100, 1)];
    expect([...generateCustomers(100, 1)]).toEqual(first);
    expect([...generateCustomers(100)]).toEqual(first);
    const other = [...generateCustomers(100, 2)];
    expect(other.map((c) => c.code)).toEqual(first.map((c) => c.code));
    expect(other).not.toEqual(first);
    expect(other.filter((c, i) => c.name !== first[i]!.name).length).toBeGreaterThan(90);
  });

  it('produces the requested count, and a prefix of a larger set equals a smaller set', () => {
    expect([...generateCustomers(0)]).toEqual([]);
    expect([...generateCustomers(1)]).toHaveLength(1);
    const big = [...generateCustomers(1234, 9)];
    expect(big).toHaveLength(1234);
    expect(big.slice(0, 100)).toEqual([...generateCustomers(100, 9)]);
    expect(customerAt(777, 9)).toEqual(big[776]);
  });

  it('streams: the first rows of a huge set come without building it', () => {
    const rows = take(generateCustomers(9_999_999), 3);
    expect(rows.map((c) => c.code)).toEqual(['G0000001', 'G0000002', 'G0000003']);
    expect(customerCode(9_999_999)).toBe('G9999999');
  });

  it('rejects impossible counts', () => {
    expect(() => [...generateCustomers(-1)]).toThrow(RangeError);
    expect(() => [...generateCustomers(1.5)]).toThrow(RangeError);
    expect(() => [...generateCustomers(10_000_000)]).toThrow(RangeError);
  });

  it('produces valid customers with unique codes and tax ids and safe-integer minor amounts', () => {
    const customers: GeneratedCustomer[] = [...generateCustomers(10_000, 3)];
    expect(new Set(customers.map((c) => c.code)).size).toBe(customers.length);
    const taxIds = customers.map((c) => c.taxId).filter((t): t is string => t !== null);
    expect(new Set(taxIds).size).toBe(taxIds.length);
    // Collect problems rather than asserting per row: one readable failure, and fast on 10k rows.
    const problems: string[] = [];
    const check = (ok: boolean, what: string, c: GeneratedCustomer): void => {
      if (!ok) problems.push(`${c.code}: ${what} ${JSON.stringify(c)}`);
    };
    let cny = 0;
    let english = 0;
    for (const [i, c] of customers.entries()) {
      check(c.code === `G${String(i + 1).padStart(7, '0')}`, 'code', c);
      check(c.name.length > 0, 'name', c);
      check(KNOWN_TERMS.has(c.terms), 'terms', c);
      check(KNOWN_CURRENCIES.has(c.currency), 'currency', c);
      if (c.currency === 'CNY') cny++;
      check(c.email === null || EMAIL.test(c.email), 'email', c);
      check(c.segment === null || ['A', 'B', 'C'].includes(c.segment), 'segment', c);
      check(c.taxId === null || isValidUscc(c.taxId), 'tax id', c);
      if (/[\u4e00-\u9fff]/.test(c.name)) {
        check(c.name.endsWith('有限公司'), 'Chinese company name', c);
        check(c.phone === null || /^(0\d{2,3}-\d{8}|1\d{10})$/.test(c.phone), 'phone', c);
      } else {
        english++;
        check(c.taxId === null, 'no tax id for a foreign name', c);
      }
      const limit = c.creditLimitMinor;
      check(
        limit === null || (Number.isSafeInteger(limit) && limit >= 0 && limit % 100_000 === 0),
        'credit limit: a safe integer multiple of 1000.00',
        c,
      );
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(cny / customers.length).toBeGreaterThan(0.93);
    expect(cny / customers.length).toBeLessThan(0.97);
    expect(english).toBeGreaterThan(0);
    expect(customers.some((c) => c.creditLimitMinor === null)).toBe(true);
    expect(customers.some((c) => c.creditLimitMinor === 0)).toBe(true);
    expect(new Set(customers.map((c) => c.terms))).toEqual(KNOWN_TERMS);
  });
});

describe('generateProducts', () => {
  it('is deterministic: same seed → same first 100 rows, different seed → different', () => {
    const first = [...generateProducts(100, 2)];
    expect([...generateProducts(100, 2)]).toEqual(first);
    expect([...generateProducts(100)]).toEqual(first);
    const other = [...generateProducts(100, 5)];
    expect(other.map((p) => p.sku)).toEqual(first.map((p) => p.sku));
    expect(other).not.toEqual(first);
  });

  it('produces the requested count, prefix-stable, with random access', () => {
    expect([...generateProducts(0)]).toEqual([]);
    const products = [...generateProducts(500, 4)];
    expect(products).toHaveLength(500);
    expect(products.slice(0, 50)).toEqual([...generateProducts(50, 4)]);
    expect(productAt(321, 4)).toEqual(products[320]);
    expect(productSku(1)).toBe('P0000001');
  });

  it('produces valid products with unique skus and safe-integer minor prices', () => {
    const products: GeneratedProduct[] = [...generateProducts(10_000, 6)];
    expect(new Set(products.map((p) => p.sku)).size).toBe(products.length);
    const problems: string[] = [];
    const check = (ok: boolean, what: string, p: GeneratedProduct): void => {
      if (!ok) problems.push(`${p.sku}: ${what} ${JSON.stringify(p)}`);
    };
    for (const p of products) {
      check(p.name.length > 0 && p.unit.length > 0, 'name and unit', p);
      check(Number.isSafeInteger(p.priceMinor) && p.priceMinor > 0, 'price: a positive safe integer', p);
      check(KNOWN_TAX_RATES.has(p.taxRatePercent), 'tax rate', p);
      if (p.stock !== null) {
        check(Number.isSafeInteger(p.stock) && p.stock >= 0, 'stock: a whole number', p);
        check(Number.isSafeInteger(p.priceMinor * p.stock), 'price × stock: a safe integer', p);
      }
      const service = p.taxRatePercent === '6' || p.taxRatePercent === '0';
      if (service) check(p.stock === null, 'services are not stocked', p);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(new Set(products.map((p) => p.taxRatePercent))).toEqual(KNOWN_TAX_RATES);
    expect(products.some((p) => p.stock === null)).toBe(true);
    expect(products.some((p) => p.stock === 0)).toBe(true);
  });
});
