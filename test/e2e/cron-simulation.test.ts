/**
 * Cron over a book for months. Every night D: the day's payments (`owed receive … --apply INV`),
 * then `owed remind run --as-of D --outbox DIR`, then `owed alert run --as-of D --notify` with the
 * webhook (alerts.webhook) on a node:http server on 127.0.0.1 that records every POST. Some nights
 * cron does not run at all; on some the receipts are stale (refused, exit 5) or the run is forced;
 * on some it runs after midnight (--as-of D, OWED_TODAY D+1); on some it runs twice.
 *
 * The schedules, and the model of what should happen, are in ./cron-simulation-support.ts. Every
 * night's output is checked against the model; at the end the reminder history, the .eml files of
 * the outbox, the credit holds, `owed alert list --all` and everything the webhook received are
 * checked against it — and for the hand-made book also against tables worked out by hand.
 *
 *   - the hand-made book: 120 nights on SQLite, 30 on PostgreSQL (when OWED_TEST_PG_URL is set);
 *   - the demo book (`owed demo --today 2026-08-01`), its open invoices paid on a schedule derived
 *     from their due dates: 90 nights on SQLite.
 *
 * Spawning the binary costs most of a second, so the built CLI (dist/) runs in this process with
 * the environment cron would give it (OWED_DB, OWED_TODAY, an empty XDG_CONFIG_HOME).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/storage/target.js';
import { scratchDatabase, testEngines } from '../support/engines.js';
import {
  HAND_ALERTS,
  HAND_BOOK,
  HAND_HOLDS,
  HAND_LEVELS,
  LEVELS,
  LEVELS_SETTING,
  START,
  alertKey,
  cronRunner,
  day,
  model,
  nightOf,
  rerun,
  type Book,
  type Model,
  type Result,
  type SimInvoice,
  type SimPayment,
} from './cron-simulation-support.js';

interface Post {
  readonly url: string;
  readonly body: { as_of: string; alerts: AlertJson[] };
}

interface AlertJson {
  id: string;
  rule: string;
  level: 'warn' | 'critical';
  state: string;
  since: string;
  changed_on: string;
  resolved_on: string | null;
}

interface AlertRunJson {
  as_of: string;
  active: AlertJson[];
  resolved: AlertJson[];
  notified: string[];
}

interface RemindRunJson {
  as_of: string;
  channel: string | null;
  forced: boolean;
  latest_receipt: string | null;
  messages: { customer: string; email: string; level: string; status: string; hold: boolean; file: string | null; message_id: string | null; invoices: { invoice: string; level: string }[] }[];
  skipped: { customer: string; invoice: string; level: string; reason: string }[];
}

interface ReminderJson {
  sent_on: string;
  customer: string;
  invoice: string;
  level: string;
  level_days: number;
  channel: string;
  recipient: string;
  message_id: string;
}

type Owed = (today: string, ...args: string[]) => Promise<Result>;

let server: http.Server;
let hookBase: string;
let posts: Post[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      posts.push({ url: req.url ?? '', body: JSON.parse(data) as Post['body'] });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function ok(r: Result, what: string): Result {
  if (r.code !== 0) throw new Error(`owed ${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

function parse<T>(r: Result, what: string): T {
  return JSON.parse(ok(r, what).stdout) as T;
}

const count = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);

/** The settings cron relies on; remind.levels starts with a minus sign, hence `--`. */
async function configure(owed: Owed, today: string, hook: string): Promise<void> {
  for (const [key, value] of [
    ['company.name', 'Owed Test Co'],
    ['smtp.from', 'ar@owed.test'],
    ['remind.levels', LEVELS_SETTING],
    ['remind.hold_level', 'final'],
    ['remind.max_receipts_age_days', '7'],
    ['alerts.email', ''],
    ['alerts.webhook', hook],
  ] as const) {
    ok(await owed(today, 'settings', 'set', key, '--', value), `settings set ${key}`);
  }
}

async function issue(owed: Owed, book: Book, inv: SimInvoice, today: string): Promise<void> {
  const r = parse<{ number: string; due_date: string }>(
    await owed(today, '--json', 'invoice', 'issue', '--customer', inv.customer, '--line', `S1:${inv.amount / 100}`, '--date', day(inv.issued), '--due', day(inv.due)),
    `invoice issue ${inv.label}`,
  );
  expect(r, `invoice ${inv.label}`).toEqual(expect.objectContaining({ number: book.numbers.get(inv.label), due_date: day(inv.due) }));
}

interface Observed {
  /** Alert key → "state level date" of each night it became new or escalated, or resolved. */
  readonly alertEvents: Map<string, string[]>;
  /** The --as-of of the run that sent each POST. */
  readonly postNights: Map<Post, string>;
  readonly remindRuns: number;
}

/** Runs the nights of the book's schedule, checking each night's output against the model. */
async function runNights(engine: string, owed: Owed, book: Book, expected: Model, outbox: string): Promise<Observed> {
  const label = new Map([...book.numbers].map(([l, number]) => [number, l]));
  const alertEvents = new Map<string, string[]>();
  const postNights = new Map<Post, string>();
  let remindRuns = 0;
  for (const night of expected.nights) {
    const { n, date } = night;
    if (book.skipped.has(n)) continue;
    const cron = (...args: string[]) => owed(date, ...args);

    // The day's business: invoices, disputes, payments, the bank's other credits.
    for (const inv of book.invoices.filter((i) => i.issued === n)) await issue(owed, book, inv, date);
    for (const d of book.disputes.filter((x) => x.opened === n)) ok(await cron('invoice', 'dispute', book.numbers.get(d.label)!, '--reason', 'quantity', '--date', date), 'dispute');
    for (const d of book.disputes.filter((x) => x.closed === n)) ok(await cron('invoice', 'undispute', book.numbers.get(d.label)!, '--reason', 'agreed', '--date', date), 'undispute');
    for (const p of book.payments.filter((x) => x.night === n)) {
      const inv = book.invoices.find((i) => i.label === p.label)!;
      ok(await cron('receive', '--customer', inv.customer, '--amount', p.amount.toFixed(2), '--date', day(p.dated ?? n),
        '--ref', `BANK-${p.label}-${n}`, '--apply', `${book.numbers.get(p.label)!}:${p.amount.toFixed(2)}`), `receive ${p.label} night ${n}`);
    }
    if (book.filler(n)) ok(await cron('receive', '--amount', '1.00', '--date', date, '--ref', `BANK-INT-${n}`, '--memo', 'interest'), 'receive');

    // owed remind run
    const late = book.lateRuns.has(n);
    const filesBefore = count(outbox);
    const remind = await owed(late ? day(n + 1) : date, '--json', 'remind', 'run', '--as-of', date, '--outbox', outbox, ...(night.remind === 'forced' ? ['--force'] : []));
    if (night.remind === 'refused') {
      expect(remind.code, `night ${n}: remind run should be refused: ${remind.stderr}`).toBe(5);
      expect(remind.stderr).toContain(`the newest receipt is dated ${day(night.latestReceipt!)}, ${n - night.latestReceipt!} days before ${date}`);
      expect(remind.stdout).toBe('');
      expect(count(outbox)).toBe(filesBefore);
    } else {
      remindRuns += 1;
      const report = parse<RemindRunJson>(remind, `remind run, night ${n}`);
      expect(report.forced, `night ${n}: forced`).toBe(night.remind === 'forced');
      if (night.remind === 'forced') expect(remind.stderr).toContain(`the newest receipt is dated ${day(night.latestReceipt!)}; reminders go out anyway (--force)`);
      const got = report.messages.map((m) => ({
        customer: m.customer,
        lines: m.invoices.map((l) => [label.get(l.invoice) ?? l.invoice, l.level]),
        level: m.level,
        hold: m.hold,
      }));
      expect(got, `night ${n} (${date}): messages`).toEqual(night.messages.map((m) => ({ ...m, lines: m.lines.map((l) => [...l]) })));
      for (const m of report.messages) {
        expect(m.status).toBe('written');
        expect(m.email).toBe(book.customers.find((c) => c.code === m.customer)!.email);
        expect(path.basename(m.file ?? ''), `night ${n}`).toBe(`${date}-${m.customer}.eml`);
      }
      expect(count(outbox), `night ${n}: .eml files`).toBe(filesBefore + night.messages.length);
      // Invoices of the book only (the demo's paid history is not modelled).
      const skipped = report.skipped.filter((s) => label.has(s.invoice)).map((s) => [label.get(s.invoice)!, s.level, s.reason]).sort((a, b) => a[0]!.localeCompare(b[0]!));
      expect(skipped, `night ${n} (${date}): skipped`).toEqual(night.skipped.map((s) => [...s]));
    }

    // owed alert run --notify
    const postsBefore = posts.length;
    const alerts = parse<AlertRunJson>(await owed(late ? day(n + 1) : date, '--json', 'alert', 'run', '--as-of', date, '--notify'), `alert run, night ${n}`);
    expect(alerts.as_of).toBe(date);
    const fresh = alerts.active.filter((a) => a.state === 'new' || a.state === 'escalated');
    for (const a of fresh) {
      expect(a.changed_on, `${a.id} ${a.state}`).toBe(date);
      if (a.state === 'new') expect(a.since).toBe(date);
      alertEvents.set(a.id, [...(alertEvents.get(a.id) ?? []), `${a.state} ${a.level} ${date}`]);
    }
    for (const a of alerts.resolved) {
      expect(a.resolved_on).toBe(date);
      alertEvents.set(a.id, [...(alertEvents.get(a.id) ?? []), `resolved ${a.level} ${date}`]);
    }
    const seen = [...fresh.map((a) => ({ key: a.id, state: a.state, level: a.level })), ...alerts.resolved.map((a) => ({ key: a.id, state: 'resolved', level: a.level }))]
      .filter((e) => expected.modelled(e.key))
      .sort((a, b) => a.key.localeCompare(b.key));
    expect(seen, `night ${n} (${date}): alert changes`).toEqual(night.alerts.map((e) => ({ ...e })));
    // Everything new or escalated tonight, and nothing else, is notified, in one POST.
    expect([...alerts.notified].sort(), `night ${n}: notified`).toEqual(fresh.map((a) => a.id).sort());
    expect(posts.length - postsBefore, `night ${n}: webhook POSTs`).toBe(alerts.notified.length > 0 ? 1 : 0);
    if (alerts.notified.length > 0) {
      const post = posts[posts.length - 1]!;
      expect(post.url).toBe(`/hooks/${engine}`);
      // The alerts were evaluated as of D, whatever the clock said (soft: the run goes on).
      expect.soft(post.body.as_of, `night ${n}${late ? ', run after midnight' : ''}: the webhook's as_of`).toBe(date);
      postNights.set(post, date);
      expect(post.body.alerts.map((a) => a.id).sort()).toEqual([...alerts.notified].sort());
    }

    // The same again (cron retried, or someone ran it by hand): nothing more is written or sent.
    if (rerun(n)) {
      const filesNow = count(outbox);
      const again = await cron('--json', 'remind', 'run', '--as-of', date, '--outbox', outbox, ...(night.remind === 'forced' ? ['--force'] : []));
      if (night.remind === 'refused') expect(again.code).toBe(5);
      else expect(parse<RemindRunJson>(again, 'remind run again').messages).toEqual([]);
      expect(count(outbox)).toBe(filesNow);
      const postsNow = posts.length;
      expect(parse<AlertRunJson>(await cron('--json', 'alert', 'run', '--as-of', date, '--notify'), 'alert run again').notified).toEqual([]);
      expect(posts.length).toBe(postsNow);
    }
  }
  return { alertEvents, postNights, remindRuns };
}

interface Final {
  readonly history: readonly ReminderJson[];
  /** Every alert the webhook received, with the --as-of of the run that sent it. */
  readonly notices: readonly (AlertJson & { as_of: string })[];
  /** label → [level, sent_on]. */
  readonly levels: Record<string, [string, string][]>;
}

/** After the last night: the book and the webhook's log against the model. */
async function checkEnd(owed: Owed, book: Book, expected: Model, observed: Observed, outbox: string, nights: number): Promise<Final> {
  const label = new Map([...book.numbers].map(([l, number]) => [number, l]));
  const read = async <T>(...args: string[]) => parse<T>(await owed(day(nights - 1), '--json', ...args), args.join(' '));

  // ---- Reminders: each (invoice, level) once, exactly the levels the model sent, on its nights.
  const history = (await read<ReminderJson[]>('remind', 'list')).reverse(); // oldest first
  const pairs = history.map((h) => `${h.invoice} ${h.level}`);
  expect(pairs.filter((p, i) => pairs.indexOf(p) !== i), 'an (invoice, level) recorded twice').toEqual([]);
  const levels: Record<string, [string, string][]> = Object.fromEntries(book.invoices.map((i) => [i.label, []]));
  for (const h of history) {
    expect(label.has(h.invoice), `${h.invoice} was not open when the run began`).toBe(true);
    levels[label.get(h.invoice)!]!.push([h.level, h.sent_on]);
  }
  expect(levels).toEqual(Object.fromEntries(book.invoices.map((i) => [i.label, (expected.sent.get(i.label) ?? []).map(([level, n]) => [level, day(n)])])));
  for (const h of history) {
    const inv = book.invoices.find((i) => i.label === label.get(h.invoice))!;
    const level = LEVELS.find((l) => l.name === h.level)!;
    const c = book.customers.find((x) => x.code === inv.customer)!;
    expect([h.customer, h.level_days, h.channel, h.recipient]).toEqual([c.code, level.days, 'outbox', c.email]);
    const paidOn = expected.paidOn.get(inv.label);
    if (paidOn !== undefined) expect(h.sent_on < day(paidOn), `${h.invoice} ${h.level} sent on ${h.sent_on}, after it was paid`).toBe(true);
  }
  for (const [l, list] of Object.entries(levels)) {
    const ranks = list.map(([name]) => LEVELS.find((x) => x.name === name)!.rank);
    expect(ranks, `${l}: levels go up, never repeat or go down`).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(list.map(([, on]) => on)).size, `${l}: one level a night`).toBe(list.length);
  }

  // ---- The outbox: one .eml per customer and night, exactly the messages recorded.
  const messages = new Map<string, ReminderJson[]>();
  for (const h of history) messages.set(`${h.sent_on}-${h.customer}.eml`, [...(messages.get(`${h.sent_on}-${h.customer}.eml`) ?? []), h]);
  const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).sort() : [];
  expect(files).toEqual([...messages.keys()].sort());
  for (const file of files) {
    const rows = messages.get(file)!;
    const mail = await simpleParser(fs.readFileSync(path.join(outbox, file)));
    expect(new Set(rows.map((r) => r.message_id)).size, `${file}: one message`).toBe(1);
    expect(mail.messageId, file).toBe(rows[0]!.message_id);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : [], file).toEqual([rows[0]!.recipient]);
    expect(mail.headers.get('x-owed-customer'), file).toBe(rows[0]!.customer);
    for (const r of rows) expect(mail.text, `${file} names ${r.invoice}`).toContain(r.invoice);
    for (const number of book.numbers.values()) {
      if (!rows.some((r) => r.invoice === number)) expect(mail.text, `${file} does not name ${number}`).not.toContain(number);
    }
  }

  // ---- Credit holds: placed with the first message at the final level or higher (and by hand).
  const customers = await read<{ code: string; on_hold: boolean }[]>('customer', 'list');
  expect(customers.filter((c) => c.on_hold).map((c) => c.code).sort()).toEqual([...expected.onHold].sort());

  // ---- Alerts: the nights they appeared, escalated and resolved; their last state.
  const modelEvents: Record<string, string[]> = {};
  for (const night of expected.nights) for (const e of night.alerts) (modelEvents[e.key] ??= []).push(`${e.state} ${e.level} ${night.date}`);
  expect(Object.fromEntries([...observed.alertEvents].filter(([key]) => expected.modelled(key)))).toEqual(modelEvents);
  const listed = await read<{ id: string; level: string; state: string; since: string }[]>('alert', 'list', '--all');
  expect(new Set(listed.map((a) => a.id)).size).toBe(listed.length);
  expect(listed.filter((a) => expected.modelled(a.id)).map((a) => [a.id, a.state, a.level, a.since]).sort())
    .toEqual([...expected.finalAlerts].map(([key, a]) => [key, a.state, a.level, day(a.since)]).sort());
  for (const [key, events] of observed.alertEvents) {
    const row = listed.find((a) => a.id === key);
    expect(row, key).toBeDefined();
    expect(row!.state === 'resolved', `${key}: last listed state ${row!.state} after ${events[events.length - 1]}`).toBe(events[events.length - 1]!.startsWith('resolved'));
  }

  // ---- The webhook: each alert at each level once per appearance (since), never an ongoing one;
  // the modelled alerts exactly on the nights they became new or escalated.
  expect(posts.every((p) => observed.postNights.has(p)), 'a POST outside the alert runs').toBe(true);
  const notices = posts.flatMap((p) => p.body.alerts.map((a) => ({ ...a, as_of: observed.postNights.get(p)! })));
  const noticeKeys = notices.map((a) => `${a.id} since ${a.since} at ${a.level}`);
  expect(noticeKeys.filter((k, i) => noticeKeys.indexOf(k) !== i), 'notified twice').toEqual([]);
  for (const a of notices) {
    expect(['new', 'escalated'], `${a.id} notified as ${a.state}`).toContain(a.state);
    expect(a.changed_on, a.id).toBe(a.as_of);
  }
  const overdue = notices.filter((a) => a.rule === 'invoice_overdue').map((a) => `${a.id} ${a.level}`);
  expect(overdue.filter((k, i) => overdue.indexOf(k) !== i), 'an overdue invoice notified twice at one level').toEqual([]);
  const hooked: Record<string, string[]> = {};
  for (const a of notices.filter((x) => expected.modelled(x.id))) (hooked[a.id] ??= []).push(`${a.state} ${a.level} ${a.as_of}`);
  const hookExpected = Object.fromEntries(Object.entries(modelEvents).map(([k, list]) => [k, list.filter((e) => !e.startsWith('resolved'))] as const).filter(([, list]) => list.length > 0));
  expect(hooked).toEqual(hookExpected);

  expect(observed.remindRuns).toBe(expected.nights.filter((x) => x.remind === 'run' || x.remind === 'forced').length);
  return { history, notices, levels };
}

function timing(what: string, marks: readonly [string, number][]): void {
  const parts = marks.slice(1).map(([name, t], i) => `${name} ${((t - marks[i]![1]) / 1000).toFixed(1)} s`);
  process.stderr.write(`cron simulation, ${what}: ${parts.join(', ')}\n`);
}

const HAND_RUNS: readonly (readonly [Engine, number])[] = testEngines().map((engine) => [engine, engine === 'sqlite' ? 120 : 30] as const);

describe.each(HAND_RUNS)('hand-made book on %s, %i nights of cron', (engine, nights) => {
  it('sends each reminder level once per invoice, raises, escalates and resolves alerts on the right nights, and never notifies twice', async () => {
    const marks: [string, number][] = [['start', Date.now()]];
    posts = [];
    const book = HAND_BOOK;
    const db = await scratchDatabase(engine);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-cron-'));
    const outbox = path.join(home, 'outbox');
    const owed = cronRunner(db.dbArg, home);
    const expected = model(book, nights);
    try {
      // The book, the evening before the first night.
      const eve = day(-1);
      const setup = async (...args: string[]) => ok(await owed(eve, ...args), args.join(' '));
      await setup('init');
      await configure(owed, eve, `${hookBase}/hooks/${engine}`);
      await setup('product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service');
      for (const c of book.customers) {
        await setup('customer', 'add', c.code, '--name', c.name, '--language', c.language, '--terms', 'NET30',
          ...(c.email !== null ? ['--email', c.email] : []),
          ...(c.creditLimit !== undefined ? ['--credit-limit', String(c.creditLimit)] : []));
      }
      for (const inv of book.invoices.filter((i) => i.issued < 0)) await issue(owed, book, inv, eve);
      // A hold set by hand (not by the reminders): the reminders skip the customer.
      for (const c of book.customers.filter((x) => x.manualHold)) await setup('customer', 'edit', c.code, '--hold');
      marks.push(['set-up', Date.now()]);

      const observed = await runNights(engine, owed, book, expected, outbox);
      marks.push([`${nights} nights`, Date.now()]);
      const final = await checkEnd(owed, book, expected, observed, outbox, nights);

      // ---- The model against the tables worked out by hand.
      expect(final.levels).toEqual(Object.fromEntries(Object.entries(HAND_LEVELS).map(([l, list]) => [l, list.filter(([, n]) => n < nights).map(([level, n]) => [level, day(n)])])));
      expect([...expected.onHold].sort()).toEqual([...Object.entries(HAND_HOLDS).filter(([, n]) => n < nights).map(([code]) => code), 'C005'].sort());
      for (const [code, n] of Object.entries(HAND_HOLDS).filter(([, x]) => x < nights)) {
        expect(expected.nights[n]!.messages.find((m) => m.customer === code)?.hold, `${code} put on hold on night ${n}`).toBe(true);
      }
      const handEvents = Object.fromEntries(
        Object.entries(HAND_ALERTS)
          .map(([k, list]) => [alertKey(k), list.filter(([, , n]) => n < nights).map(([state, level, n]) => `${state} ${level} ${day(n)}`)] as const)
          .filter(([, list]) => list.length > 0),
      );
      expect(Object.fromEntries([...observed.alertEvents].filter(([key]) => expected.modelled(key)))).toEqual(handEvents);

      // ---- The schedule went through the cases it is meant to.
      const outcomes = expected.nights.map((x) => x.remind);
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(2);
      expect(outcomes.filter((o) => o === 'forced')).toHaveLength(2);
      expect(final.history).toHaveLength(Object.values(HAND_LEVELS).flat().filter(([, n]) => n < nights).length);
      if (nights >= 120) expect(final.notices.some((a) => !expected.modelled(a.id)), 'other rules notified too').toBe(true);
      marks.push(['checks', Date.now()]);
      timing(`hand-made book, ${engine} (${final.history.length} reminders, ${posts.length} webhook POSTs)`, marks);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      await db.drop();
    }
  }, 240_000);
});

describe('the demo book on sqlite, 90 nights of cron', () => {
  it('chases and alerts exactly as the model of its open invoices says', async () => {
    const nights = 90;
    const marks: [string, number][] = [['start', Date.now()]];
    posts = [];
    const db = await scratchDatabase('sqlite');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-cron-demo-'));
    const outbox = path.join(home, 'outbox');
    const owed = cronRunner(db.dbArg, home);
    try {
      ok(await owed(START, 'demo', '--db', db.dbArg, '--today', START, '-q'), 'demo');
      await configure(owed, START, `${hookBase}/hooks/sqlite`);
      const read = async <T>(...args: string[]) => parse<T>(await owed(START, '--json', ...args), args.join(' '));

      // The book as the demo left it.
      const customers = await read<{ code: string; name: string; email: string | null; on_hold: boolean }[]>('customer', 'list');
      const invoices = (await read<{ number: string; kind: string; customer: string; issue_date: string; due_date: string; open: string }[]>('invoice', 'list'))
        .filter((i) => i.kind === 'invoice' && Number(i.open) > 0)
        .sort((a, b) => a.number.localeCompare(b.number));
      const receipts = await read<{ date: string }[]>('receipt', 'list');
      const alerts = await read<{ id: string; level: 'warn' | 'critical'; state: string; since: string }[]>('alert', 'list', '--all');
      const reminded = await read<unknown[]>('remind', 'list');
      expect(reminded).toEqual([]);
      expect(invoices.length).toBeGreaterThanOrEqual(8);

      // Each open invoice: i % 4 = 0 never paid; 1 paid 3 days after its due date (after first);
      // 2 twenty days after (after second); 3 six days before it (before any reminder, when still
      // ahead). A payment falling on a night cron does not run is entered the next night it does.
      const skipped = new Set([25, 26, 27, 61]);
      const payments: SimPayment[] = [];
      invoices.forEach((inv, i) => {
        const due = nightOf(inv.due_date);
        const offset = [null, 3, 20, -6][i % 4];
        if (offset === null || offset === undefined) return;
        const on = Math.max(i % 4 === 3 ? 1 : 0, due + offset);
        if (on >= nights) return;
        let night = on;
        while (skipped.has(night)) night += 1;
        payments.push({ night, label: inv.number, amount: Number(inv.open), ...(night !== on ? { dated: on } : {}) });
      });
      const book: Book = {
        customers: customers.map((c) => ({ code: c.code, name: c.name, email: c.email, language: 'en', manualHold: c.on_hold })),
        invoices: invoices.map((inv) => ({ label: inv.number, customer: inv.customer, amount: Number(inv.open), issued: Math.min(-1, nightOf(inv.issue_date)), due: nightOf(inv.due_date) })),
        numbers: new Map(invoices.map((inv) => [inv.number, inv.number])),
        payments,
        disputes: [],
        skipped,
        forced: new Set(),
        filler: (n) => n % 3 === 0 && !skipped.has(n),
        lateRuns: new Set([30, 60]),
        latestReceipt: Math.max(...receipts.map((r) => nightOf(r.date))),
        // `owed demo` evaluated the alerts as of the first night: they are new, and not yet notified.
        alerts: new Map(alerts.filter((a) => a.id.startsWith('invoice_overdue:')).map((a) => {
          expect([a.state, a.since], a.id).toEqual(['new', START]);
          return [a.id, { state: 'new', level: a.level, since: 0, lastSeen: 0 }] as const;
        })),
      };
      const expected = model(book, nights);
      marks.push(['demo', Date.now()]);

      const observed = await runNights('sqlite', owed, book, expected, outbox);
      marks.push([`${nights} nights`, Date.now()]);
      const final = await checkEnd(owed, book, expected, observed, outbox, nights);

      // The demo does go through the interesting cases.
      expect(expected.nights.every((x) => x.remind !== 'refused')).toBe(true);
      expect(final.history.length).toBeGreaterThanOrEqual(10);
      expect(payments.length).toBeGreaterThanOrEqual(4);
      expect(expected.onHold.size).toBeGreaterThan(0);
      expect(expected.nights.some((x) => x.skipped.some(([, , reason]) => reason === 'no email address' || reason === 'paid'))).toBe(true);
      expect(Object.values(final.levels).some((list) => list.length >= 3)).toBe(true);
      marks.push(['checks', Date.now()]);
      timing(`demo book, sqlite (${book.invoices.length} open invoices, ${payments.length} payments, ${final.history.length} reminders, ${posts.length} webhook POSTs)`, marks);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      await db.drop();
    }
  }, 240_000);
});
