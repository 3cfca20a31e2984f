import { Command, Option } from 'commander';
import { registerAudit } from '../commands/audit.js';
import { registerCustomer } from '../commands/customer.js';
import { registerDemo } from '../commands/demo.js';
import { registerDispute } from '../commands/dispute.js';
import { acceptJournalFormats, registerExport } from '../commands/export.js';
import { registerAging } from '../commands/aging.js';
import { registerImport } from '../commands/import.js';
import { registerAlert } from '../commands/alert.js';
import { registerForecast } from '../commands/forecast.js';
import { registerInit } from '../commands/init.js';
import { registerReceipt } from '../commands/receipt.js';
import { registerReconcile } from '../commands/reconcile.js';
import { registerInvoice } from '../commands/invoice.js';
import { registerRemind } from '../commands/remind.js';
import { registerOrder } from '../commands/order.js';
import { registerProduct } from '../commands/product.js';
import { registerSettings } from '../commands/settings.js';
import { registerStock } from '../commands/stock.js';
import { registerUser } from '../commands/user.js';
import type { Io } from './action.js';
import { reportError } from './report-error.js';
import { VERSION } from './version.js';

type Registrar = (program: Command, io: Io) => void;

/**
 * The top-level commands, each with the registrar that adds it and its subcommands, in the order
 * help lists them. A run builds only the group its command word names (a command's start need
 * not build the other hundred): the whole program for help, for no command word, or for a word
 * that names nothing (commander then suggests the nearest).
 */
export const COMMAND_GROUPS: readonly { readonly names: readonly string[]; readonly register: Registrar }[] = [
  { names: ['init', 'db'], register: registerInit },
  { names: ['demo'], register: registerDemo },
  { names: ['settings'], register: registerSettings },
  { names: ['user'], register: registerUser },
  { names: ['customer'], register: registerCustomer },
  { names: ['product'], register: registerProduct },
  { names: ['stock'], register: registerStock },
  { names: ['order'], register: registerOrder },
  {
    names: ['invoice'],
    register: (program, io) => {
      registerInvoice(program, io);
      registerDispute(program, io);
    },
  },
  { names: ['remind'], register: registerRemind },
  { names: ['receive', 'receipt'], register: registerReceipt },
  { names: ['reconcile'], register: registerReconcile },
  { names: ['aging'], register: registerAging },
  { names: ['forecast'], register: registerForecast },
  { names: ['alert'], register: registerAlert },
  { names: ['import'], register: (program, io) => registerImport(program, io, io.stdin ?? process.stdin) },
  { names: ['audit'], register: registerAudit },
  { names: ['export'], register: registerExport },
];

/** The program's options that take a value as the next argument. */
const VALUE_OPTIONS = new Set(['--db', '--today', '--user', '--format', '-o', '--output']);

/** The first argument that is neither an option nor an option's value: the command's name. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (VALUE_OPTIONS.has(arg)) i++;
  }
  return undefined;
}

/** The program; given the process's argv, only the command group that argv names. */
export function buildProgram(io: Io, argv?: readonly string[]): Command {
  const stderr = io.streams.stderr;
  const program = new Command('owed')
    .description('owed — sales and receivables ledger (销售及应收款管理)')
    .version(VERSION, '-V, --version')
    .option('--db <path|url>', 'SQLite file or postgres://… URL (env OWED_DB)')
    .option('--today <YYYY-MM-DD>', 'business date of this run (env OWED_TODAY)')
    .option('--user <name>', 'acting user, for permissions and the audit log (env OWED_USER)')
    .addOption(new Option('--format <format>', 'output format (env OWED_FORMAT)').choices(['table', 'csv', 'json']))
    .option('--json', 'short for --format json')
    .option('-o, --output <file>', 'write the result to FILE (format from its extension)')
    .option('--no-input', 'never prompt; fail naming what is missing')
    .option('-y, --yes', 'confirm destructive actions without a prompt')
    .option('-q, --quiet', 'less on stderr')
    .option('--debug', 'stack traces and SQL timings on stderr')
    .option('--no-color', 'plain output (also NO_COLOR)')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => io.streams.stdout.write(text),
      writeErr: (text) => stderr.write(text),
      outputError: (text, write) => write(`owed: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', `
Examples:
  $ owed init
  $ owed customer add C001 --name "上海华美贸易有限公司" --credit-limit 50000
  $ owed customer list --json
  $ owed demo

Exit codes: 0 ok, 1 bug, 2 usage, 3 invalid data, 4 not found, 5 refused, 6 permission, 7 database.`);
  acceptJournalFormats(program);

  const word = argv === undefined ? undefined : commandWord(argv.slice(2));
  const named = COMMAND_GROUPS.find((group) => word !== undefined && group.names.includes(word));
  for (const group of named ? [named] : COMMAND_GROUPS) group.register(program, io);
  return program;
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram(io, argv);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    return reportError(error, (text) => io.streams.stderr.write(text), debug);
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const started = performance.now();
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `owed customer list | head` closes the pipe early: not a failure.
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await run(argv, {
    streams: { stdout: process.stdout, stderr: process.stderr, stdinIsTTY: Boolean(process.stdin.isTTY) },
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  });
  // OWED_TIMING=1: what a command cost apart from starting Node and loading owed (the benchmark
  // reads this line; a slow cron job can be told apart from a slow machine with it).
  if (process.env.OWED_TIMING === '1') {
    const now = performance.now();
    process.stderr.write(`owed: timing: start-up ${Math.round(started)} ms, command ${Math.round(now - started)} ms\n`);
  }
}
