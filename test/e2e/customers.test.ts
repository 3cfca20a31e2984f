import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed } from './helpers.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const SHOW_KEYS = [
  'code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment',
  'birthday', 'address', 'language', 'on_hold', 'created_at', 'updated_at',
];
const LIST_KEYS = ['code', 'name', 'currency', 'terms', 'credit_limit', 'segment', 'email', 'phone', 'on_hold'];

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (args: readonly string[], env?: Record<string, string | undefined>) =>
    owed(['--db', db.dbArg, ...args], env ? { env } : {});

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['init']);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('customer add prints the code on stdout and a note on stderr; show --json has every field, snake_case', async () => {
    const add = await cli([
      'customer', 'add', 'C001',
      '--name', '上海华美贸易有限公司',
      '--email', 'ap@huamei.example.cn',
      '--phone', '021-58761234',
      '--tax-id', '913101152736501489x',
      '--credit-limit', '50000',
      '--segment', 'A',
      '--birthday', '03-18',
      '--address', '上海市浦东新区张杨路500号, 18楼',
    ]);
    expect(add.code).toBe(0);
    expect(add.stdout).toBe('C001\n');
    expect(add.stderr).toBe('added customer C001 上海华美贸易有限公司\n');

    const show = await cli(['customer', 'show', 'C001', '--json']);
    expect(show.code).toBe(0);
    expect(show.stderr).toBe('');
    const record = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(SHOW_KEYS);
    expect(record).toEqual({
      code: 'C001',
      name: '上海华美贸易有限公司',
      email: 'ap@huamei.example.cn',
      phone: '021-58761234',
      tax_id: '913101152736501489X',
      currency: 'CNY',
      terms: 'NET30',
      credit_limit: '50000.00',
      segment: 'A',
      birthday: '03-18',
      address: '上海市浦东新区张杨路500号, 18楼',
      language: 'zh-CN',
      on_hold: false,
      created_at: expect.stringMatching(ISO_TIME),
      updated_at: expect.stringMatching(ISO_TIME),
    });
  });

  it('customer add --json prints {"code"} only; -q keeps stderr empty; defaults follow the options given', async () => {
    const r = await cli(['customer', 'add', 'ACME', '--name', 'Acme Trading Ltd', '--currency', 'usd', '--terms', 'net 45', '--credit-limit', '1,234.5', '--json', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{\n  "code": "ACME"\n}\n');
    expect(r.stderr).toBe('');
    expect(await readJson(db.dbArg, 'customer', 'show', 'ACME')).toMatchObject({
      currency: 'USD',
      terms: 'NET45',
      credit_limit: '1234.50',
      language: 'en',
      email: null,
      on_hold: false,
    });
  });

  it('customer list --json is an array of the listed columns; --segment filters', async () => {
    await seed(
      db.dbArg,
      ['customer', 'add', 'C001', '--name', '上海华美贸易有限公司', '--segment', 'A', '--credit-limit', '200000'],
      ['customer', 'add', 'C002', '--name', 'Acme Trading', '--segment', 'B', '--currency', 'JPY', '--credit-limit', '5000'],
      ['customer', 'add', 'C003', '--name', '北京中科', '--segment', 'A', '--hold', '--email', 'ap@zk.example.cn'],
    );
    const all = await readJson<Record<string, unknown>[]>(db.dbArg, 'customer', 'list');
    expect(all.map((c) => c.code)).toEqual(['C001', 'C002', 'C003']);
    expect(all[1]).toMatchObject({ currency: 'JPY', credit_limit: '5000' });

    const r = await cli(['customer', 'list', '--segment', 'A', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    for (const row of rows) expect(Object.keys(row)).toEqual(LIST_KEYS);
    expect(rows).toEqual([
      { code: 'C001', name: '上海华美贸易有限公司', currency: 'CNY', terms: 'NET30', credit_limit: '200000.00', segment: 'A', email: null, phone: null, on_hold: false },
      { code: 'C003', name: '北京中科', currency: 'CNY', terms: 'NET30', credit_limit: null, segment: 'A', email: 'ap@zk.example.cn', phone: null, on_hold: true },
    ]);
  });

  it('customer edit changes only what is given, "" clears a field, and the audit log records it', async () => {
    await seed(db.dbArg, ['customer', 'add', 'C001', '--name', '上海华美', '--email', 'ap@huamei.example.cn', '--credit-limit', '50000']);
    const r = await cli(['customer', 'edit', 'C001', '--credit-limit', '80000', '--terms', 'NET45', '--email', '', '--hold']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('C001\n');
    expect(r.stderr).toMatch(/^changed .* of customer C001\n$/);

    expect(await readJson(db.dbArg, 'customer', 'show', 'C001')).toMatchObject({
      name: '上海华美',
      email: null,
      terms: 'NET45',
      credit_limit: '80000.00',
      on_hold: true,
    });
    const audit = await readJson<{ entity: string; key: string; action: string; user: string; command: string }[]>(
      db.dbArg, 'audit', '--entity', 'customer', '--key', 'C001',
    );
    expect(audit.map((a) => [a.action, a.user, a.command])).toEqual([
      ['edit', 'tester', 'customer edit'],
      ['add', 'tester', 'customer add'],
    ]);

    const release = await owedInProcess(['--db', db.dbArg, 'customer', 'edit', 'C001', '--no-hold', '--credit-limit', '', '-q']);
    expect(release.code).toBe(0);
    expect(release.stderr).toBe('');
    expect(await readJson(db.dbArg, 'customer', 'show', 'C001')).toMatchObject({ on_hold: false, credit_limit: null });
  });

  it('customer edit --json names the changed fields by their snake_case JSON keys', async () => {
    await seed(db.dbArg, ['customer', 'add', 'C001', '--name', '上海华美', '--credit-limit', '50000']);
    const r = await cli(['customer', 'edit', 'C001', '--credit-limit', '80000', '--tax-id', '91310115', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { code: string; changed: string[] };
    expect(result.code).toBe('C001');
    expect([...result.changed].sort()).toEqual(['credit_limit', 'tax_id']);
  });

  it('customer edit that changes nothing writes nothing', async () => {
    await seed(db.dbArg, ['customer', 'add', 'C001', '--name', '上海华美', '--terms', 'NET45']);
    const before = await snapshot(db.target);
    const r = await owedInProcess(['--db', db.dbArg, 'customer', 'edit', 'C001', '--name', '上海华美', '--terms', 'net45']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('C001\n');
    expect(r.stderr).toBe('customer C001 unchanged\n');
    expect(await snapshot(db.target)).toBe(before);
  });

  it('customer show in a table lists field and value; an unknown code exits 4', async () => {
    await seed(db.dbArg, ['customer', 'add', 'C001', '--name', '上海华美', '--credit-limit', '50000']);
    const r = await cli(['customer', 'show', 'C001']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Field\s+Value\s*$/);
    expect(lines).toContainEqual(expect.stringMatching(/^Credit limit\s+50,000\.00 CNY\s*$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Name\s+上海华美\s*$/));

    const before = await snapshot(db.target);
    const missing = await cli(['customer', 'show', 'C999', '--json']);
    expect(missing.code).toBe(4);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('customer "C999" not found');
    const edit = await owedInProcess(['--db', db.dbArg, 'customer', 'edit', 'C999', '--name', 'X']);
    expect(edit.code).toBe(4);
    expect(await snapshot(db.target)).toBe(before);
  });
});
