/**
 * Reminders without an SMTP server: --outbox writes .eml files (recorded like sent mail), --dry-run
 * writes nothing, a book without receipts is refused unless --force, replacement templates from
 * files, and the invoice dispute commands. The commands under test run as the built binary.
 *
 *   INV-2026-000001 C001 (en)    1 × S1 = 106.00  issued 2026-10-01, due 2026-10-31 → 27 days on 2026-11-27
 *   INV-2026-000002 C002 (zh-CN) 2 × S1 = 212.00  issued 2026-10-26, due 2026-11-25 → 2 days
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed, tempDir } from './helpers.js';

interface RunJson {
  channel: string | null;
  dry_run: boolean;
  forced: boolean;
  messages: { customer: string; status: string; file: string | null; message_id: string | null; subject: string; text: string; invoices: { invoice: string; level: string }[] }[];
}

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Each test spawns the binary a dozen times or more; a loaded machine needs the room. */
const SLOW = 120_000;

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    tmp = tempDir('owed-remind-');
    await seed(
      db.dbArg,
      ['init'],
      ['settings', 'set', 'smtp.from', 'ar@owed.test'],
      ['customer', 'add', 'C001', '--name', 'Eastwind Ltd', '--email', 'ap@eastwind.test', '--terms', 'NET30', '--language', 'en'],
      ['customer', 'add', 'C002', '--name', '上海华美贸易有限公司', '--email', 'cw@huamei.test', '--terms', 'NET30'],
      ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '6', '--service'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:1', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:2', '--date', '2026-10-26'],
    );
  });
  afterEach(async () => {
    tmp.remove();
    await db.drop();
  });

  it('a book with no receipts at all is refused (with a hint) unless --force', async () => {
    const before = await snapshot(db.target);
    const refused = await cli('remind', 'run', '--outbox', tmp.dir);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('owed: the book holds no receipts at all: refusing to send reminders');
    expect(refused.stderr).toContain('hint: record or import the bank statement first');
    expect(fs.readdirSync(tmp.dir)).toEqual([]);
    expect(await snapshot(db.target)).toBe(before);

    const forced = await cli('remind', 'run', '--outbox', tmp.dir, '--force', '--json');
    expect(json<RunJson>(forced)).toMatchObject({ channel: 'outbox', forced: true });
    expect(forced.stderr).toContain('warning: the book holds no receipts; reminders go out anyway (--force)');
  }, SLOW);

  it('--dry-run shows the messages but writes, sends and records nothing', async () => {
    const before = await snapshot(db.target);
    const dry = json<RunJson>(await cli('remind', 'run', '--dry-run', '--force', '--outbox', tmp.dir, '--json'));
    expect(dry).toMatchObject({ dry_run: true, channel: null });
    expect(dry.messages.map((m) => [m.customer, m.status, m.file])).toEqual([['C001', 'would send', null], ['C002', 'would send', null]]);
    expect(dry.messages[1]!.text).toContain('INV-2026-000002  未付 212.00 CNY  到期日 2026-11-25，已逾期 2 天');
    expect(fs.readdirSync(tmp.dir)).toEqual([]);
    expect(await snapshot(db.target)).toBe(before);
  }, SLOW);

  it('--outbox writes one .eml per customer, records them, and a second run writes nothing', async () => {
    const r = await cli('remind', 'run', '--force', '--outbox', tmp.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(written to the outbox)');
    expect(r.stderr).toContain('wrote 2 reminders (2 invoices) as of 2026-11-27');
    const files = fs.readdirSync(tmp.dir).sort();
    expect(files).toEqual(['2026-11-27-C001.eml', '2026-11-27-C002.eml']);

    const en = await simpleParser(fs.readFileSync(path.join(tmp.dir, files[0]!)));
    expect(en.to && !Array.isArray(en.to) ? en.to.value.map((v) => v.address) : []).toEqual(['ap@eastwind.test']);
    expect(en.from?.value[0]?.address).toBe('ar@owed.test');
    expect(en.subject).toBe('Second reminder: 106.00 CNY outstanding');
    expect(en.text).toContain('  INV-2026-000001  106.00 CNY  due 2026-10-31, 27 days overdue\n');
    expect(en.headers.get('auto-submitted')).toBe('auto-generated');
    const zh = await simpleParser(fs.readFileSync(path.join(tmp.dir, files[1]!)));
    expect(zh.subject).toBe('付款提醒：应付金额 212.00 CNY');

    const history = await readJson<{ invoice: string; level: string; channel: string; message_id: string }[]>(db.dbArg, 'remind', 'list', '--customer', 'C001');
    expect(history.map((h) => [h.invoice, h.level, h.channel, h.message_id])).toEqual([['INV-2026-000001', 'second', 'outbox', en.messageId]]);

    const again = json<RunJson>(await cli('remind', 'run', '--force', '--outbox', tmp.dir, '--json'));
    expect(again.messages).toEqual([]);
    expect(fs.readdirSync(tmp.dir)).toHaveLength(2);
  }, SLOW);

  it('uses a replacement template from the file named in settings; a broken one stops the run before anything is written', async () => {
    const file = path.join(tmp.dir, 'en.txt');
    fs.writeFileSync(file, 'Subject: Statement for {{customer_code}}\n\n{{#invoices}}{{number}} {{open}} {{currency}} ({{status}})\n{{/invoices}}Total {{total}}\n');
    await seed(db.dbArg, ['settings', 'set', 'remind.template.en', file]);
    const preview = await cli('remind', 'preview', 'C001');
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toBe('To: ap@eastwind.test\nSubject: Statement for C001\n\nINV-2026-000001 106.00 CNY (27 days overdue)\nTotal 106.00 CNY\n');

    fs.writeFileSync(file, 'Subject: x\n\n{{#invoices}}{{amount}}\n');
    const outbox = path.join(tmp.dir, 'out');
    const before = await snapshot(db.target);
    const broken = await cli('remind', 'run', '--force', '--outbox', outbox);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain(`remind.template.en (${file}): "{{amount}}" is not a placeholder reminders know`);
    expect(fs.existsSync(outbox)).toBe(false);
    expect(await snapshot(db.target)).toBe(before);

    await seed(db.dbArg, ['settings', 'set', 'remind.template.en', path.join(tmp.dir, 'missing.txt')]);
    const missing = await cli('remind', 'preview', 'C001');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('cannot be read');
    expect(missing.stderr).toContain('hint: fix the path, or use the built-in template: owed settings set remind.template.en ""');
  }, SLOW);

  it('preview of a customer with nothing due says so; an unknown customer is not found', async () => {
    const nothing = await cli('remind', 'preview', 'C002', '--as-of', '2026-11-01');
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe('');
    expect(nothing.stderr).toBe('nothing would be sent to C002 as of 2026-11-01\n');
    const unknown = await cli('remind', 'preview', 'C999');
    expect(unknown.code).toBe(4);
  }, SLOW);

  it('invoice dispute / undispute: refused twice, not found, reason required, dates checked', async () => {
    const opened = await cli('invoice', 'dispute', 'INV-2026-000001', '--reason', 'price disagreement', '--date', '2026-11-20', '--json');
    expect(json(opened)).toEqual({ number: 'INV-2026-000001', disputed: true, customer: 'C001', date: '2026-11-20', reason: 'price disagreement' });
    expect(opened.stderr).toContain('INV-2026-000001 is in dispute from 2026-11-20');

    const twice = await cli('invoice', 'dispute', 'INV-2026-000001', '--reason', 'again');
    expect(twice.code).toBe(5);
    expect(twice.stderr).toContain('hint: close the dispute first: owed invoice undispute INV-2026-000001');
    expect((await cli('invoice', 'undispute', 'INV-2026-000002', '--reason', 'x')).code).toBe(5);
    expect((await cli('invoice', 'dispute', 'INV-2026-000404', '--reason', 'x')).code).toBe(4);
    const noReason = await cli('invoice', 'dispute', 'INV-2026-000002');
    expect(noReason.code).toBe(3);
    expect(noReason.stderr).toContain('--reason: is required');
    expect((await cli('invoice', 'dispute', 'INV-2026-000002', '--reason', 'x', '--date', '2026-10-01')).code).toBe(3);
    expect((await cli('invoice', 'undispute', 'INV-2026-000001', '--reason', 'settled', '--date', '2026-11-19')).code).toBe(3);
  }, SLOW);

  it('a disputed invoice is skipped from the dispute date until the dispute is closed; both are audit logged', async () => {
    await seed(db.dbArg, ['invoice', 'dispute', 'INV-2026-000001', '--reason', 'price disagreement', '--date', '2026-11-20']);
    // While disputed (as of the run date) it is skipped; the dispute began after 2026-11-19.
    const during = json<RunJson & { skipped: { invoice: string; reason: string }[] }>(await cli('remind', 'run', '--dry-run', '--force', '--json'));
    expect(during.messages.map((m) => m.customer)).toEqual(['C002']);
    expect(during.skipped).toEqual([expect.objectContaining({ invoice: 'INV-2026-000001', reason: 'disputed' })]);
    const earlier = json<RunJson>(await cli('remind', 'run', '--dry-run', '--force', '--json', '--as-of', '2026-11-19'));
    expect(earlier.messages.map((m) => m.customer)).toEqual(['C001']);

    expect((await cli('invoice', 'undispute', 'INV-2026-000001', '--reason', 'agreed', '--date', '2026-11-26')).code).toBe(0);
    const after = json<RunJson>(await cli('remind', 'run', '--dry-run', '--force', '--json'));
    expect(after.messages.map((m) => m.customer)).toEqual(['C001', 'C002']);

    const audit = await readJson<{ action: string; key: string; detail: Record<string, unknown> }[]>(db.dbArg, 'audit', '--entity', 'invoice', '--key', 'INV-2026-000001');
    expect(audit.map((a) => [a.action, a.detail])).toEqual(expect.arrayContaining([
      ['dispute', { date: '2026-11-20', reason: 'price disagreement', customer: 'C001' }],
      ['undispute', { date: '2026-11-26', reason: 'agreed', customer: 'C001' }],
    ]));
  }, SLOW);
});
