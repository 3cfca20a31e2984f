import { describe, expect, it } from 'vitest';
import { highestSentRank, levelToSend, reachedLevel, reminderLevels } from '../../src/domain/collections/reminders/levels.js';
import { addDays } from '../../src/domain/dates.js';
import { ValidationError } from '../../src/domain/errors.js';

const LEVELS = reminderLevels('-3:courtesy,1:first,15:second,30:final,60:collections');
const DUE = '2026-11-10';
/** The level to send `days` after the due date (negative: before it), given the levels already sent. */
const at = (days: number, sent: string[] = []) => levelToSend(LEVELS, DUE, addDays(DUE, days), new Set(sent))?.name ?? null;

describe('reminder levels', () => {
  it('parses the setting into ranked levels in ascending order of days', () => {
    expect(LEVELS).toEqual([
      { name: 'courtesy', days: -3, rank: 0 },
      { name: 'first', days: 1, rank: 1 },
      { name: 'second', days: 15, rank: 2 },
      { name: 'final', days: 30, rank: 3 },
      { name: 'collections', days: 60, rank: 4 },
    ]);
    expect(() => reminderLevels('1:first,1:second')).toThrow(ValidationError);
    expect(() => reminderLevels('')).toThrow(ValidationError);
  });

  it('reaches the courtesy level three days before the due date, not earlier', () => {
    expect(at(-4)).toBeNull();
    expect(at(-3)).toBe('courtesy');
    expect(at(-1)).toBe('courtesy');
    expect(at(0)).toBe('courtesy');
  });

  it('reaches each level on its day', () => {
    expect(at(1)).toBe('first');
    expect(at(14, ['first'])).toBeNull();
    expect(at(15, ['first'])).toBe('second');
    expect(at(30, ['first', 'second'])).toBe('final');
    expect(at(60, ['first', 'second', 'final'])).toBe('collections');
    expect(reachedLevel(LEVELS, DUE, addDays(DUE, 400))?.name).toBe('collections');
  });

  it('never sends a level twice: a second run the same day, or any later day before the next level', () => {
    expect(at(-3, ['courtesy'])).toBeNull();
    expect(at(0, ['courtesy'])).toBeNull();
    expect(at(1, ['courtesy'])).toBe('first');
    expect(at(1, ['courtesy', 'first'])).toBeNull();
    expect(at(29, ['first', 'second'])).toBeNull();
    expect(at(365, ['collections'])).toBeNull();
  });

  it('after missed days sends only the highest level reached, not a burst of every level passed', () => {
    expect(at(20)).toBe('second');
    expect(at(45, ['courtesy'])).toBe('final');
    expect(at(61, ['first'])).toBe('collections');
  });

  it('never sends a level lower than or equal to the highest already sent', () => {
    // e.g. the levels were shortened, or a reminder went out by hand at a higher level
    expect(at(20, ['final'])).toBeNull();
    expect(at(1, ['second'])).toBeNull();
    expect(at(35, ['final'])).toBeNull();
    expect(at(60, ['final'])).toBe('collections');
  });

  it('ignores recorded names that are no longer configured', () => {
    expect(highestSentRank(LEVELS, ['renamed', 'first'])).toBe(1);
    expect(highestSentRank(LEVELS, ['renamed'])).toBe(-1);
    expect(highestSentRank(LEVELS, undefined)).toBe(-1);
    expect(at(16, ['renamed'])).toBe('second');
  });

  it('works with levels of your own', () => {
    const mine = reminderLevels('0:due,7:late,45:legal');
    expect(levelToSend(mine, DUE, DUE, undefined)?.name).toBe('due');
    expect(levelToSend(mine, DUE, addDays(DUE, -1), undefined)).toBeNull();
    expect(levelToSend(mine, DUE, addDays(DUE, 50), ['due'])?.name).toBe('legal');
  });
});
