import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/action.js';
import { buildProgram, COMMAND_GROUPS, commandWord } from '../../src/cli/main.js';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const io: Io = { streams: { stdout: silent, stderr: silent, stdinIsTTY: false }, env: {}, cwd: '.' };

interface Node {
  name(): string;
  readonly commands: readonly Node[];
  readonly options: readonly { flags: string; parseArg?: (value: string, previous: unknown) => unknown }[];
}

/** Every command of a program as its words, depth first. */
function tree(command: Node, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => [[...prefix, sub.name()].join(' '), ...tree(sub, [...prefix, sub.name()])]);
}

describe('commandWord', () => {
  it('is the first argument that is neither an option nor the value of one', () => {
    expect(commandWord(['customer', 'show', 'C1'])).toBe('customer');
    expect(commandWord(['--db', 'book.sqlite', '--today', '2026-11-27', 'aging', '--json'])).toBe('aging');
    expect(commandWord(['--user', 'invoice', '-o', 'receipt', '--format', 'csv', 'reconcile', 'auto'])).toBe('reconcile');
    expect(commandWord(['--db=book.sqlite', '-q', '--no-color', '--debug', 'order', 'list'])).toBe('order');
    expect(commandWord(['-oout.csv', 'export', 'invoices'])).toBe('export');
  });

  it('is nothing for no command, after --, or when an option lacks its value', () => {
    expect(commandWord([])).toBeUndefined();
    expect(commandWord(['--help'])).toBeUndefined();
    expect(commandWord(['-V'])).toBeUndefined();
    expect(commandWord(['--', 'customer'])).toBeUndefined();
    expect(commandWord(['--db'])).toBeUndefined();
  });
});

describe('buildProgram', () => {
  const whole = buildProgram(io) as unknown as Node;

  it('lists the groups in the order of COMMAND_GROUPS, each name once', () => {
    expect(whole.commands.map((c) => c.name())).toEqual(COMMAND_GROUPS.flatMap((g) => g.names));
  });

  it.each(COMMAND_GROUPS.map((g) => [g.names.join(', '), g] as const))('for a command of %s builds exactly that group', (_label, group) => {
    for (const name of group.names) {
      const one = buildProgram(io, ['node', 'owed', '--db', 'x.sqlite', name, 'sub']) as unknown as Node;
      expect(one.commands.map((c) => c.name())).toEqual(group.names);
      // The same subcommands, options and all, as in the whole program.
      expect(tree(one)).toEqual(tree(whole).filter((words) => group.names.includes(words.split(' ')[0]!)));
    }
  });

  it('a group leaves the program\'s own options as the whole program has them: --format takes the journal formats in every run', async () => {
    const own = (program: Node) => program.options.map((o) => `${o.flags} ${String(o.parseArg)}`);
    for (const group of COMMAND_GROUPS) {
      const one = buildProgram(io, ['node', 'owed', group.names[0]!]) as unknown as Node;
      expect(own(one)).toEqual(own(whole));
      const format = one.options.find((o) => o.flags.startsWith('--format'))!;
      expect(format.parseArg!('hledger', undefined)).toBe('hledger');
      expect(() => format.parseArg!('yaml', undefined)).toThrow(/Allowed choices are table, csv, json/);
    }
  });

  it('builds the whole program for help, no command, or a word that names no command', () => {
    for (const argv of [['help', 'customer'], [], ['--help'], ['custmer', 'list']]) {
      const program = buildProgram(io, ['node', 'owed', ...argv]) as unknown as Node;
      expect(tree(program)).toEqual(tree(whole));
    }
  });
});
