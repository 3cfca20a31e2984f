import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenario, type StepResult } from './scenario.js';

/**
 * `npm run bench -- [--scale 10k,100k,1m] [--engine sqlite,postgres] [--json]`
 *
 * Each engine × scale runs in a child process of its own, so the peak memory reported is that
 * scenario's alone.
 */
const SCALES: Record<string, number> = { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 };

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function postgresUrl(): string | undefined {
  return process.env.OWED_BENCH_PG_URL ?? process.env.OWED_TEST_PG_URL;
}

async function worker(engine: string, scale: number): Promise<void> {
  const results = await runScenario(engine === 'postgres' ? 'postgres' : 'sqlite', scale, postgresUrl());
  process.stdout.write(JSON.stringify(results));
}

function formatTable(rows: StepResult[]): string {
  const header = '| engine | scale | step | median ms | rows/s | peak RSS MB |\n|---|---:|---|---:|---:|---:|\n';
  return header + rows
    .map((r) => `| ${r.engine} | ${r.scale.toLocaleString('en')} | ${r.step} | ${r.medianMs.toFixed(1)} | ${r.rowsPerSecond === null ? '' : Math.round(r.rowsPerSecond).toLocaleString('en')} | ${r.peakRssMb.toFixed(0)} |`)
    .join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    await worker(args[1]!, Number(args[2]));
    return;
  }
  const scales = (argValue(args, '--scale') ?? '10k,100k').split(',').map((s) => {
    const n = SCALES[s.toLowerCase()];
    if (n === undefined) throw new Error(`unknown scale ${s}; use ${Object.keys(SCALES).join(', ')}`);
    return n;
  });
  const engines = (argValue(args, '--engine') ?? (postgresUrl() ? 'sqlite,postgres' : 'sqlite')).split(',');
  if (engines.includes('postgres') && !postgresUrl()) {
    throw new Error('--engine postgres needs OWED_BENCH_PG_URL (or OWED_TEST_PG_URL) pointing at a server where databases may be created');
  }
  const all: StepResult[] = [];
  for (const engine of engines) {
    for (const scale of scales) {
      process.stderr.write(`bench: ${engine} at ${scale.toLocaleString('en')} customers…\n`);
      const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--worker', engine, String(scale)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      });
      if (child.status !== 0) throw new Error(`bench worker for ${engine} ${scale} failed (exit ${child.status})`);
      all.push(...(JSON.parse(child.stdout) as StepResult[]));
    }
  }
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(all, null, 2)}\n` : formatTable(all));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
