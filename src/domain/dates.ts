import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { ValidationError, invariant } from './errors.js';

dayjs.extend(utc);

/** A calendar date, 'YYYY-MM-DD'. No time, no zone: sorts and compares as a string. */
export type IsoDate = string;
/** A day in the year, 'MM-DD' (birthdays, anniversaries); 02-29 is allowed. */
export type MonthDay = string;

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
// Earlier years in a ledger are typos ("0226-01-01"); Date.UTC also misreads years 0–99.
const MIN_YEAR = 1900;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function whyNotIsoDate(text: string): string | undefined {
  const m = ISO.exec(text);
  if (m === null) return 'is not a date; expected YYYY-MM-DD, e.g. 2026-01-31';
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < MIN_YEAR) return `year ${year} is before ${MIN_YEAR}`;
  if (month < 1 || month > 12) return `month ${m[2]} does not exist`;
  if (day < 1 || day > daysInMonth(year, month)) return `day ${m[3]} does not exist in ${m[1]}-${m[2]}`;
  return undefined;
}

export function isIsoDate(text: string): text is IsoDate {
  return whyNotIsoDate(text) === undefined;
}

/** Strict: exactly YYYY-MM-DD naming a real day (surrounding whitespace is forgiven). */
export function parseDate(text: string, field = 'date'): IsoDate {
  const trimmed = text.trim();
  if (trimmed === '') throw new ValidationError({ field, value: text, reason: 'is empty; expected YYYY-MM-DD' });
  const reason = whyNotIsoDate(trimmed);
  if (reason !== undefined) throw new ValidationError({ field, value: text, reason });
  return trimmed;
}

// All arithmetic runs in UTC so a DST change can never make a day 23 or 25 hours long.
function utcDay(d: IsoDate): dayjs.Dayjs {
  invariant(isIsoDate(d), () => `not an ISO date: ${JSON.stringify(d)}`);
  return dayjs.utc(d);
}

function fmt(d: dayjs.Dayjs): IsoDate {
  return d.format('YYYY-MM-DD');
}

export function addDays(d: IsoDate, days: number): IsoDate {
  invariant(Number.isSafeInteger(days), () => `days must be an integer, got ${days}`);
  return fmt(utcDay(d).add(days, 'day'));
}

/** Calendar months, clamped to the end of a shorter month: 2026-01-31 + 1 month = 2026-02-28. */
export function addMonths(d: IsoDate, months: number): IsoDate {
  invariant(Number.isSafeInteger(months), () => `months must be an integer, got ${months}`);
  return fmt(utcDay(d).add(months, 'month'));
}

export function startOfMonth(d: IsoDate): IsoDate {
  return fmt(utcDay(d).startOf('month'));
}

export function endOfMonth(d: IsoDate): IsoDate {
  return fmt(utcDay(d).endOf('month'));
}

/** to − from in whole days: daysBetween('2026-01-01', '2026-01-31') = 30; negative if to is earlier. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((utcDay(to).valueOf() - utcDay(from).valueOf()) / 86_400_000);
}

export function compareDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(first: IsoDate, ...rest: IsoDate[]): IsoDate {
  return rest.reduce((acc, d) => (d > acc ? d : acc), first);
}

export function minDate(first: IsoDate, ...rest: IsoDate[]): IsoDate {
  return rest.reduce((acc, d) => (d < acc ? d : acc), first);
}

/** The calendar date on the local clock at `now` (not the UTC date). */
export function localToday(now: Date = new Date()): IsoDate {
  const y = String(now.getFullYear()).padStart(4, '0');
  const m = String(now.getMonth() + 1).padStart(2, '0');
  const d = String(now.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function yearOf(d: IsoDate): number {
  invariant(isIsoDate(d), () => `not an ISO date: ${JSON.stringify(d)}`);
  return Number(d.slice(0, 4));
}

/** 'MM-DD' naming a day that exists in some year, so 02-29 is accepted. */
export function parseMonthDay(text: string, field = 'birthday'): MonthDay {
  const trimmed = text.trim();
  const m = /^(\d{2})-(\d{2})$/.exec(trimmed);
  if (m === null) throw new ValidationError({ field, value: text, reason: 'is not a month and day; expected MM-DD, e.g. 03-15' });
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (month < 1 || month > 12) throw new ValidationError({ field, value: text, reason: `month ${m[1]} does not exist` });
  // 2000 is a leap year, so February allows 29.
  if (day < 1 || day > daysInMonth(2000, month)) {
    throw new ValidationError({ field, value: text, reason: `day ${m[2]} does not exist in month ${m[1]}` });
  }
  return trimmed;
}
