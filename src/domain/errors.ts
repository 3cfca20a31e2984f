/**
 * Failures a user can fix. Each kind has a stable code and maps to one exit code of CLI.md; the
 * message says what went wrong, the hint says what to do next. Anything that is not an OwedError
 * is a bug and exits 1.
 */
export type ErrorCode =
  | 'usage'
  | 'invalid'
  | 'not_found'
  | 'refused'
  | 'permission'
  | 'database';

export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  invalid: 3,
  not_found: 4,
  refused: 5,
  permission: 6,
  database: 7,
};

export abstract class OwedError extends Error {
  abstract readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** Malformed command line: unknown option, missing or unparsable argument. */
export class UsageError extends OwedError {
  readonly code = 'usage';
}

/** One problem in the input data, located as precisely as the input allows. */
export interface Problem {
  /** 1-based line of a file, or undefined for a command-line value. */
  readonly row?: number;
  /** Column or option name. */
  readonly field: string;
  readonly value?: string;
  readonly reason: string;
}

export function describeProblem(p: Problem): string {
  const where = p.row !== undefined ? `line ${p.row}, ${p.field}` : p.field;
  const value = p.value !== undefined ? ` ${JSON.stringify(p.value)}` : '';
  return `${where}:${value} ${p.reason}`;
}

/** Input data that fails validation. Nothing was written. */
export class ValidationError extends OwedError {
  readonly code = 'invalid';
  readonly problems: readonly Problem[];
  /** How many problems there were in all; `problems` may hold only the first of them. */
  readonly total: number;

  constructor(problems: Problem | readonly Problem[], hint?: string, total?: number) {
    const list = Array.isArray(problems) ? (problems as readonly Problem[]) : [problems as Problem];
    const count = Math.max(total ?? list.length, list.length);
    const head = count === 1 ? describeProblem(list[0]!) : `${count} problems in the input`;
    super(head, hint);
    this.problems = list;
    this.total = count;
  }
}

export class NotFoundError extends OwedError {
  readonly code = 'not_found';

  constructor(
    readonly entity: string,
    readonly key: string,
    hint?: string,
  ) {
    super(`${entity} ${JSON.stringify(key)} not found`, hint);
  }
}

/** Refused by a business rule or a conflict: credit limit, stock, duplicate key, immutability. */
export class RefusedError extends OwedError {
  readonly code = 'refused';
}

export class PermissionError extends OwedError {
  readonly code = 'permission';
}

/** The database cannot be reached, is locked past the timeout, or needs migrating. */
export class DatabaseError extends OwedError {
  readonly code = 'database';
}

/** A broken internal promise: never the user's fault. Exits 1 and asks for a bug report. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`);
    this.name = 'InvariantError';
  }
}

/**
 * `message` as a function when it is made from values: it is then made only when the invariant
 * fails. money() and the dates run millions of times in a report or an import, and a message
 * formatted on every call (numbers to text, JSON.stringify) cost more than the check.
 */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message());
}

/** A service owed needs (mail server, webhook) is not there: exit 7, like an unreachable database. */
export class ServiceUnavailableError extends OwedError {
  readonly code = 'database';
}
