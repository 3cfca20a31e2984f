/**
 * OWED_TIMING=1: one line on stderr with Node's start-up and the command's own time (the
 * benchmark reads it), and nothing else changes; without it, nothing is added.
 */
import { describe, expect, it } from 'vitest';
import { owed } from '../support/cli.js';

describe('OWED_TIMING', () => {
  it('adds one timing line to stderr and leaves stdout and the exit code alone', async () => {
    const timed = await owed(['--version'], { env: { OWED_TIMING: '1' } });
    expect(timed.code).toBe(0);
    expect(timed.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(timed.stderr).toMatch(/^owed: timing: start-up \d+ ms, command \d+ ms\n$/);
  });

  it('reports a failing command too, after its error', async () => {
    const failed = await owed(['--db', '/nonexistent/dir/book.sqlite', 'aging'], { env: { OWED_TIMING: '1' } });
    expect(failed.code).toBe(7);
    expect(failed.stderr).toMatch(/^owed: no database at \/nonexistent\/dir\/book.sqlite\n[\s\S]*owed: timing: start-up \d+ ms, command \d+ ms\n$/);
  });

  it('adds nothing without it', async () => {
    const plain = await owed(['--version']);
    expect(plain.stderr).toBe('');
  });
});
