import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One run of one program: what the user would wait for, and what it cost. */
export interface ProcessRun {
  readonly ms: number;
  /** User + system CPU time of the process; null without GNU time. */
  readonly cpuMs: number | null;
  /** Peak resident memory; null without GNU time. */
  readonly peakRssMb: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the program did not finish (only when measured with `allowFailure`). */
  readonly failure?: string;
}

export interface MeasureOptions {
  /** False: stdout goes nowhere (a step whose output is a file or a count). */
  readonly keepStdout?: boolean;
  /** An address-space limit (prlimit --as), so a tool that would take the machine's memory stops instead. */
  readonly memoryLimitBytes?: number;
  /** A non-zero exit or a kill is reported in `failure` instead of thrown. */
  readonly allowFailure?: boolean;
}

const GNU_TIME = '/usr/bin/time';
const haveGnuTime = fs.existsSync(GNU_TIME);

/**
 * Runs a program to completion, as a user or cron would, and measures it through GNU time
 * (wall, CPU, peak RSS of that process alone). stdout is kept (for the step's detail) unless it
 * goes to a file. A non-zero exit is a failed benchmark, with the program's stderr.
 */
export function measureProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv, options: MeasureOptions = {}): ProcessRun {
  const report = path.join(os.tmpdir(), `owed-bench-time-${process.pid}.txt`);
  // prlimit execs the program, so GNU time still measures the program itself.
  const argv = options.memoryLimitBytes === undefined ? [command, ...args] : ['prlimit', `--as=${options.memoryLimitBytes}`, '--', command, ...args];
  const t0 = process.hrtime.bigint();
  const result = haveGnuTime
    ? spawnSync(GNU_TIME, ['-f', '%e %U %S %M', '-o', report, ...argv], { env, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (result.error) throw result.error;
  let failure: string | undefined;
  if (result.status !== 0) {
    const stderr = (result.stderr ?? '').trim();
    if (!options.allowFailure) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${stderr.slice(-2000)}`);
    failure = `exit ${result.status ?? result.signal}: ${stderr.split('\n').pop()?.slice(0, 200) ?? ''}`;
  }
  let cpuMs: number | null = null;
  let peakRssMb: number | null = null;
  if (haveGnuTime) {
    const last = fs.readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
    fs.rmSync(report, { force: true });
    const [, user, system, rssKb] = last.split(' ').map(Number);
    if (user !== undefined && system !== undefined && rssKb !== undefined && [user, system, rssKb].every(Number.isFinite)) {
      cpuMs = (user + system) * 1000;
      peakRssMb = rssKb / 1024;
    }
  }
  return { ms, cpuMs, peakRssMb, stdout: options.keepStdout === false ? '' : result.stdout, stderr: result.stderr ?? '', ...(failure === undefined ? {} : { failure }) };
}

/** Whether a program is on the PATH (hledger and ledger are optional for the benchmark). */
export function installed(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}
