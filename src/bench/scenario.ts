import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { BookCsv } from '../fixtures/book-csv.js';
import { DEFAULT_BOOK_END, generateBook, type BookSummary } from '../fixtures/generate-book.js';
import { addDays } from '../domain/dates.js';
import { loadBook } from '../storage/bulk/load-book.js';
import { Database } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { parseTarget, type Engine } from '../storage/target.js';
import { measureProcess, type ProcessRun } from './process.js';

export interface StepResult {
  readonly engine: Engine;
  /** Invoices in the book. */
  readonly scale: number;
  readonly step: string;
  readonly medianMs: number;
  /** Every run, in order. */
  readonly runsMs: readonly number[];
  readonly rowsPerSecond: number | null;
  /**
   * CPU time (user + system) of the median run's process: on a shared machine, less noisy than
   * wall time. On PostgreSQL the server's work is not in it.
   */
  readonly cpuMs: number | null;
  /**
   * The median run's own work, from owed's OWED_TIMING line: its wall time less Node's start-up
   * and module loading. Null for programs other than owed.
   */
  readonly commandMs: number | null;
  /** Peak resident memory of the step's process, the highest of its runs. */
  readonly peakRssMb: number | null;
  /** What the step produced: row counts, totals, agreement with owed. */
  readonly detail: string;
  /** 1-minute load average when the step started (the machine may be shared). */
  readonly load1: number;
  /** The program did not finish (hledger out of memory): medianMs is how long it ran until it stopped. */
  readonly failed?: boolean;
}

export const BOOK_END = DEFAULT_BOOK_END;
export const YEAR_BEFORE = addDays(BOOK_END, -365);
export const USER = 'bench';
const OWED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'owed.js');

export function owedEnv(location: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OWED_DB: location, OWED_USER: USER, OWED_TODAY: BOOK_END, NO_COLOR: '1', OWED_TIMING: '1' };
  delete env.OWED_FORMAT;
  return env;
}

/** `owed …` against a book, measured as a process of its own. */
export function owedRun(location: string, args: readonly string[], options: { keepStdout?: boolean } = {}): ProcessRun {
  return measureProcess(process.execPath, [OWED, ...args], owedEnv(location), options);
}

/** The command's own time from owed's `owed: timing: start-up N ms, command M ms` line on stderr. */
export function commandTime(run: ProcessRun): number | null {
  const m = /^owed: timing: start-up \d+ ms, command (\d+) ms$/m.exec(run.stderr);
  return m ? Number(m[1]) : null;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs `once` `runs` times and reports the median run (its CPU time) and the highest peak RSS.
 * `prepare` (not timed) gives each run what it starts from, e.g. a fresh copy of the book.
 */
export async function repeat<T>(
  identity: { engine: Engine; scale: number; step: string },
  runs: number,
  once: (run: number) => Promise<{ run: ProcessRun; value: T }>,
  describe: (value: T, median: ProcessRun) => { detail: string; rows?: number },
): Promise<StepResult> {
  const load1 = os.loadavg()[0]!;
  const results: { run: ProcessRun; value: T }[] = [];
  for (let r = 0; r < runs; r++) results.push(await once(r));
  const middleMs = median(results.map((x) => x.run.ms));
  const middle = results.find((x) => x.run.ms === middleMs)!;
  const rss = results.map((x) => x.run.peakRssMb).filter((x): x is number => x !== null);
  const { detail, rows } = describe(middle.value, middle.run);
  return {
    ...identity,
    medianMs: middleMs,
    runsMs: results.map((x) => x.run.ms),
    rowsPerSecond: rows === undefined ? null : (rows / middleMs) * 1000,
    cpuMs: middle.run.cpuMs,
    commandMs: commandTime(middle.run),
    peakRssMb: rss.length > 0 ? Math.max(...rss) : null,
    detail,
    load1,
  };
}

/** Bulk-loads a generated book of `scale` invoices into a migrated database (a worker process of its own). */
export async function runLoad(engine: Engine, scale: number, location: string): Promise<{ result: StepResult; summary: BookSummary }> {
  const load1 = os.loadavg()[0]!;
  const db = await Database.open(parseTarget(location), { create: engine === 'sqlite' });
  try {
    await migrateToLatest(db.knex);
    const c0 = process.cpuUsage();
    const loaded = await loadBook(db, generateBook({ invoices: scale, user: USER }));
    const cpu = process.cpuUsage(c0);
    for (const [table, expected] of Object.entries(loaded.rowsByTable)) {
      const [row] = (await db.knex(table).count({ n: '*' })) as { n: unknown }[];
      if (Number(row?.n) !== expected) throw new Error(`load book: ${table} has ${String(row?.n)} rows, ${expected} were generated`);
    }
    const s = loaded.summary;
    return {
      summary: s,
      result: {
        engine,
        scale,
        step: 'load book (bulk, generator)',
        medianMs: loaded.loadMs,
        runsMs: [loaded.loadMs],
        rowsPerSecond: loaded.rowsPerSecond,
        cpuMs: (cpu.user + cpu.system) / 1000,
        commandMs: null,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
        detail: `${loaded.rows.toLocaleString('en')} rows: ${s.customers} customers, ${s.invoices} invoices, ${s.creditNotes} credit notes, `
          + `${s.receipts} receipts (${s.unidentifiedReceipts} unidentified), ${s.writeOffs} write-offs, ${s.allocations} allocations; 1 run`,
        load1,
      },
    };
  } finally {
    await db.close();
  }
}

/** The TOTAL rows of `owed aging --format csv`: "CNY 1,234.56, USD …". */
export function agingTotals(csv: string): string {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const totals = rows.filter((r) => r.customer === 'TOTAL');
  return `${rows.length - totals.length} rows; total ${totals.map((t) => `${t.currency} ${t.total}`).join(', ')}`;
}

export interface BookFacts {
  readonly summary: BookSummary;
  readonly csv?: BookCsv;
}
