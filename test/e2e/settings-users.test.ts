import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { SETTINGS, owedInProcess, readJson, seed, tempDir } from './helpers.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const FOUNDATION_DEFAULTS: [string, string][] = [
  ['currency.base', 'CNY'],
  ['terms', 'NET0,NET15,NET30,NET45,NET60,NET90,EOM30'],
  ['terms.default', 'NET30'],
  ['aging.buckets', '30,60,90,120'],
  ['tax.rates', '13,9,6,0'],
  ['tax.default_rate', '13'],
  ['credit.block_overdue_days', '60'],
  ['stock.allow_backorder', 'false'],
];
/** Every declared setting (the Foundation's and any added since), in order. */
const DEFAULTS: [string, string][] = SETTINGS.map((d) => [d.key, d.defaultValue]);

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (args: readonly string[], user?: string) =>
    owed(['--db', db.dbArg, ...args], user !== undefined ? { env: { OWED_USER: user } } : {});

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['init']);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('settings list --json holds every setting with its value, default and description', async () => {
    const r = await cli(['settings', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as Record<string, string>[];
    expect(rows.map((s) => [s.key, s.value])).toEqual(DEFAULTS);
    for (const pair of FOUNDATION_DEFAULTS) expect(DEFAULTS).toContainEqual(pair);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['key', 'value', 'default', 'description']);
      expect(row.default).toBe(row.value);
      expect(row.description!.length).toBeGreaterThan(0);
    }
  });

  it('settings get prints the bare value; settings set prints the new value and notes the change; init keeps it', async () => {
    const get = await cli(['settings', 'get', 'aging.buckets']);
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('30,60,90,120\n');
    expect(get.stderr).toBe('');

    const set = await cli(['settings', 'set', 'aging.buckets', '30, 60,90,180']);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('30,60,90,180\n');
    expect(set.stderr).toBe('aging.buckets: 30,60,90,120 → 30,60,90,180\n');

    expect(await readJson(db.dbArg, 'settings', 'set', 'stock.allow_backorder', 'yes')).toEqual({ key: 'stock.allow_backorder', from: 'false', to: 'true' });

    expect(await readJson(db.dbArg, 'settings', 'get', 'aging.buckets')).toEqual({
      key: 'aging.buckets',
      value: '30,60,90,180',
      default: '30,60,90,120',
      description: expect.any(String),
    });

    // Setting the same value again, and re-running init, change nothing.
    const before = await snapshot(db.target);
    const same = await owedInProcess(['--db', db.dbArg, 'settings', 'set', 'aging.buckets', '30,60,90,180']);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('aging.buckets already 30,60,90,180; nothing changed\n');
    await seed(db.dbArg, ['init']);
    expect(await snapshot(db.target)).toBe(before);
  });

  it('settings set with a bad value or an unknown key exits 3, names the known keys, and writes nothing', async () => {
    const before = await snapshot(db.target);
    const bad = await cli(['settings', 'set', 'aging.buckets', '60,30']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('aging.buckets: "60,30" bounds must be strictly ascending');
    const unknown = await owedInProcess(['--db', db.dbArg, 'settings', 'set', 'aging.bucket', '30']);
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('unknown setting');
    expect(unknown.stderr).toContain(DEFAULTS.map(([k]) => k).join(', '));
    expect(await snapshot(db.target)).toBe(before);
  });

  it('settings get and settings set honour -o FILE like every other result', async () => {
    // expect.soft: both commands are checked even when the first one misbehaves.
    const tmp = tempDir();
    try {
      const getFile = path.join(tmp.dir, 'buckets.txt');
      // In-process: these commands write to the process's stdout stream, which is captured here.
      const get = await owedInProcess(['--db', db.dbArg, 'settings', 'get', 'aging.buckets', '-o', getFile]);
      expect.soft(get.code).toBe(0);
      expect.soft(get.stdout).toBe('');
      expect.soft(fs.existsSync(getFile) ? fs.readFileSync(getFile, 'utf8') : '(no file written)').toBe('30,60,90,120\n');

      const setFile = path.join(tmp.dir, 'change.json');
      const set = await owedInProcess(['--db', db.dbArg, 'settings', 'set', 'tax.rates', '13,9,6,3,0', '-o', setFile]);
      expect.soft(set.code).toBe(0);
      expect.soft(set.stdout).toBe('');
      expect.soft(fs.existsSync(setFile) ? JSON.parse(fs.readFileSync(setFile, 'utf8')) : '(no file written)').toEqual({
        key: 'tax.rates',
        from: '13,9,6,0',
        to: '13,9,6,3,0',
      });
    } finally {
      tmp.remove();
    }
  });

  it('user add, user list and user set-role', async () => {
    const add = await cli(['user', 'add', 'wang.li', '--role', 'finance']);
    expect(add.code).toBe(0);
    expect(add.stdout).toBe('wang.li\n');
    expect(add.stderr).toBe('wang.li is finance\n');

    const role = await owedInProcess(['--db', db.dbArg, 'user', 'set-role', 'wang.li', 'viewer', '--json']);
    expect(role.code).toBe(0);
    expect(JSON.parse(role.stdout)).toEqual({ name: 'wang.li', role: 'viewer' });
    expect(role.stderr).toBe('wang.li: finance → viewer\n');

    const list = await owedInProcess(['--db', db.dbArg, 'user', 'list', '--json']);
    expect(list.code).toBe(0);
    const users = JSON.parse(list.stdout) as { name: string }[];
    expect([...users].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'tester', role: 'admin', created_at: expect.stringMatching(ISO_TIME) },
      { name: 'wang.li', role: 'viewer', created_at: expect.stringMatching(ISO_TIME) },
    ]);
  });

  it('roles are enforced: exit 6 for a user without the right, 5 for removing the last admin, 3 for an unknown role; nothing written', async () => {
    await seed(db.dbArg, ['user', 'add', 'zhao', '--role', 'viewer'], ['user', 'add', 'li', '--role', 'sales']);
    const before = await snapshot(db.target);
    const cases: [string[], string | undefined, number, RegExp][] = [
      [['customer', 'add', 'C001', '--name', 'X'], 'zhao', 6, /user "zhao" \(viewer\) may not add customers/],
      [['user', 'set-role', 'tester', 'viewer'], undefined, 5, /only admin/],
      [['customer', 'add', 'C001', '--name', 'X'], 'stranger', 6, /user "stranger" is not registered/],
      [['settings', 'set', 'aging.buckets', '30,60'], 'li', 6, /user "li" \(sales\) may not change settings/],
      [['user', 'add', 'wu', '--role', 'admin'], 'li', 6, /may not add users/],
      [['user', 'add', 'wu', '--role', 'boss'], undefined, 3, /unknown role; known: admin, finance, sales, viewer/],
    ];
    for (const [i, [args, user, code, message]] of cases.entries()) {
      // The first two through the binary, the rest in-process (same code, no node start-up).
      const r = i < 2
        ? await cli(args, user)
        : await owedInProcess(['--db', db.dbArg, ...args], user !== undefined ? { OWED_USER: user } : {});
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    }
    expect(await snapshot(db.target)).toBe(before);
  });

  it('audit --json lists who changed what, newest first', async () => {
    await seed(
      db.dbArg,
      ['customer', 'add', 'C001', '--name', '上海华美'],
      ['settings', 'set', 'terms.default', 'NET45'],
    );
    const r = await cli(['audit', '--json', '--limit', '2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Object.keys(row)).toEqual(['id', 'at', 'user', 'command', 'entity', 'key', 'action', 'detail']);
    expect(rows.map((a) => [a.user, a.command, a.entity, a.key, a.action])).toEqual([
      ['tester', 'settings set', 'setting', 'terms.default', 'set'],
      ['tester', 'customer add', 'customer', 'C001', 'add'],
    ]);
    expect(rows[0]!.at).toMatch(ISO_TIME);
  });
});
