import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBookCsv } from '../fixtures/book-csv.js';
import type { BookSummary } from '../fixtures/generate-book.js';
import type { Engine } from '../storage/target.js';
import { compareReceivables, hledgerReceivables, ledgerReceivables, owedReceivables } from './compare.js';
import { evaluateGoals, formatGoals, type Machine } from './goals.js';
import { installed, measureProcess, type ProcessRun } from './process.js';
import { Scratch } from './scratch.js';
import { BOOK_END, YEAR_BEFORE, agingTotals, owedRun, repeat, runLoad, type StepResult } from './scenario.js';

/**
 * `npm run bench -- [--scale 10k,100k,1m] [--engine sqlite,postgres] [--runs N] [--only book|import] [--tool-memory 12G] [--skip-tools] [--json] [--keep]`
 *
 * For each engine × scale, two books:
 * 1. A generated book bulk-loaded (a worker process), on which every read step and the journal
 *    export run as `owed` processes, RUNS times each (median), then hledger and ledger on the
 *    exported journal, compared with `owed aging` to the cent and in time. The tools run under an
 *    address-space limit (--tool-memory): hledger at 1M invoices wants more memory than the machine has.
 * 2. The same book as CSV files imported through `owed import` into an empty book (customers
 *    once; then, RUNS times on a fresh copy: invoices, receipts, `reconcile auto` over all of them).
 * Every step is a process of its own, measured by GNU time: wall, CPU, peak RSS.
 */
const SCALES: Record<string, number> = { '1k': 1_000, '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function postgresUrl(): string | undefined {
  return process.env.OWED_BENCH_PG_URL ?? process.env.OWED_TEST_PG_URL;
}

function engineOf(text: string): Engine {
  if (text !== 'sqlite' && text !== 'postgres') throw new Error(`unknown engine ${text}; use sqlite, postgres`);
  return text;
}

function progress(engine: Engine, scale: number, what: string): void {
  process.stderr.write(`bench: ${engine}, ${scale.toLocaleString('en')} invoices: ${what}…\n`);
}

/** The bulk load runs in a worker process, so its peak RSS is its own. */
function loadInWorker(engine: Engine, scale: number, location: string): { result: StepResult; summary: BookSummary } {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', engine, String(scale), location], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench load worker failed (exit ${child.status})`);
  return JSON.parse(child.stdout) as { result: StepResult; summary: BookSummary };
}

async function benchBook(engine: Engine, scale: number, options: Options, record: Recorder): Promise<void> {
  const { runs, keep } = options;
  const id = (step: string) => ({ engine, scale, step });
  progress(engine, scale, 'bulk load');
  const book = await Scratch.create(engine, `book_${scale}`, postgresUrl());
  try {
    const loaded = loadInWorker(engine, scale, book.location);
    record(loaded.result);
    const s = loaded.summary;
    owedRun(book.location, ['init']);
    const read = async (step: string, args: string[], describe: (stdout: string) => string) => {
      progress(engine, scale, step);
      const result = await repeat(id(step), runs, async () => {
        const run = owedRun(book.location, args);
        return { run, value: run.stdout };
      }, (stdout) => ({ detail: describe(stdout) }));
      record(result);
      return result;
    };
    const lines = (stdout: string) => `${Math.max(0, stdout.trim().split('\n').length - 1).toLocaleString('en')} lines`;

    const agingToday = await read(`aging ${BOOK_END}`, ['aging', '--as-of', BOOK_END, '--format', 'csv'], agingTotals);
    await read(`aging ${YEAR_BEFORE}`, ['aging', '--as-of', YEAR_BEFORE, '--format', 'csv'], agingTotals);
    await read('aging by invoice, largest customer', ['aging', '--by', 'invoice', '--customer', s.largestCustomer.code, '--format', 'csv'],
      (o) => `${s.largestCustomer.code}: ${lines(o)}`);
    await read('statement, largest customer', ['customer', 'statement', s.largestCustomer.code, '--format', 'csv'],
      (o) => `${s.largestCustomer.code} (${s.largestCustomer.invoices.toLocaleString('en')} invoices): ${lines(o)}`);
    await read('statement, median customer', ['customer', 'statement', s.typicalCustomer.code, '--format', 'csv'],
      (o) => `${s.typicalCustomer.code} (${s.typicalCustomer.invoices.toLocaleString('en')} invoices): ${lines(o)}`);
    // What a clerk asks of one document and one customer, and the whole book as a list: one
    // invoice's settlement reads only its own allocations; the list is streamed.
    const firstInvoice = `INV-${s.start.slice(0, 4)}-000001`;
    await read('invoice show, one invoice', ['invoice', 'show', firstInvoice, '--json'], () => firstInvoice);
    await read('reconcile list, one invoice', ['reconcile', 'list', '--invoice', firstInvoice, '--format', 'csv'], (o) => `${firstInvoice}: ${lines(o)}`);
    await read('invoice list, largest customer', ['invoice', 'list', '--customer', s.largestCustomer.code, '--format', 'csv'],
      (o) => `${s.largestCustomer.code}: ${lines(o)}`);
    await read('invoice list, whole book', ['invoice', 'list', '--format', 'csv'], (o) => lines(o));
    await read('forecast (13 weeks)', ['forecast', '--format', 'csv'], (o) => lines(o));
    await read('remind run --dry-run', ['remind', 'run', '--dry-run', '--format', 'csv'], (o) => `${lines(o)} of reminders`);

    await read('db check', ['db', 'check', '--format', 'csv'], (o) => {
      const rows = o.trim().split('\n').slice(1);
      return `${rows.filter((r) => r.includes(',ok,')).length} of ${rows.length} checks ok`;
    });

    // alert run writes the alerts' state: every run starts from a copy of the book.
    progress(engine, scale, 'alert run');
    record(await repeat(id('alert run'), runs, async (r) => {
      const copy = await book.copy(`alerts_${scale}_${r}`);
      try {
        const run = owedRun(copy.location, ['alert', 'run', '--format', 'csv']);
        return { run, value: run.stdout };
      } finally {
        await copy.drop();
      }
    }, (o) => ({ detail: `${lines(o)} of alerts; each run on a fresh copy of the book` })));

    const journal = path.join(book.workDir, `book-${engine}-${scale}.journal`);
    await read('export journal (hledger)', ['export', 'journal', '--format', 'hledger', '-o', journal],
      () => `${(fs.statSync(journal).size / 1024 / 1024).toFixed(0)} MB`);

    // The nearest computation hledger and ledger have to the aging: the receivables balance per
    // customer as of the same day (their -e is exclusive), checked against owed's to the cent.
    const owed = owedReceivables(owedRun(book.location, ['aging', '--as-of', BOOK_END, '--json']).stdout);
    const end = nextDay(BOOK_END);
    const tools: [string, string[], (stdout: string) => Map<string, string>][] = [
      ['hledger', ['-f', journal, 'bal', '^Assets:Receivable', '-e', end, '--flat', '-N', '-O', 'csv'], hledgerReceivables],
      ['ledger', ['-f', journal, 'bal', '^Assets:Receivable', '-e', end, '--flat', '--no-total'], ledgerReceivables],
    ];
    for (const [tool, args, balances] of options.skipTools ? [] : tools) {
      if (!installed(tool)) {
        process.stderr.write(`bench: ${tool} is not installed; its comparison is left out (apt-get install -y ${tool})\n`);
        continue;
      }
      progress(engine, scale, `${tool} bal Assets:Receivable`);
      const step = id(`${tool} bal Assets:Receivable -e ${end}`);
      const measure = () => measureProcess(tool, args, process.env, { memoryLimitBytes: options.toolMemoryBytes, allowFailure: true });
      const first = measure();
      if (first.failure !== undefined) {
        // hledger holds every transaction in memory (~9 KB each): at 1M invoices it wants more
        // than the machine has. One failed run is the finding; repeating it proves nothing.
        record({ ...(await repeat(step, 1, async () => ({ run: first, value: '' }), () => ({
          detail: `did not finish under a ${formatBytes(options.toolMemoryBytes)} address-space limit after ${(first.ms / 1000).toFixed(0)} s (${first.failure})`,
        }))), failed: true });
        continue;
      }
      record(await repeat(step, runs, async (r) => {
        const run = r === 0 ? first : measure();
        if (run.failure !== undefined) throw new Error(`${tool} failed on a later run: ${run.failure}`);
        return { run, value: run.stdout };
      }, (stdout, median) => {
        const verdict = compareReceivables(owed, balances(stdout));
        return { detail: `${verdict}; ${(median.ms / agingToday.medianMs).toFixed(1)}× the time of owed aging ${BOOK_END}` };
      }));
    }
    if (!keep) fs.rmSync(journal, { force: true });
  } finally {
    if (keep) process.stderr.write(`bench: kept ${book.location}\n`);
    else await book.drop();
  }
}

async function benchImport(engine: Engine, scale: number, options: Options, record: Recorder): Promise<void> {
  const { runs, keep } = options;
  const id = (step: string) => ({ engine, scale, step });
  const base = await Scratch.create(engine, `import_${scale}`, postgresUrl());
  const csvDir = path.join(base.workDir, `csv-${scale}`);
  try {
    progress(engine, scale, 'writing the book as CSV');
    const csv = await writeBookCsv({ invoices: scale, dir: csvDir });
    owedRun(base.location, ['init']);
    progress(engine, scale, 'import customers');
    record(await repeat(id('import customers'), 1, async () => ({ run: owedRun(base.location, ['import', 'customers', csv.customers.path]), value: null }),
      () => ({ detail: `${csv.customers.rows.toLocaleString('en')} rows; 1 run`, rows: csv.customers.rows })));

    // Each run starts from the book with its customers only, and goes on as a new user would:
    // the invoices, the bank's receipts, then reconcile auto over all of them.
    const steps = [
      { step: 'import invoices', args: ['import', 'invoices', csv.invoices.path], rows: csv.invoices.rows,
        detail: `${csv.invoices.rows.toLocaleString('en')} rows (${csv.invoices.creditNotes.toLocaleString('en')} credit notes)` },
      { step: 'import receipts', args: ['import', 'receipts', csv.receipts.path], rows: csv.receipts.rows,
        detail: `${csv.receipts.rows.toLocaleString('en')} rows (${csv.receipts.unidentified.toLocaleString('en')} unidentified)` },
      { step: 'reconcile auto (all receipts)', args: ['reconcile', 'auto', '--format', 'csv'], rows: undefined, detail: '' },
    ];
    const measured = new Map<string, { run: ProcessRun; value: string }[]>(steps.map((s) => [s.step, []]));
    for (let r = 0; r < runs; r++) {
      const copy = await base.copy(`import_${scale}_${r}`);
      try {
        for (const s of steps) {
          progress(engine, scale, `${s.step} (run ${r + 1} of ${runs})`);
          const run = owedRun(copy.location, s.args, { keepStdout: s.rows === undefined });
          measured.get(s.step)!.push({ run, value: run.stdout });
        }
      } finally {
        if (keep && r === runs - 1) process.stderr.write(`bench: kept ${copy.location}\n`);
        else await copy.drop();
      }
    }
    for (const s of steps) {
      const results = measured.get(s.step)!;
      record(await repeat(id(s.step), results.length, async (r) => results[r]!, (stdout) => ({
        detail: s.rows === undefined ? `${Math.max(0, stdout.trim().split('\n').length - 1).toLocaleString('en')} allocations` : s.detail,
        ...(s.rows !== undefined ? { rows: s.rows } : {}),
      })));
    }
  } finally {
    fs.rmSync(csvDir, { recursive: true, force: true });
    if (keep) process.stderr.write(`bench: kept ${base.location}\n`);
    else await base.drop();
  }
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const TABLE_HEADER = '| engine | invoices | step | median ms | of it, owed\'s work ms | CPU ms | rows/s | peak RSS MB | load | detail |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n';

function tableRow(r: StepResult): string {
  const n = (x: number | null) => (x === null ? '' : Math.round(x).toLocaleString('en'));
  return `| ${r.engine} | ${r.scale.toLocaleString('en')} | ${r.step} | ${r.failed ? 'did not finish' : n(r.medianMs)} | ${n(r.commandMs)} | ${n(r.cpuMs)} | `
    + `${n(r.rowsPerSecond)} | ${n(r.peakRssMb)} | ${r.load1.toFixed(1)} | ${r.detail} |`;
}

function formatTable(rows: readonly StepResult[], machine: Machine): string {
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb.toFixed(0)} GB, Node ${machine.node}, ${machine.sqlite}; `
    + `load average ${load(machine.loadAtStart)} at start, ${load(machine.loadAtEnd)} at end\n\n`
    + TABLE_HEADER + rows.map(tableRow).join('\n') + '\n';
}

interface Options {
  readonly runs: number;
  readonly keep: boolean;
  /** The address-space limit for hledger and ledger. */
  readonly toolMemoryBytes: number;
  /** --skip-tools: no hledger or ledger (their time does not depend on owed's code). */
  readonly skipTools: boolean;
}

type Recorder = (result: StepResult) => void;

function parseBytes(text: string): number {
  const m = /^(\d+)([KMG])?$/i.exec(text.trim());
  if (!m) throw new Error(`--tool-memory ${text}: use a size such as 12G or 800M`);
  return Number(m[1]) * 1024 ** ({ K: 1, M: 2, G: 3 }[(m[2] ?? '').toUpperCase() as 'K' | 'M' | 'G'] ?? 0);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(0)} GB` : `${(bytes / 1024 ** 2).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    const [engine, scale, location] = args.slice(1);
    process.stdout.write(JSON.stringify(await runLoad(engineOf(engine!), Number(scale), location!)));
    return;
  }
  const scales = (argValue(args, '--scale') ?? '10k,100k').split(',').map((s) => {
    const n = SCALES[s.toLowerCase()];
    if (n === undefined) throw new Error(`unknown scale ${s}; use ${Object.keys(SCALES).join(', ')}`);
    return n;
  });
  const engines = (argValue(args, '--engine') ?? (postgresUrl() ? 'sqlite,postgres' : 'sqlite')).split(',').map(engineOf);
  if (engines.includes('postgres') && !postgresUrl()) {
    throw new Error('--engine postgres needs OWED_BENCH_PG_URL (or OWED_TEST_PG_URL) pointing at a server where databases may be created');
  }
  const runs = Number(argValue(args, '--runs') ?? '3');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
  const options: Options = {
    runs,
    keep: args.includes('--keep'),
    toolMemoryBytes: parseBytes(argValue(args, '--tool-memory') ?? '12G'),
    skipTools: args.includes('--skip-tools'),
  };
  const only = argValue(args, '--only');
  const loadAtStart = os.loadavg();
  const all: StepResult[] = [];
  // Each result is printed as its table row the moment it is measured: a long run that stops
  // half-way still says what it measured.
  process.stderr.write(TABLE_HEADER);
  const record: Recorder = (result) => {
    all.push(result);
    process.stderr.write(`${tableRow(result)}\n`);
  };
  for (const scale of scales) {
    for (const engine of engines) {
      if (only !== 'import') await benchBook(engine, scale, options, record);
      if (only !== 'book') await benchImport(engine, scale, options, record);
    }
  }
  const sqliteVersion = spawnSync(process.execPath, ['-e', "const D=require('better-sqlite3');process.stdout.write(new D(':memory:').prepare('select sqlite_version() v').get().v)"], { encoding: 'utf8' }).stdout;
  const machine: Machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.versions.node,
    sqlite: `SQLite ${sqliteVersion || 'unknown'}`,
    loadAtStart,
    loadAtEnd: os.loadavg(),
  };
  const goals = evaluateGoals(all);
  process.stdout.write(args.includes('--json')
    ? `${JSON.stringify({ machine, results: all, goals }, null, 2)}\n`
    : `${formatTable(all, machine)}\n${formatGoals(goals)}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

