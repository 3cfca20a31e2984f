import { describe, it, expect } from 'vitest';
import { InvariantError, ValidationError } from '../../src/domain/errors.js';
import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  endOfMonth,
  isIsoDate,
  localToday,
  maxDate,
  minDate,
  parseDate,
  parseMonthDay,
  startOfMonth,
  yearOf,
} from '../../src/domain/dates.js';

function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseDate', () => {
  it('accepts real YYYY-MM-DD days', () => {
    expect(parseDate('2026-01-31')).toBe('2026-01-31');
    expect(parseDate(' 2026-12-31 ')).toBe('2026-12-31');
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2000-02-29')).toBe('2000-02-29');
  });

  it.each([
    ['2026-02-29', 'day 29 does not exist in 2026-02'],
    ['1900-02-29', 'day 29 does not exist in 1900-02'],
    ['2026-02-30', 'day 30 does not exist in 2026-02'],
    ['2026-04-31', 'day 31 does not exist in 2026-04'],
    ['2026-01-00', 'day 00 does not exist in 2026-01'],
    ['2026-13-01', 'month 13 does not exist'],
    ['2026-00-10', 'month 00 does not exist'],
    ['2026/01/01', 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31'],
    ['26-1-1', 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31'],
    ['2026-1-1', 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31'],
    ['2026-01-01T00:00:00Z', 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31'],
    ['20260101', 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31'],
    ['0026-01-01', 'year 26 is before 1900'],
    ['', 'is empty; expected YYYY-MM-DD'],
  ])('rejects %j: %s', (text, reason) => {
    expect(rejection(() => parseDate(text, 'issued')).problems).toEqual([{ field: 'issued', value: text, reason }]);
  });

  it('defaults the field to date', () => {
    expect(rejection(() => parseDate('x')).problems[0]?.field).toBe('date');
  });

  it('isIsoDate', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate(' 2026-01-01')).toBe(false);
  });
});

describe('arithmetic', () => {
  it('addDays across month, year and leap day', () => {
    expect(addDays('2026-12-15', 30)).toBe('2027-01-14');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-01-01', 0)).toBe('2026-01-01');
    expect(addDays('2026-03-28', 7)).toBe('2026-04-04'); // over the EU DST change
  });

  it('addMonths clamps to the end of shorter months', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2026-11-15', 2)).toBe('2027-01-15');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
  });

  it('startOfMonth and endOfMonth', () => {
    expect(startOfMonth('2026-02-17')).toBe('2026-02-01');
    expect(endOfMonth('2026-02-17')).toBe('2026-02-28');
    expect(endOfMonth('2024-02-01')).toBe('2024-02-29');
    expect(endOfMonth('2026-12-31')).toBe('2026-12-31');
    expect(endOfMonth('2026-04-01')).toBe('2026-04-30');
  });

  it('daysBetween is to − from in whole days', () => {
    expect(daysBetween('2026-01-01', '2026-01-31')).toBe(30);
    expect(daysBetween('2026-01-31', '2026-01-01')).toBe(-30);
    expect(daysBetween('2026-01-01', '2026-01-01')).toBe(0);
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2026-03-01', '2026-04-01')).toBe(31); // contains a DST change in many zones
    expect(daysBetween('2026-10-01', '2026-11-01')).toBe(31);
  });

  it('addDays and daysBetween agree', () => {
    for (const n of [-400, -31, -1, 0, 1, 29, 365, 1000]) {
      expect(daysBetween('2024-02-29', addDays('2024-02-29', n))).toBe(n);
    }
  });

  it('refuses non-dates and fractional steps as programming errors', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(InvariantError);
    expect(() => addDays('2026-01-01', 1.5)).toThrow(InvariantError);
    expect(() => daysBetween('nope', '2026-01-01')).toThrow(InvariantError);
  });
});

describe('comparison', () => {
  it('compareDates, maxDate, minDate, yearOf', () => {
    expect(compareDates('2026-01-01', '2026-01-02')).toBe(-1);
    expect(compareDates('2026-01-02', '2026-01-02')).toBe(0);
    expect(compareDates('2027-01-01', '2026-12-31')).toBe(1);
    expect(maxDate('2026-01-01', '2027-01-01', '2026-06-30')).toBe('2027-01-01');
    expect(minDate('2026-01-01', '2025-12-31', '2026-06-30')).toBe('2025-12-31');
    expect(maxDate('2026-01-01')).toBe('2026-01-01');
    expect(yearOf('2026-12-31')).toBe(2026);
  });
});

describe('localToday', () => {
  it('is the local calendar date of the given instant', () => {
    // Built from local components, so the expectation holds whatever TZ the tests run in.
    expect(localToday(new Date(2026, 0, 31, 23, 59, 59))).toBe('2026-01-31');
    expect(localToday(new Date(2026, 11, 31, 0, 0, 1))).toBe('2026-12-31');
    expect(localToday(new Date(2024, 1, 29, 12))).toBe('2024-02-29');
  });
});

describe('parseMonthDay', () => {
  it('accepts MM-DD including 02-29', () => {
    expect(parseMonthDay('02-29', 'birthday')).toBe('02-29');
    expect(parseMonthDay('12-31')).toBe('12-31');
    expect(parseMonthDay(' 01-01 ')).toBe('01-01');
  });

  it.each([
    ['02-30', 'day 30 does not exist in month 02'],
    ['04-31', 'day 31 does not exist in month 04'],
    ['13-01', 'month 13 does not exist'],
    ['00-01', 'month 00 does not exist'],
    ['01-00', 'day 00 does not exist in month 01'],
    ['1-1', 'is not a month and day; expected MM-DD, e.g. 03-15'],
    ['2026-01-01', 'is not a month and day; expected MM-DD, e.g. 03-15'],
    ['', 'is not a month and day; expected MM-DD, e.g. 03-15'],
  ])('rejects %j: %s', (text, reason) => {
    expect(rejection(() => parseMonthDay(text, 'birthday')).problems).toEqual([{ field: 'birthday', value: text, reason }]);
  });
});
