import { describe, expect, it } from 'vitest';
import { owed } from '../support/cli.js';
import { commandTree, owedInProcess } from './helpers.js';

const EXAMPLE = /^Examples?:$/m;
const tree = commandTree();
const leaves = tree.filter((c) => !c.group).map((c) => c.words.join(' '));
const groups = tree.filter((c) => c.group).map((c) => c.words.join(' '));

/** The commands whose --help does not exit 0 with usage and an Example section on stdout only. */
async function withoutExamples(names: readonly string[]): Promise<string[]> {
  const bad: string[] = [];
  for (const name of names) {
    const r = await owedInProcess([...name.split(' '), '--help']);
    const ok = r.code === 0 && r.stderr === '' && r.stdout.startsWith(`Usage: owed ${name} `) && EXAMPLE.test(r.stdout);
    if (!ok) bad.push(name);
  }
  return bad;
}

describe('--help', () => {
  it('the binary prints help with examples on stdout and exits 0', async () => {
    for (const args of [['--help'], ['customer', 'add', '--help']]) {
      const r = await owed(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: owed /);
      expect(r.stdout, args.join(' ')).toMatch(EXAMPLE);
    }
  });

  it('the Foundation commands are all there', () => {
    for (const name of ['init', 'demo', 'db migrate', 'db status', 'settings list', 'settings get', 'settings set',
      'user add', 'user list', 'user set-role', 'customer add', 'customer list', 'customer show', 'customer edit',
      'product add', 'product list', 'product show', 'stock receive', 'stock adjust', 'stock list', 'audit']) {
      expect(leaves).toContain(name);
    }
  });

  it('every command prints an Example section and exits 0', async () => {
    expect(await withoutExamples(leaves)).toEqual([]);
  });

  it('every command group (owed customer --help, …) prints an Example section and exits 0', async () => {
    expect(await withoutExamples(groups)).toEqual([]);
  });
});
