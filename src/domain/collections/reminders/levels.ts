import { daysBetween, type IsoDate } from '../../dates.js';
import { parseReminderLevels } from '../../settings/registry.js';

/** A reminder level: sent when an invoice is `days` past its due date (negative: before it). */
export interface ReminderLevel {
  readonly name: string;
  readonly days: number;
  /** Position in ascending order of days, from 0. */
  readonly rank: number;
}

/** The levels of the setting remind.levels (`-3:courtesy,1:first,…`), in ascending order of days. */
export function reminderLevels(setting: string): ReminderLevel[] {
  return parseReminderLevels(setting).map((l, rank) => ({ name: l.name, days: l.days, rank }));
}

/** The highest level an invoice due on dueDate has reached as of asOf, or null. `days`: asOf − dueDate, when known. */
export function reachedLevel(levels: readonly ReminderLevel[], dueDate: IsoDate, asOf: IsoDate, days = daysBetween(dueDate, asOf)): ReminderLevel | null {
  let reached: ReminderLevel | null = null;
  for (const level of levels) if (level.days <= days) reached = level;
  return reached;
}

/** The highest rank among level names already sent (names no longer configured are ignored), or -1. */
export function highestSentRank(levels: readonly ReminderLevel[], sent: Iterable<string> | undefined): number {
  let rank = -1;
  for (const name of sent ?? []) {
    const level = levels.find((l) => l.name === name);
    if (level && level.rank > rank) rank = level.rank;
  }
  return rank;
}

/**
 * The level to send for an invoice now, or null. Only the highest level reached is sent — after
 * missed days, not a burst of every level passed — and never one lower than or equal to a level
 * already sent for the invoice: each (invoice, level) goes out at most once, ever.
 */
export function levelToSend(
  levels: readonly ReminderLevel[],
  dueDate: IsoDate,
  asOf: IsoDate,
  sent: Iterable<string> | undefined,
  days?: number,
): ReminderLevel | null {
  const reached = reachedLevel(levels, dueDate, asOf, days);
  if (reached === null) return null;
  return reached.rank > highestSentRank(levels, sent) ? reached : null;
}
