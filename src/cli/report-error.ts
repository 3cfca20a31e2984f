import { CommanderError } from 'commander';
import { describeProblem, OwedError, ValidationError } from '../domain/errors.js';
import { ExitWith } from './exit-with.js';

const SHOWN_PROBLEMS = 50;

/** Writes what went wrong to stderr and returns the exit code of CLI.md. */
export function reportError(error: unknown, write: (text: string) => void, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message; help and version are not failures.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ExitWith) {
    write(`${error.reason}\n`);
    return error.status;
  }
  if (error instanceof OwedError) {
    write(`owed: ${error.message}\n`);
    if (error instanceof ValidationError && error.total > 1) {
      for (const problem of error.problems.slice(0, SHOWN_PROBLEMS)) write(`  ${describeProblem(problem)}\n`);
      const rest = error.total - Math.min(error.problems.length, SHOWN_PROBLEMS);
      if (rest > 0) write(`  … and ${rest} more problem${rest === 1 ? '' : 's'}\n`);
    }
    if (error instanceof ValidationError) write('nothing was written\n');
    if (error.hint) write(`hint: ${error.hint}\n`);
    if (debug && error.stack) write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`owed: internal error — this is a bug in owed, please report it: ${message}\n`);
  if (debug && error instanceof Error && error.stack) write(`${error.stack}\n`);
  else write('run again with --debug for the stack trace\n');
  return 1;
}
