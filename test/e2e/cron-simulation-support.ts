/**
 * The schedules of test/e2e/cron-simulation.test.ts — a book, the nights cron runs over it, the
 * payments that arrive — and a model of what `owed remind run` and `owed alert run` should do each
 * night, computed from the schedule alone (not from what the commands did). The test runs it on the
 * small hand-made book below, and on the demo book (`owed demo`) with a payment schedule derived
 * from its open invoices.
 *
 * Night n is START + n days. Levels (remind.levels, the default): courtesy due-3, first due+1,
 * second due+15, final due+30 (credit hold), collections due+60. Alerts: invoice_overdue warn at
 * more than 30 days overdue, critical at more than 90.
 *
 * The hand-made book (amounts CNY, no VAT; n = night):
 *
 *   label cust  amount issued  due   what happens                                  levels expected (night)
 *   A     C001  1000   -25     5     paid n8 (after first)                          courtesy 2, first 6
 *   B     C001  2000   -50   -20     paid n80                                       second 0 (catch-up), final 10, collections 46 (due+60 = n40, skipped)
 *   C     C002   300   -20    10     paid n3, before any level                     —
 *   D     C002  4000  -110   -80     paid n50                                       collections 0 (only the highest, at once)
 *   E     C003  1500    -2    28     never paid                                     courtesy 25, first 29, second 46 (n43 skipped), final 58, collections 88
 *   F     C003   800    13    43     issued mid-run; paid n65                       first 46 (courtesy n40, first n44 both skipped: only first), second 58
 *   G     C001   500   -22    38     paid on n42 (a skipped night), entered n46     courtesy 35, first 39
 *   H     C004  1200   -35    -5     never paid                                     first 0, second 10, final 25, collections 55
 *   I     C005   600   -30     0     C005 on credit hold by hand; paid n100         — (skipped: customer on hold)
 *   J     C006   700   -20    10     C006 has no e-mail address; paid n60           — (skipped: no email address)
 *   K     C001  1500    60    90     issued mid-run (C001 already on hold); paid 95 courtesy 87, first 91
 *   L     C004   900    -1   100     never paid (C004 on hold by the reminders)     courtesy 97, first 101, second 115
 *   M     C003  1100   -15    15     disputed n20–n52; paid n75 (= its due+60)      courtesy 12, first 16, final 52 (second fell in the dispute)
 *   N     C002  1000   -10    19     500 paid n30, the rest n55                     courtesy 16, first 21 (n20 refused), second 34, final 49
 *   O     C007   800   -10    60     paid n80                                       courtesy 57, first 61, second 75 (C007 never on hold)
 *
 * Receipts: besides the payments, the bank brings a small unidentified credit every fourth night,
 * except nights 15–23: the newest receipt is then more than 7 days old on nights 20–23, so
 * `remind run` is refused on nights 20 and 22 (exit 5) and forced with --force on 21 and 23.
 * Cron does not run at all on nights 40–45. On nights 10, 11, 52 and 71 cron runs after midnight
 * (`--as-of D` with OWED_TODAY D+1): nothing may change but the clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Io } from '../../src/cli/action.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---------------------------------------------------------------------------------------------
// The built CLI, in this process.

const cli = (await import(pathToFileURL(path.join(ROOT, 'dist', 'cli', 'main.js')).href)) as {
  run(argv: readonly string[], io: Io): Promise<number>;
};

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** What cron would run: `owed ARGS` with OWED_DB, OWED_TODAY and an empty configuration directory. */
export function cronRunner(db: string, home: string): (today: string, ...args: string[]) => Promise<Result> {
  const config = path.join(home, 'config');
  const data = path.join(home, 'data');
  fs.mkdirSync(config, { recursive: true });
  fs.mkdirSync(data, { recursive: true });
  return async (today, ...args) => {
    const out = sink();
    const err = sink();
    const code = await cli.run(['node', 'owed', ...args], {
      streams: { stdout: out.stream, stderr: err.stream, stdinIsTTY: false },
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        OWED_DB: db,
        OWED_TODAY: today,
        OWED_USER: 'cron',
        XDG_CONFIG_HOME: config,
        XDG_DATA_HOME: data,
        TZ: 'Asia/Shanghai',
      },
      cwd: home,
    });
    return { code, stdout: out.text(), stderr: err.text() };
  };
}

// ---------------------------------------------------------------------------------------------
// The schedule.

export const START = '2026-08-01';

/** The date of night n. */
export function day(n: number): string {
  const d = new Date(`${START}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The night of a date (negative before the first night). */
export function nightOf(date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${START}T00:00:00Z`)) / 86_400_000);
}

export interface Level {
  readonly name: string;
  readonly days: number;
  readonly rank: number;
}

export const LEVELS_SETTING = '-3:courtesy,1:first,15:second,30:final,60:collections';
export const LEVELS: readonly Level[] = LEVELS_SETTING.split(',').map((s, rank) => {
  const [days, name] = s.split(':');
  return { name: name!, days: Number(days), rank };
});
export const HOLD_LEVEL = LEVELS.find((l) => l.name === 'final')!;
export const MAX_RECEIPT_AGE = 7;
export const WARN_DAYS = 30;
export const CRITICAL_DAYS = 90;

export interface SimCustomer {
  readonly code: string;
  readonly name: string;
  readonly email: string | null;
  readonly language: 'en' | 'zh-CN';
  /** Credit limit, major units; only modelled (credit_exposure) when given. */
  readonly creditLimit?: number;
  /** On credit hold by hand from the start. */
  readonly manualHold?: boolean;
}

export interface SimInvoice {
  /** A letter in the hand-made book; the invoice number in the demo book. */
  readonly label: string;
  readonly customer: string;
  /** Open at the start (or when issued), major units. */
  readonly amount: number;
  /** Night of issue (negative: before the first night, set up with the book). */
  readonly issued: number;
  readonly due: number;
}

export interface SimPayment {
  /** The night it is entered. */
  readonly night: number;
  readonly label: string;
  readonly amount: number;
  /** Its value date, when not the night it is entered (a bank statement entered late). */
  readonly dated?: number;
}

/** A book and what happens to it, night by night. */
export interface Book {
  readonly customers: readonly SimCustomer[];
  readonly invoices: readonly SimInvoice[];
  /** label → invoice number. */
  readonly numbers: ReadonlyMap<string, string>;
  readonly payments: readonly SimPayment[];
  readonly disputes: readonly { label: string; opened: number; closed: number }[];
  /** Nights cron does not run at all (the machine was down). */
  readonly skipped: ReadonlySet<number>;
  /** Nights the receipts are stale and the operator runs `remind run --force` anyway. */
  readonly forced: ReadonlySet<number>;
  /** Nights the bank brings a small unidentified credit (keeps the receipts fresh). */
  filler(n: number): boolean;
  /** Nights cron runs `remind run` and `alert run` after midnight: --as-of D, OWED_TODAY the next day. */
  readonly lateRuns: ReadonlySet<number>;
  /** The value date (night) of the newest receipt in the book before the first night. */
  readonly latestReceipt: number | null;
  /** Alerts the book holds before the first night (the demo evaluates them as it is made). */
  readonly alerts?: ReadonlyMap<string, ModelAlert>;
}

const cents = (major: number) => Math.round(major * 100);

// ---- The hand-made book (the table at the top).

export const CUSTOMERS: readonly SimCustomer[] = [
  { code: 'C001', name: 'Alpha Trading', email: 'ap@alpha.test', language: 'en', creditLimit: 3000 },
  { code: 'C002', name: '北方贸易有限公司', email: 'cw@beifang.test', language: 'zh-CN' },
  { code: 'C003', name: 'Gamma Works', email: 'ar@gamma.test', language: 'en' },
  { code: 'C004', name: 'Delta Supplies', email: 'pay@delta.test', language: 'en' },
  { code: 'C005', name: 'Epsilon Ltd', email: 'ap@epsilon.test', language: 'en', manualHold: true },
  { code: 'C006', name: 'Zeta Foods', email: null, language: 'en' },
  { code: 'C007', name: 'Eta Design', email: 'billing@eta.test', language: 'en' },
];

export const INVOICES: readonly SimInvoice[] = [
  { label: 'A', customer: 'C001', amount: 1000, issued: -25, due: 5 },
  { label: 'B', customer: 'C001', amount: 2000, issued: -50, due: -20 },
  { label: 'C', customer: 'C002', amount: 300, issued: -20, due: 10 },
  { label: 'D', customer: 'C002', amount: 4000, issued: -110, due: -80 },
  { label: 'E', customer: 'C003', amount: 1500, issued: -2, due: 28 },
  { label: 'G', customer: 'C001', amount: 500, issued: -22, due: 38 },
  { label: 'H', customer: 'C004', amount: 1200, issued: -35, due: -5 },
  { label: 'I', customer: 'C005', amount: 600, issued: -30, due: 0 },
  { label: 'J', customer: 'C006', amount: 700, issued: -20, due: 10 },
  { label: 'L', customer: 'C004', amount: 900, issued: -1, due: 100 },
  { label: 'M', customer: 'C003', amount: 1100, issued: -15, due: 15 },
  { label: 'N', customer: 'C002', amount: 1000, issued: -10, due: 19 },
  { label: 'O', customer: 'C007', amount: 800, issued: -10, due: 60 },
  // Issued during the run.
  { label: 'F', customer: 'C003', amount: 800, issued: 13, due: 43 },
  { label: 'K', customer: 'C001', amount: 1500, issued: 60, due: 90 },
];

/** Invoice numbers in order of issue: the set-up ones first, in list order, then the night's. */
export const NUMBERS: ReadonlyMap<string, string> = new Map(
  [...INVOICES].sort((a, b) => (a.issued < 0 ? -1 : a.issued) - (b.issued < 0 ? -1 : b.issued)).map((inv, i) => [inv.label, `INV-2026-${String(i + 1).padStart(6, '0')}`]),
);

export const PAYMENTS: readonly SimPayment[] = [
  { night: 3, label: 'C', amount: 300 },
  { night: 8, label: 'A', amount: 1000 },
  { night: 30, label: 'N', amount: 500 },
  { night: 46, label: 'G', amount: 500, dated: 42 },
  { night: 50, label: 'D', amount: 4000 },
  { night: 55, label: 'N', amount: 500 },
  { night: 60, label: 'J', amount: 700 },
  { night: 65, label: 'F', amount: 800 },
  { night: 75, label: 'M', amount: 1100 },
  { night: 80, label: 'B', amount: 2000 },
  { night: 80, label: 'O', amount: 800 },
  { night: 95, label: 'K', amount: 1500 },
  { night: 100, label: 'I', amount: 600 },
];

const SKIPPED: ReadonlySet<number> = new Set([40, 41, 42, 43, 44, 45]);

export const HAND_BOOK: Book = {
  customers: CUSTOMERS,
  invoices: INVOICES,
  numbers: NUMBERS,
  payments: PAYMENTS,
  disputes: [{ label: 'M', opened: 20, closed: 52 }],
  skipped: SKIPPED,
  forced: new Set([21, 23]),
  // Every fourth night, except 15–23: the newest receipt is then more than 7 days old on 20–23.
  filler: (n) => n % 4 === 0 && !(n >= 15 && n <= 23) && !SKIPPED.has(n),
  lateRuns: new Set([10, 11, 52, 71]),
  latestReceipt: null,
};

/** Nights a second run of the same commands must change and send nothing. */
export function rerun(n: number): boolean {
  return n % 10 === 5;
}

// ---------------------------------------------------------------------------------------------
// The model.

export type RemindOutcome = 'skipped' | 'run' | 'forced' | 'refused';

export interface ModelMessage {
  readonly customer: string;
  /** [invoice label, level], by due date then number. */
  readonly lines: readonly (readonly [string, string])[];
  readonly level: string;
  readonly hold: boolean;
}

export interface AlertEvent {
  readonly key: string;
  readonly state: 'new' | 'escalated' | 'resolved';
  readonly level: 'warn' | 'critical';
}

export interface ModelNight {
  readonly n: number;
  readonly date: string;
  readonly remind: RemindOutcome;
  /** The value date (night) of the newest receipt entered by this night. */
  readonly latestReceipt: number | null;
  readonly messages: readonly ModelMessage[];
  /** [invoice label, level, reason], sorted, for the invoices of the book. */
  readonly skipped: readonly (readonly [string, string, string])[];
  /** invoice_overdue and (with a credit limit) credit_exposure alerts; other rules are checked generically. */
  readonly alerts: readonly AlertEvent[];
}

export interface ModelAlert {
  readonly state: 'new' | 'ongoing' | 'escalated' | 'resolved' | 'acknowledged';
  readonly level: 'warn' | 'critical';
  readonly since: number;
  /** The night the rule last found it. */
  readonly lastSeen: number;
}

export interface Model {
  readonly nights: readonly ModelNight[];
  /** label → [level, night] in the order sent. */
  readonly sent: ReadonlyMap<string, readonly (readonly [string, number])[]>;
  /** Customers on credit hold at the end. */
  readonly onHold: ReadonlySet<string>;
  /** The last state of each modelled alert. */
  readonly finalAlerts: ReadonlyMap<string, ModelAlert>;
  /** label → the night (value date) it was fully paid, if it was. */
  readonly paidOn: ReadonlyMap<string, number>;
  /** Whether an alert key is one the model follows. */
  modelled(key: string): boolean;
}

function reached(days: number): Level | null {
  let level: Level | null = null;
  for (const l of LEVELS) if (l.days <= days) level = l;
  return level;
}

/** What nights 0 … nights-1 of the book's schedule should do. */
export function model(book: Book, nights: number): Model {
  const sent = new Map<string, [string, number][]>();
  const highest = (label: string) => Math.max(-1, ...(sent.get(label) ?? []).map(([name]) => LEVELS.find((l) => l.name === name)!.rank));
  const hold = new Set(book.customers.filter((c) => c.manualHold).map((c) => c.code));
  const alerts = new Map<string, ModelAlert>(book.alerts ?? []);
  const result: ModelNight[] = [];
  const customer = (code: string) => book.customers.find((c) => c.code === code)!;
  const number = (label: string) => book.numbers.get(label)!;
  const limited = new Set(book.customers.filter((c) => c.creditLimit !== undefined).map((c) => `credit_exposure:${c.code}`));

  /** Paid on the invoice as of night n (entered by n, value date by n), in cents. */
  const paid = (label: string, n: number) =>
    book.payments.filter((p) => p.label === label && p.night <= n && (p.dated ?? p.night) <= n).reduce((s, p) => s + cents(p.amount), 0);
  const paidOn = new Map<string, number>();
  for (const inv of book.invoices) {
    let total = 0;
    for (const p of book.payments.filter((x) => x.label === inv.label).sort((a, b) => (a.dated ?? a.night) - (b.dated ?? b.night))) {
      total += cents(p.amount);
      if (total >= cents(inv.amount)) {
        paidOn.set(inv.label, p.dated ?? p.night);
        break;
      }
    }
  }
  const issuedBy = (n: number) => book.invoices.filter((i) => i.issued <= n);
  const open = (inv: SimInvoice, n: number) => cents(inv.amount) - paid(inv.label, n);

  let latestReceipt: number | null = book.latestReceipt;
  for (let n = 0; n < nights; n += 1) {
    const date = day(n);
    if (book.skipped.has(n)) {
      result.push({ n, date, remind: 'skipped', latestReceipt, messages: [], skipped: [], alerts: [] });
      continue;
    }
    for (const p of book.payments.filter((x) => x.night === n)) latestReceipt = Math.max(latestReceipt ?? -Infinity, p.dated ?? p.night);
    if (book.filler(n)) latestReceipt = Math.max(latestReceipt ?? -Infinity, n);

    // remind run
    const stale = latestReceipt === null || n - latestReceipt > MAX_RECEIPT_AGE;
    const remind: RemindOutcome = stale ? (book.forced.has(n) ? 'forced' : 'refused') : 'run';
    const messages: ModelMessage[] = [];
    const skipped: [string, string, string][] = [];
    if (remind !== 'refused') {
      const lines = new Map<string, { inv: SimInvoice; level: Level }[]>();
      for (const inv of issuedBy(n)) {
        const level = reached(n - inv.due);
        if (level === null || level.rank <= highest(inv.label)) continue;
        if (open(inv, n) > 0) {
          const c = customer(inv.customer);
          const disputed = book.disputes.some((d) => d.label === inv.label && d.opened <= n && n < d.closed);
          if (disputed) skipped.push([inv.label, level.name, 'disputed']);
          else if (c.manualHold) skipped.push([inv.label, level.name, 'customer on hold']);
          else if (c.email === null) skipped.push([inv.label, level.name, 'no email address']);
          else lines.set(c.code, [...(lines.get(c.code) ?? []), { inv, level }]);
        } else {
          // Settled within the receipts window: listed as paid, not chased.
          const on = paidOn.get(inv.label)!;
          if (on > n - Math.max(1, MAX_RECEIPT_AGE)) skipped.push([inv.label, level.name, 'paid']);
        }
      }
      for (const code of [...lines.keys()].sort()) {
        const list = lines.get(code)!.sort((a, b) => a.inv.due - b.inv.due || number(a.inv.label).localeCompare(number(b.inv.label)));
        const top = list.reduce((t, l) => (l.level.rank > t.rank ? l.level : t), list[0]!.level);
        const placesHold = top.rank >= HOLD_LEVEL.rank && !hold.has(code);
        messages.push({ customer: code, lines: list.map((l) => [l.inv.label, l.level.name] as const), level: top.name, hold: placesHold });
        for (const l of list) sent.set(l.inv.label, [...(sent.get(l.inv.label) ?? []), [l.level.name, n]]);
        if (placesHold) hold.add(code);
      }
    }
    skipped.sort((a, b) => a[0].localeCompare(b[0]));

    // alert run
    const findings = new Map<string, 'warn' | 'critical'>();
    for (const inv of issuedBy(n)) {
      const days = n - inv.due;
      if (open(inv, n) > 0 && days > WARN_DAYS) findings.set(`invoice_overdue:${number(inv.label)}`, days > CRITICAL_DAYS ? 'critical' : 'warn');
    }
    for (const c of book.customers) {
      if (c.creditLimit === undefined) continue;
      const exposure = issuedBy(n).filter((i) => i.customer === c.code).reduce((s, i) => s + open(i, n), 0);
      const share = (exposure * 100) / cents(c.creditLimit);
      if (exposure > 0 && share > 90) findings.set(`credit_exposure:${c.code}`, share > 100 ? 'critical' : 'warn');
    }
    const events: AlertEvent[] = [];
    for (const [key, level] of findings) {
      const old = alerts.get(key);
      if (!old || old.state === 'resolved') {
        alerts.set(key, { state: 'new', level, since: n, lastSeen: n });
        events.push({ key, state: 'new', level });
      } else if (old.lastSeen === n && old.level === level) {
        // Evaluated already tonight (the demo does as it is made): unchanged, still new or escalated.
        if (old.state === 'new' || old.state === 'escalated') events.push({ key, state: old.state, level });
      } else if (level === 'critical' && old.level === 'warn') {
        alerts.set(key, { ...old, state: 'escalated', level, lastSeen: n });
        events.push({ key, state: 'escalated', level });
      } else {
        alerts.set(key, { ...old, state: old.state === 'acknowledged' ? 'acknowledged' : 'ongoing', level, lastSeen: n });
      }
    }
    for (const [key, old] of alerts) {
      if (old.state !== 'resolved' && !findings.has(key)) {
        alerts.set(key, { ...old, state: 'resolved' });
        events.push({ key, state: 'resolved', level: old.level });
      }
    }
    events.sort((a, b) => a.key.localeCompare(b.key));
    result.push({ n, date, remind, latestReceipt, messages, skipped, alerts: events });
  }
  return {
    nights: result,
    sent,
    onHold: hold,
    finalAlerts: alerts,
    paidOn,
    modelled: (key) => key.startsWith('invoice_overdue:') || limited.has(key),
  };
}

// ---------------------------------------------------------------------------------------------
// The same, worked out by hand from the table at the top: a check on the model itself.

/** label → [level, night] of every reminder it should get over 120 nights. */
export const HAND_LEVELS: Readonly<Record<string, readonly (readonly [string, number])[]>> = {
  A: [['courtesy', 2], ['first', 6]],
  B: [['second', 0], ['final', 10], ['collections', 46]],
  C: [],
  D: [['collections', 0]],
  E: [['courtesy', 25], ['first', 29], ['second', 46], ['final', 58], ['collections', 88]],
  F: [['first', 46], ['second', 58]],
  G: [['courtesy', 35], ['first', 39]],
  H: [['first', 0], ['second', 10], ['final', 25], ['collections', 55]],
  I: [],
  J: [],
  K: [['courtesy', 87], ['first', 91]],
  L: [['courtesy', 97], ['first', 101], ['second', 115]],
  M: [['courtesy', 12], ['first', 16], ['final', 52]],
  N: [['courtesy', 16], ['first', 21], ['second', 34], ['final', 49]],
  O: [['courtesy', 57], ['first', 61], ['second', 75]],
};

/** Customer → the night a reminder put them on credit hold. */
export const HAND_HOLDS: Readonly<Record<string, number>> = { C002: 0, C001: 10, C004: 25, C003: 52 };

/**
 * Alert key (invoice label, or the credit_exposure key) → [state, level, night] over 120 nights:
 * new the night the invoice is more than 30 days overdue (or the first night cron runs after
 * that), escalated past 90 days, resolved the night the payment is entered.
 */
export const HAND_ALERTS: Readonly<Record<string, readonly (readonly [string, string, number])[]>> = {
  B: [['new', 'warn', 11], ['escalated', 'critical', 71], ['resolved', 'critical', 80]],
  D: [['new', 'warn', 0], ['escalated', 'critical', 11], ['resolved', 'critical', 50]],
  E: [['new', 'warn', 59], ['escalated', 'critical', 119]],
  H: [['new', 'warn', 26], ['escalated', 'critical', 86]],
  I: [['new', 'warn', 31], ['escalated', 'critical', 91], ['resolved', 'critical', 100]],
  J: [['new', 'warn', 46], ['resolved', 'warn', 60]],
  M: [['new', 'warn', 46], ['resolved', 'warn', 75]],
  N: [['new', 'warn', 50], ['resolved', 'warn', 55]],
  'credit_exposure:C001': [['new', 'critical', 0], ['resolved', 'critical', 8], ['new', 'critical', 60], ['resolved', 'critical', 80]],
};

/** The alert key of a HAND_ALERTS entry. */
export function alertKey(labelOrKey: string): string {
  return labelOrKey.includes(':') ? labelOrKey : `invoice_overdue:${NUMBERS.get(labelOrKey)!}`;
}
