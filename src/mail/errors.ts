import { OwedError } from '../domain/errors.js';

/**
 * The SMTP server could not take a message. Exit 7 (like an unreachable database): nothing about
 * the book is wrong, the service it needs is not there.
 *
 * `fatal`: the server cannot be reached or refused the login, so every further message would fail
 * the same way and a run should stop; false when only this message was lost (the connection
 * dropped while it was being sent, a temporary 4xx reply) and the next one may go through.
 */
export class MailServerError extends OwedError {
  readonly code = 'database';

  constructor(
    message: string,
    hint: string | undefined,
    readonly fatal: boolean,
  ) {
    super(message, hint);
  }
}

/** The server refused this message for good (a 5xx reply: unknown recipient, policy). Exit 5. */
export class MailRejectedError extends OwedError {
  readonly code = 'refused';
  readonly fatal = false;
}

/** True when a send failed in a way that makes every further send fail too: stop the run. */
export function isFatalMailError(error: unknown): boolean {
  return error instanceof MailServerError && error.fatal;
}
