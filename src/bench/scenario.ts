import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { renderCsv } from '../cli/render/index.js';
import { customerListing } from '../commands/customer.js';
import { generateCustomers } from '../fixtures/generate.js';
import { insertRows } from '../storage/bulk/insert-rows.js';
import { Database } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { createStore } from '../storage/store.js';
import { parseTarget, type Engine } from '../storage/target.js';

export interface StepResult {
  readonly engine: Engine;
  readonly scale: number;
  readonly step: string;
  readonly medianMs: number;
  readonly rowsPerSecond: number | null;
  readonly peakRssMb: number;
}

const RUNS = 3;

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const CUSTOMER_COLUMNS = [
  'code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment',
  'birthday', 'address', 'language', 'on_hold', 'created_at', 'updated_at',
];

function* customerRows(count: number, now: string): Generator<unknown[]> {
  for (const c of generateCustomers(count)) {
    yield [c.code, c.name, c.email, c.phone, c.taxId, c.currency, c.terms, c.creditLimitMinor, c.segment, null, null, 'zh-CN', false, now, now];
  }
}

interface Scratch {
  readonly db: Database;
  drop(): Promise<void>;
}

async function scratch(engine: Engine, postgresUrl: string | undefined): Promise<Scratch> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-bench-'));
    const db = await Database.open(parseTarget(path.join(dir, 'bench.sqlite')), { create: true });
    return { db, drop: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `owed_bench_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  await admin.raw('drop database if exists ?? with (force)', [name]);
  await admin.raw('create database ??', [name]);
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  const db = await Database.open(parseTarget(url.toString()), { create: false });
  return {
    db,
    drop: async () => {
      await db.close();
      await admin.raw('drop database if exists ?? with (force)', [name]);
      await admin.destroy();
    },
  };
}

/** One engine at one scale: bulk insert, then the read paths a user runs on a book that size. */
export async function runScenario(engine: Engine, scale: number, postgresUrl: string | undefined): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const record = (step: string, ms: number[], rows: number | null): void => {
    const m = median(ms);
    results.push({ engine, scale, step, medianMs: m, rowsPerSecond: rows === null ? null : (rows / m) * 1000, peakRssMb: peakRssMb() });
  };
  const { db, drop } = await scratch(engine, postgresUrl);
  try {
    await migrateToLatest(db.knex);
    const now = '2026-11-27T00:00:00.000Z';
    const insertMs = await timed(() => insertRows(db, 'customers', CUSTOMER_COLUMNS, customerRows(scale, now)));
    record('bulk insert customers', [insertMs], scale);

    const listMs: number[] = [];
    const showMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      listMs.push(await timed(() => db.transaction(async (q) => {
        const customers = await createStore(q, { user: 'bench', command: 'bench', now }).customers.list({});
        return renderCsv(customerListing(customers)).length;
      })));
      showMs.push(await timed(() => db.transaction((q) => createStore(q, { user: 'bench', command: 'bench', now }).customers.find('G0000042'))));
    }
    record('customer list → csv', listMs, scale);
    record('customer show', showMs, null);
  } finally {
    await drop();
  }
  return results;
}
