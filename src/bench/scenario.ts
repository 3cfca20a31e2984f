import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { renderCsv } from '../cli/render/index.js';
import { customerListing } from '../commands/customer.js';
import type { Actor } from '../domain/actor.js';
import { agingByInvoice, agingReport } from '../domain/receivables/aging.js';
import { customerStatement } from '../domain/receivables/statement.js';
import { formatMoney } from '../domain/money/index.js';
import { DEFAULT_BOOK_END, generateBook, type BookSummary } from '../fixtures/generate-book.js';
import { loadBook } from '../storage/bulk/load-book.js';
import { Database } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { createStore } from '../storage/store.js';
import { parseTarget, type Engine } from '../storage/target.js';

export interface StepResult {
  readonly engine: Engine;
  /** Invoices in the book. */
  readonly scale: number;
  readonly step: string;
  readonly medianMs: number;
  /** Every run, in order; reads run RUNS times, the load once. */
  readonly runsMs: readonly number[];
  readonly rowsPerSecond: number | null;
  /**
   * CPU time of this process (user + system) in the median run: on a shared machine, less
   * noisy than wall time; on PostgreSQL the server's work is not in it.
   */
  readonly cpuMs: number;
  /** Peak resident memory of the process that ran this step alone (a fresh child per step). */
  readonly peakRssMb: number;
  /** What the step produced: row counts, lines, … */
  readonly detail: string;
  /** 1-minute load average when the step started (the machine is shared). */
  readonly load1: number;
}

/** The book's facts the read steps need, handed from the load step to the others. */
export interface LoadedBook {
  readonly summary: BookSummary;
}

export const RUNS = 3;
export const BOOK_END = DEFAULT_BOOK_END;
export const YEAR_BEFORE = '2025-11-27';

/** The steps after the load, each run in a child process of its own. */
export const READ_STEPS = [
  `aging ${BOOK_END}`,
  `aging ${YEAR_BEFORE}`,
  'aging by invoice, 1 customer',
  'statement, largest customer',
  'customer list → csv',
  'customer show',
] as const;
export type ReadStep = (typeof READ_STEPS)[number];

const NOW = `${BOOK_END}T18:00:00.000Z`;
const ACTOR: Actor = { user: 'bench', role: 'admin', today: BOOK_END, now: NOW };

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// ---------------------------------------------------------------------------------------------
// Scratch databases

/** A fresh, empty database for one engine × scale; returns its location (file or URL). */
export async function createScratch(engine: Engine, scale: number, postgresUrl: string | undefined): Promise<string> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(process.env.OWED_BENCH_DIR ?? os.tmpdir(), 'owed-bench-'));
    return path.join(dir, `book-${scale}.sqlite`);
  }
  const name = `owed_bench_${process.pid}_${scale}`;
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('drop database if exists ?? with (force)', [name]);
    await admin.raw('create database ??', [name]);
  } finally {
    await admin.destroy();
  }
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropScratch(engine: Engine, location: string, postgresUrl: string | undefined): Promise<void> {
  if (engine === 'sqlite') {
    fs.rmSync(path.dirname(location), { recursive: true, force: true });
    return;
  }
  const name = new URL(location).pathname.slice(1);
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('drop database if exists ?? with (force)', [name]);
  } finally {
    await admin.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Steps

/** Migrates the scratch database and loads a book of `scale` invoices into it. */
export async function runLoad(engine: Engine, scale: number, location: string): Promise<{ results: StepResult[]; book: LoadedBook }> {
  const load1 = os.loadavg()[0]!;
  const db = await Database.open(parseTarget(location), { create: engine === 'sqlite' });
  try {
    await migrateToLatest(db.knex);
    const { cpuMs, value: loaded } = await timed(() => loadBook(db, generateBook({ invoices: scale, user: 'bench' })));
    const s = loaded.summary;
    // The book is what was generated: every row arrived (not timed).
    for (const [table, expected] of Object.entries(loaded.rowsByTable)) {
      const [row] = (await db.knex(table).count({ n: '*' })) as { n: unknown }[];
      if (Number(row?.n) !== expected) throw new Error(`load book: ${table} has ${String(row?.n)} rows, ${expected} were generated`);
    }
    const results: StepResult[] = [{
      engine,
      scale,
      step: 'load book',
      medianMs: loaded.loadMs,
      runsMs: [loaded.loadMs],
      rowsPerSecond: loaded.rowsPerSecond,
      cpuMs,
      peakRssMb: peakRssMb(),
      detail: `${loaded.rows.toLocaleString('en')} rows: ${s.customers} customers, ${s.invoices} invoices, ${s.invoiceLines} lines, `
        + `${s.creditNotes} credit notes, ${s.receipts} receipts (${s.unidentifiedReceipts} unidentified), ${s.writeOffs} write-offs, `
        + `${s.allocations} allocations`
        + (engine === 'postgres' ? `; then ${loaded.finishMs.toFixed(0)} ms setval + vacuum analyze` : '; one transaction, indexes built at the end'),
      load1,
    }];
    return { results, book: { summary: s } };
  } finally {
    await db.close();
  }
}

/** One read step, RUNS times on the loaded book; the median and this process's peak memory. */
export async function runReadStep(engine: Engine, scale: number, location: string, step: ReadStep, book: LoadedBook): Promise<StepResult> {
  const load1 = os.loadavg()[0]!;
  const db = await Database.open(parseTarget(location), { create: false });
  const largest = book.summary.largestCustomer.code;
  const inTransaction = <T>(work: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> =>
    db.transaction((q) => work(createStore(q, { user: ACTOR.user, command: 'bench', now: NOW })));
  const operations: Record<ReadStep, () => Promise<string>> = {
    [`aging ${BOOK_END}`]: () => inTransaction(async (store) => describeAging(await agingReport(store, { asOf: BOOK_END }))),
    [`aging ${YEAR_BEFORE}`]: () => inTransaction(async (store) => describeAging(await agingReport(store, { asOf: YEAR_BEFORE }))),
    'aging by invoice, 1 customer': () => inTransaction(async (store) => {
      const report = await agingByInvoice(store, { asOf: BOOK_END, customer: largest });
      return `${largest}: ${report.invoices.length} open invoices`;
    }),
    'statement, largest customer': () => inTransaction(async (store) => {
      const statement = await customerStatement(store, ACTOR, largest, {});
      return `${largest} (${book.summary.largestCustomer.invoices} invoices): ${statement.lines.length} lines`;
    }),
    'customer list → csv': () => inTransaction(async (store) => {
      const customers = await store.customers.list({});
      return `${customers.length} customers, ${renderCsv(customerListing(customers)).length} bytes`;
    }),
    'customer show': () => inTransaction(async (store) => `${(await store.customers.find(largest))?.code ?? 'missing'}`),
  } as Record<ReadStep, () => Promise<string>>;
  try {
    const runs: { ms: number; cpuMs: number }[] = [];
    let detail = '';
    for (let run = 0; run < RUNS; run++) {
      const { ms, cpuMs, value } = await timed(operations[step]);
      runs.push({ ms, cpuMs });
      detail = value;
    }
    const middle = runs.find((r) => r.ms === median(runs.map((x) => x.ms)))!;
    return {
      engine, scale, step, medianMs: middle.ms, runsMs: runs.map((r) => r.ms), rowsPerSecond: null, cpuMs: middle.cpuMs,
      peakRssMb: peakRssMb(), detail, load1,
    };
  } finally {
    await db.close();
  }
}

function describeAging(report: Awaited<ReturnType<typeof agingReport>>): string {
  const totals = report.totals.map((t) => `${t.currency} ${formatMoney(t.total)}`).join(', ');
  return `${report.rows.length} rows; total ${totals}`;
}
