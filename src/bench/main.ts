import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../storage/target.js';
import {
  createScratch,
  dropScratch,
  READ_STEPS,
  runLoad,
  runReadStep,
  type LoadedBook,
  type ReadStep,
  type StepResult,
} from './scenario.js';

/**
 * `npm run bench -- [--scale 10k,100k,1m] [--engine sqlite,postgres] [--json] [--keep]`
 *
 * For each engine × scale: a synthetic book of `scale` invoices is generated and bulk-loaded,
 * then each read step runs RUNS times. The load and every read step run in a child process of
 * their own, so the peak memory reported is that step's alone. `--keep` leaves the databases
 * in place (their locations go to stderr) to look at query plans.
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

async function worker(args: string[]): Promise<void> {
  const [kind, engineText, scaleText, location, step, bookJson] = args;
  const engine = engineOf(engineText!);
  const scale = Number(scaleText);
  if (kind === 'load') {
    process.stdout.write(JSON.stringify(await runLoad(engine, scale, location!)));
  } else {
    const book = JSON.parse(bookJson!) as LoadedBook;
    process.stdout.write(JSON.stringify(await runReadStep(engine, scale, location!, step as ReadStep, book)));
  }
}

function child<T>(args: string[]): T {
  const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench worker ${args.slice(0, 3).join(' ')} ${args[4] ?? ''} failed (exit ${result.status})`);
  return JSON.parse(result.stdout) as T;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly loadAtStart: readonly number[];
  readonly loadAtEnd: readonly number[];
}

function formatTable(rows: readonly StepResult[], machine: Machine): string {
  const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const header = `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb.toFixed(0)} GB, Node ${machine.node}; `
    + `load average ${load(machine.loadAtStart)} at start, ${load(machine.loadAtEnd)} at end\n\n`
    + '| engine | invoices | step | median ms | CPU ms | rows/s | peak RSS MB | load | detail |\n|---|---:|---|---:|---:|---:|---:|---:|---|\n';
  return header + rows
    .map((r) => `| ${r.engine} | ${r.scale.toLocaleString('en')} | ${r.step} | ${r.medianMs.toFixed(1)} | ${r.cpuMs.toFixed(0)} | `
      + `${r.rowsPerSecond === null ? '' : Math.round(r.rowsPerSecond).toLocaleString('en')} | ${r.peakRssMb.toFixed(0)} | ${r.load1.toFixed(1)} | ${r.detail} |`)
    .join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    await worker(args.slice(1));
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
  const keep = args.includes('--keep');
  const loadAtStart = os.loadavg();
  const all: StepResult[] = [];
  for (const engine of engines) {
    for (const scale of scales) {
      process.stderr.write(`bench: ${engine}, ${scale.toLocaleString('en')} invoices: load…\n`);
      const location = await createScratch(engine, scale, postgresUrl());
      try {
        const loaded = child<{ results: StepResult[]; book: LoadedBook }>(['load', engine, String(scale), location]);
        all.push(...loaded.results);
        for (const step of READ_STEPS) {
          process.stderr.write(`bench: ${engine}, ${scale.toLocaleString('en')} invoices: ${step}…\n`);
          all.push(child<StepResult>(['read', engine, String(scale), location, step, JSON.stringify(loaded.book)]));
        }
      } finally {
        if (keep) process.stderr.write(`bench: kept ${location}\n`);
        else await dropScratch(engine, location, postgresUrl());
      }
    }
  }
  const machine: Machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.versions.node,
    loadAtStart,
    loadAtEnd: os.loadavg(),
  };
  process.stdout.write(args.includes('--json') ? `${JSON.stringify({ machine, results: all }, null, 2)}\n` : formatTable(all, machine));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
