import type { IsoDate } from './dates.js';
import type { Role } from './users/roles.js';

/** Who is acting and when: injected so that use-cases never read the clock or the environment. */
export interface Actor {
  readonly user: string;
  /** null: the user is not registered in this book (reads only). */
  readonly role: Role | null;
  /** The business date of this run (--today), for document dates and ages. */
  readonly today: IsoDate;
  /** The wall-clock instant of this run, ISO 8601, for created_at and the audit log. */
  readonly now: string;
}
