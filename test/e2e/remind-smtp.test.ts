/**
 * Reminders end to end against a real SMTP server (smtp-server, in this process, on 127.0.0.1):
 * what is sent to whom, idempotency, the highest-level-only rule over missed days, skipped
 * invoices, the credit hold, the stale-receipts refusal, and a server that drops the connection in
 * the middle of a message. The commands under test run as the built binary.
 *
 * The book (S1: a service at 100.00 + 6 % VAT = 106.00 a unit; NET30):
 *   INV-2026-000001 C001 Eastwind (en)   2 × S1 = 212.00  issued 2026-10-01, due 2026-10-31
 *   INV-2026-000002 C001                  1 × S1 = 106.00  issued 2026-11-01, due 2026-12-01
 *   INV-2026-000003 C002 华美 (zh-CN)     3 × S1 = 318.00  issued 2026-10-20, due 2026-11-19
 *   INV-2026-000004 C003 (no e-mail)      1 × S1           issued 2026-10-01
 *   INV-2026-000005 C004 (on hold by hand) 1 × S1          issued 2026-10-01
 *   INV-2026-000006 C005                  1 × S1           issued 2026-10-01, paid 2026-11-25
 *   INV-2026-000007 C002                  1 × S1           issued 2026-10-10, disputed 2026-11-20
 * As of 2026-11-27: INV-1 is 27 days overdue (second), INV-3 8 days (first), INV-2 not yet near.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed } from './helpers.js';

interface Received {
  readonly envelopeTo: string[];
  readonly mail: ParsedMail;
}

interface TestServer {
  readonly port: number;
  /** Messages accepted so far, parsed. */
  messages(): Promise<Received[]>;
  /** Destroy the socket in the middle of DATA for messages to these recipients. */
  dropFor(recipients: string[]): void;
  /** Require AUTH PLAIN/LOGIN with this user and password. */
  requireAuth(user: string, pass: string): void;
  close(): Promise<void>;
}

async function startSmtpServer(): Promise<TestServer> {
  const raw: { to: string[]; data: Buffer }[] = [];
  let drop = new Set<string>();
  let credentials: { user: string; pass: string } | null = null;
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (credentials !== null && auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onMailFrom(_address, session, callback) {
      if (credentials !== null && !session.user) {
        const error = new Error('Authentication required') as Error & { responseCode: number };
        error.responseCode = 530;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const to = session.envelope.rcptTo.map((a) => a.address);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (to.some((a) => drop.has(a))) {
          // The server goes away mid-message: no reply to DATA ever comes.
          for (const connection of server.connections as Set<{ remotePort: number; _socket: { destroy(): void } }>) {
            if (connection.remotePort === session.remotePort) connection._socket.destroy();
          }
        }
      });
      stream.on('end', () => {
        if (to.some((a) => drop.has(a))) return;
        raw.push({ to, data: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages: () => Promise.all(raw.map(async (r) => ({ envelopeTo: r.to, mail: await simpleParser(r.data) }))),
    dropFor: (recipients) => {
      drop = new Set(recipients);
    },
    requireAuth: (user, pass) => {
      credentials = { user, pass };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function address(a: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? ''));
}

interface RunJson {
  as_of: string;
  dry_run: boolean;
  channel: string | null;
  messages: { customer: string; email: string; level: string; status: string; hold: boolean; message_id: string | null; subject: string; error: string | null; invoices: { invoice: string; level: string; days_overdue: number; open: string }[]; totals: { currency: string; amount: string }[] }[];
  skipped: { customer: string; invoice: string; level: string; reason: string }[];
}

interface HistoryRow { sent_on: string; customer: string; invoice: string; level: string; level_days: number; channel: string; recipient: string; message_id: string }

function json<T>(r: CliResult): T {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Each test spawns the binary a dozen times or more; a loaded machine needs the room. */
const SLOW = 120_000;

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  let smtp: TestServer;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) => owed(['--db', db.dbArg, ...args], { env });
  const history = () => readJson<HistoryRow[]>(db.dbArg, 'remind', 'list');
  const sentPairs = async () => (await history()).map((h) => `${h.invoice}:${h.level}`).sort();

  beforeEach(async () => {
    smtp = await startSmtpServer();
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['settings', 'set', 'smtp.host', '127.0.0.1'],
      ['settings', 'set', 'smtp.port', String(smtp.port)],
      ['settings', 'set', 'smtp.from', 'ar@owed.test'],
      ['settings', 'set', 'company.name', 'Owed Trading'],
      ['settings', 'set', 'remind.payment_instructions', 'Bank of Ningbo, account 6222 0000 1234'],
      ['customer', 'add', 'C001', '--name', 'Eastwind Ltd', '--email', 'ap@eastwind.test', '--terms', 'NET30', '--language', 'en'],
      ['customer', 'add', 'C002', '--name', '上海华美贸易有限公司', '--email', 'cw@huamei.test', '--terms', 'NET30'],
      ['customer', 'add', 'C003', '--name', 'No Mail Co', '--terms', 'NET30'],
      ['customer', 'add', 'C004', '--name', 'Held Co', '--email', 'ap@held.test', '--terms', 'NET30', '--hold'],
      ['customer', 'add', 'C005', '--name', 'Paid Co', '--email', 'ap@paid.test', '--terms', 'NET30'],
      ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '6', '--service'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:2', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:1', '--date', '2026-11-01'],
      ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:3', '--date', '2026-10-20'],
      ['invoice', 'issue', '--customer', 'C003', '--line', 'S1:1', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C004', '--line', 'S1:1', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C005', '--line', 'S1:1', '--date', '2026-10-01'],
      ['invoice', 'issue', '--customer', 'C002', '--line', 'S1:1', '--date', '2026-10-10'],
      ['receive', '--customer', 'C005', '--amount', '106', '--date', '2026-11-25', '--ref', 'B-1', '--apply', 'INV-2026-000006'],
      ['invoice', 'dispute', 'INV-2026-000007', '--reason', 'goods not received', '--date', '2026-11-20'],
    );
  });
  afterEach(async () => {
    await smtp.close();
    await db.drop();
  });

  it('sends one message per customer with every invoice that reached a level, in their language; a second run sends nothing', async () => {
    const report = json<RunJson>(await cli(['remind', 'run', '--json']));
    expect(report).toMatchObject({ as_of: '2026-11-27', dry_run: false, channel: 'smtp' });
    expect(report.messages.map((m) => [m.customer, m.email, m.level, m.status, m.hold])).toEqual([
      ['C001', 'ap@eastwind.test', 'second', 'sent', false],
      ['C002', 'cw@huamei.test', 'first', 'sent', false],
    ]);
    expect(report.messages.map((m) => m.invoices)).toEqual([
      [{ invoice: 'INV-2026-000001', level: 'second', due_date: '2026-10-31', days_overdue: 27, open: '212.00', currency: 'CNY' }],
      [{ invoice: 'INV-2026-000003', level: 'first', due_date: '2026-11-19', days_overdue: 8, open: '318.00', currency: 'CNY' }],
    ]);
    expect(report.skipped.map((s) => [s.customer, s.invoice, s.level, s.reason])).toEqual([
      ['C002', 'INV-2026-000007', 'second', 'disputed'],
      ['C003', 'INV-2026-000004', 'second', 'no email address'],
      ['C004', 'INV-2026-000005', 'second', 'customer on hold'],
      ['C005', 'INV-2026-000006', 'second', 'paid'],
    ]);

    const received = await smtp.messages();
    expect(received.map((r) => r.envelopeTo)).toEqual([['ap@eastwind.test'], ['cw@huamei.test']]);
    const [en, zh] = received.map((r) => r.mail);
    expect(address(en!.to)).toEqual(['ap@eastwind.test']);
    expect(en!.from?.value[0]).toMatchObject({ address: 'ar@owed.test', name: 'Owed Trading' });
    expect(en!.subject).toBe('Second reminder from Owed Trading: 212.00 CNY outstanding');
    expect(en!.text).toContain('Dear Eastwind Ltd,');
    expect(en!.text).toContain('  INV-2026-000001  212.00 CNY  due 2026-10-31, 27 days overdue\n');
    expect(en!.text).toContain('Total due: 212.00 CNY');
    expect(en!.text).toContain('How to pay:\nBank of Ningbo, account 6222 0000 1234');
    expect(en!.text).not.toContain('INV-2026-000002');
    expect(zh!.subject).toBe('【Owed Trading】付款提醒：应付金额 318.00 CNY');
    expect(zh!.text).toContain('尊敬的上海华美贸易有限公司：');
    expect(zh!.text).toContain('  INV-2026-000003  未付 318.00 CNY  到期日 2026-11-19，已逾期 8 天\n');
    expect(zh!.text).not.toContain('INV-2026-000007');

    const recorded = await history();
    expect(recorded.map((h) => [h.invoice, h.level, h.level_days, h.channel, h.recipient, h.sent_on]).sort()).toEqual([
      ['INV-2026-000001', 'second', 15, 'smtp', 'ap@eastwind.test', '2026-11-27'],
      ['INV-2026-000003', 'first', 1, 'smtp', 'cw@huamei.test', '2026-11-27'],
    ]);
    // The Message-ID recorded is the one the customer received.
    expect(recorded.find((h) => h.customer === 'C001')!.message_id).toBe(en!.messageId);
    expect(report.messages[0]!.message_id).toBe(en!.messageId);

    // Again the same day: nothing goes out, nothing is recorded, the listing says so.
    const before = await snapshot(db.target);
    const again = await cli(['remind', 'run']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No reminders due as of 2026-11-27.');
    expect(again.stdout).toMatch(/C005\s+Paid Co\s+INV-2026-000006\s+second\s+2026-10-31\s+0\.00\s+CNY\s+paid/);
    expect(again.stderr).toContain('sent 0 reminders (0 invoices) as of 2026-11-27; 4 invoices skipped');
    expect(await smtp.messages()).toHaveLength(2);
    expect(await snapshot(db.target)).toBe(before);
  }, SLOW);

  it('the table lists what was sent (customer, email, invoices, levels, total) and what was skipped, with the reason', async () => {
    const r = await cli(['remind', 'run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Reminders as of 2026-11-27 (sent by SMTP)');
    expect(r.stdout).toMatch(/C001\s+Eastwind Ltd\s+ap@eastwind\.test\s+INV-2026-000001 \(second\)\s+second\s+212\.00\s+CNY\s+no\s+sent/);
    expect(r.stdout).toMatch(/C002\s+上海华美贸易有限公司\s+cw@huamei\.test\s+INV-2026-000003 \(first\)\s+first\s+318\.00\s+CNY\s+no\s+sent/);
    expect(r.stdout).toMatch(/Skipped[\s\S]*INV-2026-000007\s+second\s+2026-11-09\s+106\.00\s+CNY\s+disputed/);
    expect(r.stdout).toMatch(/INV-2026-000004\s+second\s+2026-10-31\s+106\.00\s+CNY\s+no email address/);
    expect(r.stdout).toMatch(/INV-2026-000005\s+second\s+2026-10-31\s+106\.00\s+CNY\s+customer on hold/);
    expect(r.stderr).toBe('sent 2 reminders (2 invoices) as of 2026-11-27; 4 invoices skipped\n');
  }, SLOW);

  it('after missed days sends only the highest level reached, one message per customer, and puts the customer on hold at the final level', async () => {
    expect((await cli(['remind', 'run'])).code).toBe(0);
    // The next day INV-2 is three days from due: a courtesy reminder, alone.
    const courtesy = json<RunJson>(await cli(['remind', 'run', '--json', '--as-of', '2026-11-28']));
    expect(courtesy.messages.map((m) => [m.customer, m.invoices.map((i) => `${i.invoice}:${i.level}`)])).toEqual([['C001', ['INV-2026-000002:courtesy']]]);
    expect((await smtp.messages())[2]!.mail.subject).toBe('Courtesy reminder from Owed Trading: 106.00 CNY due soon');

    // Nobody ran it for a month. Cash is current (a receipt on 2026-12-29).
    await seed(db.dbArg, ['receive', '--customer', 'C005', '--amount', '1', '--date', '2026-12-29', '--ref', 'B-2']);
    const late = json<RunJson>(await cli(['remind', 'run', '--json', '--as-of', '2026-12-30']));
    // INV-1: 60 days → collections (final never went); INV-2: 29 days → second (first skipped);
    // INV-3: 41 days → final. Still one message per customer.
    expect(late.messages.map((m) => [m.customer, m.level, m.hold, m.invoices.map((i) => `${i.invoice}:${i.level}:${i.days_overdue}`)])).toEqual([
      ['C001', 'collections', true, ['INV-2026-000001:collections:60', 'INV-2026-000002:second:29']],
      ['C002', 'final', true, ['INV-2026-000003:final:41']],
    ]);
    const received = await smtp.messages();
    expect(received).toHaveLength(5);
    expect(received.slice(3).map((r) => [r.envelopeTo[0], r.mail.subject])).toEqual([
      ['ap@eastwind.test', 'Referral to collections from Owed Trading: 318.00 CNY outstanding'],
      ['cw@huamei.test', '【Owed Trading】最后付款通知：应付金额 318.00 CNY'],
    ]);
    expect(received[3]!.mail.text).toContain('  INV-2026-000001  212.00 CNY  due 2026-10-31, 60 days overdue\n  INV-2026-000002  106.00 CNY  due 2026-12-01, 29 days overdue\n');
    expect(received[3]!.mail.text).toContain('Your account has been placed on credit hold');
    expect(received[4]!.mail.text).toContain('贵方账户已暂停赊销');

    expect(await sentPairs()).toEqual([
      'INV-2026-000001:collections', 'INV-2026-000001:second',
      'INV-2026-000002:courtesy', 'INV-2026-000002:second',
      'INV-2026-000003:final', 'INV-2026-000003:first',
    ]);
    const customers = await readJson<{ code: string; on_hold: boolean }[]>(db.dbArg, 'customer', 'list');
    expect(customers.map((c) => [c.code, c.on_hold])).toEqual([['C001', true], ['C002', true], ['C003', false], ['C004', true], ['C005', false]]);

    // Held by the reminders, not by hand: the chase goes on. On 2027-01-18 INV-2 (48 days) reaches
    // final and INV-3 (60 days) collections; INV-1 has nothing higher left.
    const next = json<RunJson>(await cli(['remind', 'run', '--json', '--as-of', '2027-01-18', '--force']));
    expect(next.messages.map((m) => [m.customer, m.hold, m.invoices.map((i) => `${i.invoice}:${i.level}`)])).toEqual([
      ['C001', false, ['INV-2026-000002:final']],
      ['C002', false, ['INV-2026-000003:collections']],
    ]);
    expect(next.skipped.filter((s) => s.reason === 'customer on hold').map((s) => s.customer)).toEqual(['C004']);
  }, SLOW);

  it('a dispute stops the chase until it is closed; preview shows the message without sending or recording it', async () => {
    const preview = await cli(['remind', 'preview', 'C002']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/^To: cw@huamei\.test\nSubject: 【Owed Trading】付款提醒：应付金额 318\.00 CNY\n\n尊敬的上海华美贸易有限公司：\n/);
    expect(preview.stderr).toContain('skipped INV-2026-000007 (second): disputed');

    const undispute = await cli(['invoice', 'undispute', 'INV-2026-000007', '--reason', 'delivery confirmed', '--json']);
    expect(json(undispute)).toEqual({ number: 'INV-2026-000007', disputed: false, customer: 'C002', date: '2026-11-27', reason: 'delivery confirmed' });
    const after = json<{ subject: string; invoices: { invoice: string; level: string }[] }>(await cli(['remind', 'preview', 'C002', '--json']));
    expect(after.invoices.map((i) => `${i.invoice}:${i.level}`)).toEqual(['INV-2026-000007:second', 'INV-2026-000003:first']);
    expect(after.subject).toBe('【Owed Trading】第二次付款提醒：应付金额 424.00 CNY');
    expect(await smtp.messages()).toHaveLength(0);
    expect(await history()).toEqual([]);
  }, SLOW);

  it('refuses to chase when the newest receipt is older than remind.max_receipts_age_days, unless --force', async () => {
    // As of 2026-12-03 the newest receipt (2026-11-25) is 8 days old.
    const before = await snapshot(db.target);
    const refused = await cli(['remind', 'run', '--as-of', '2026-12-03']);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('owed: the newest receipt is dated 2026-11-25, 8 days before 2026-12-03 (remind.max_receipts_age_days is 7)');
    expect(refused.stderr).toContain('hint: import the latest bank statement first');
    expect(await smtp.messages()).toHaveLength(0);
    expect(await snapshot(db.target)).toBe(before);

    const dry = await cli(['remind', 'run', '--as-of', '2026-12-03', '--dry-run']);
    expect(dry.code).toBe(5);

    const forced = json<RunJson>(await cli(['remind', 'run', '--as-of', '2026-12-03', '--force', '--json']));
    expect(forced.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(await smtp.messages()).toHaveLength(2);
  }, SLOW);

  it('a server that drops the connection mid-message: that reminder is not marked sent, the others are, and the next run sends it once', async () => {
    smtp.dropFor(['ap@eastwind.test']);
    const failed = await cli(['remind', 'run', '--json']);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toMatch(/owed: 1 of 2 reminder messages were not sent \(C001: the SMTP server 127\.0\.0\.1:\d+ dropped the connection before accepting the message/);
    expect(failed.stderr).toContain('1 sent and recorded');
    expect(failed.stderr).toContain('the next run sends what was not sent, once');
    const report = JSON.parse(failed.stdout) as RunJson;
    expect(report.messages.map((m) => [m.customer, m.status])).toEqual([['C001', 'failed'], ['C002', 'sent']]);
    expect((await smtp.messages()).map((r) => r.envelopeTo[0])).toEqual(['cw@huamei.test']);
    expect(await sentPairs()).toEqual(['INV-2026-000003:first']);

    smtp.dropFor([]);
    const retry = json<RunJson>(await cli(['remind', 'run', '--json']));
    expect(retry.messages.map((m) => [m.customer, m.status, m.invoices.map((i) => i.invoice)])).toEqual([['C001', 'sent', ['INV-2026-000001']]]);
    expect((await smtp.messages()).map((r) => r.envelopeTo[0])).toEqual(['cw@huamei.test', 'ap@eastwind.test']);
    expect(await sentPairs()).toEqual(['INV-2026-000001:second', 'INV-2026-000003:first']);

    expect(json<RunJson>(await cli(['remind', 'run', '--json'])).messages).toEqual([]);
    expect(await smtp.messages()).toHaveLength(2);
  }, SLOW);

  it('an unreachable server stops the run at once (exit 7), records nothing, and does not hang', async () => {
    await seed(db.dbArg, ['settings', 'set', 'smtp.port', '1']);
    const started = Date.now();
    const r = await cli(['remind', 'run']);
    expect(r.code).toBe(7);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.stderr).toContain('owed: 2 of 2 reminder messages were not sent (C001: cannot reach the SMTP server 127.0.0.1:1');
    expect(r.stdout).toMatch(/C001 .*failed/);
    expect(r.stdout).toMatch(/C002 .*not attempted/);
    expect(await history()).toEqual([]);
  }, SLOW);

  it('logs in with the password from the environment variable named in settings, never a flag', async () => {
    smtp.requireAuth('owed', 's3cret');
    await seed(db.dbArg, ['settings', 'set', 'smtp.user', 'owed'], ['settings', 'set', 'smtp.password_env', 'AR_SMTP_PW']);
    const missing = await cli(['remind', 'run']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('owed: smtp.user is "owed" but no SMTP password was found in the environment variable AR_SMTP_PW');
    expect(await history()).toEqual([]);

    const wrong = await cli(['remind', 'run'], { AR_SMTP_PW: 'nope' });
    expect(wrong.code).toBe(7);
    expect(wrong.stderr).toContain('refused the login');
    expect(await history()).toEqual([]);

    const ok = await cli(['remind', 'run'], { AR_SMTP_PW: 's3cret' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await smtp.messages()).toHaveLength(2);
  }, SLOW);

  it('without SMTP settings it refuses with the command that fixes it, before sending anything', async () => {
    await seed(db.dbArg, ['settings', 'set', 'smtp.host', '']);
    const r = await cli(['remind', 'run']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('owed: SMTP is not configured: the setting smtp.host is empty');
    expect(r.stderr).toContain('hint: owed settings set smtp.host');
    expect(await history()).toEqual([]);
  }, SLOW);

  it('sending reminders and disputing invoices need the finance role; a dry run does not', async () => {
    await seed(db.dbArg, ['user', 'add', 'vera', '--role', 'viewer']);
    const run = await cli(['--user', 'vera', 'remind', 'run']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('may not send reminders');
    expect((await cli(['--user', 'vera', 'remind', 'run', '--dry-run'])).code).toBe(0);
    const dispute = await cli(['--user', 'vera', 'invoice', 'dispute', 'INV-2026-000001', '--reason', 'x']);
    expect(dispute.code).toBe(6);
    expect(await smtp.messages()).toHaveLength(0);
    // Nothing in the in-process read-backs either.
    expect((await owedInProcess(['--db', db.dbArg, 'remind', 'list', '--json'])).stdout.trim()).toBe('[]');
  }, SLOW);
});
