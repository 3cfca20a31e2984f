import { ValidationError } from '../errors.js';
import type { ImportRules } from './rules.js';

/** A row's values by owed's field names. */
export interface FieldReader {
  get(name: string): string | undefined;
}

/** The field names of one import and their positions in every row's values. */
class FieldSlots {
  readonly index = new Map<string, number>();
  constructor(readonly names: readonly string[]) {
    names.forEach((name, i) => this.index.set(name, i));
  }
}

/**
 * A row's values, one array per row with the names shared by the whole import (a Map per row
 * costs more than the rest of the mapping). A field the file does not have is undefined.
 */
export class Fields implements FieldReader, Iterable<[string, string]> {
  constructor(private readonly slots: FieldSlots, private readonly values: (string | undefined)[]) {}

  get(name: string): string | undefined {
    const i = this.slots.index.get(name);
    return i === undefined ? undefined : this.values[i];
  }

  set(name: string, value: string): void {
    const i = this.slots.index.get(name);
    if (i !== undefined) this.values[i] = value;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (let i = 0; i < this.values.length; i++) {
      const value = this.values[i];
      if (value !== undefined) yield [this.slots.names[i]!, value];
    }
  }
}

export interface MappedRow {
  /** Target field → raw text, after columns, defaults and conditions. */
  readonly fields: Fields;
  /** Why the rules skipped this row, if they did. */
  readonly skipped?: string;
  /** Values the rules cannot read (an amount that does not follow the file's marks). */
  readonly problems?: readonly { readonly field: string; readonly value: string; readonly reason: string }[];
  /** The file's text of the fields the rules rewrote (dates by date-format, amounts by their marks), for messages. */
  readonly original?: Fields;
}

export type Mapper = (record: readonly string[]) => MappedRow;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Turns an amount written with the file's marks into owed's `1234.50` form. */
/** Returns the amount in owed's form, or undefined when it does not follow the file's marks. */
export function normaliseAmount(text: string, rules: Pick<ImportRules, 'decimalMark' | 'thousandsSeparator'>): string | undefined {
  const t = text.trim();
  if (rules.decimalMark === '.' && rules.thousandsSeparator === ',') return t;
  const sep = escapeRegExp(rules.thousandsSeparator);
  const dec = escapeRegExp(rules.decimalMark);
  // Separators are removed only where they group digits in threes; anything else is left as it
  // is, so that the amount check refuses it rather than guessing ("12.50" with "." as separator).
  const grouped = rules.thousandsSeparator === '' ? null : new RegExp(`^[+-]?[¥￥$€£]?\\d{1,3}(${sep}\\d{3})+(${dec}\\d+)?$`);
  const plain = new RegExp(`^[+-]?[¥￥$€£]?\\d+(${dec}\\d+)?$`);
  let out = t;
  if (grouped?.test(t)) out = t.split(rules.thousandsSeparator).join('');
  else if (!plain.test(t)) return undefined;
  return rules.decimalMark === '.' ? out : out.replace(rules.decimalMark, '.');
}

/** Reads a date written as the rules' date-format (YYYY, MM/M, DD/D, any literals) into YYYY-MM-DD. */
export function normaliseDate(text: string, format: string | undefined): string {
  const t = text.trim();
  if (format === undefined) return t;
  const pattern = escapeRegExp(format)
    .replace('YYYY', '(?<y>\\d{4})')
    .replace('MM', '(?<m>\\d{2})')
    .replace('DD', '(?<d>\\d{2})')
    .replace(/(?<![<\w])M(?![>\w])/, '(?<m>\\d{1,2})')
    .replace(/(?<![<\w])D(?![>\w])/, '(?<d>\\d{1,2})');
  const m = new RegExp(`^${pattern}$`).exec(t);
  if (!m?.groups) return t;
  return `${m.groups.y}-${m.groups.m!.padStart(2, '0')}-${m.groups.d!.padStart(2, '0')}`;
}

const AMOUNT_FIELDS = new Set(['amount', 'total', 'net', 'tax', 'price', 'credit_limit']);
const DATE_FIELDS = new Set(['date', 'issue_date', 'due_date']);

/**
 * Builds the function that maps one CSV record to owed's fields. Source columns are matched by
 * header name (case-insensitive) or 1-based position; without rules, a header that already uses
 * owed's column names maps itself.
 */
export function createMapper(rules: ImportRules, header: readonly string[] | null, known: readonly string[]): Mapper {
  const index = new Map<string, number>();
  header?.forEach((name, i) => index.set(name.trim().toLowerCase(), i));
  const resolve = (src: string | number, what: string): number => {
    if (typeof src === 'number') {
      if (src < 1) throw new ValidationError({ field: what, value: String(src), reason: 'column positions start at 1' });
      return src - 1;
    }
    const i = index.get(src.trim().toLowerCase());
    if (i === undefined) {
      throw new ValidationError(
        { field: what, value: src, reason: header ? `no such column in the file; it has: ${header.join(', ')}` : 'the file has no header (header no): name columns by position' },
      );
    }
    return i;
  };
  const targets = new Map<string, number>();
  for (const field of known) {
    if (rules.columns.has(field)) continue;
    const i = index.get(field);
    if (i !== undefined) targets.set(field, i);
  }
  for (const [field, src] of rules.columns) targets.set(field, resolve(src, `column ${field}`));
  const credit = rules.credit === undefined ? undefined : resolve(rules.credit, 'credit');
  const debit = rules.debit === undefined ? undefined : resolve(rules.debit, 'debit');

  // Every field a row can hold: owed's columns, and any other the rules name or set.
  const slots = new FieldSlots([...new Set([
    ...known, ...targets.keys(), ...(credit !== undefined ? ['amount'] : []), ...rules.defaults.keys(),
    ...rules.conditions.flatMap((c) => (c.action.kind === 'set' ? [c.action.field] : [])),
  ])]);
  const width = slots.names.length;
  const from = [...targets].map(([field, i]) => [slots.index.get(field)!, i] as const);
  const amountSlots = slots.names.flatMap((f, i) => (AMOUNT_FIELDS.has(f) ? [i] : []));
  const dateSlots = slots.names.flatMap((f, i) => (DATE_FIELDS.has(f) ? [i] : []));
  const amountSlot = slots.index.get('amount');
  // Without rules that change values, a row is its trimmed columns: no rewriting to look for.
  const plain = credit === undefined && rules.defaults.size === 0 && rules.conditions.length === 0
    && rules.decimalMark === '.' && rules.thousandsSeparator === ',' && rules.dateFormat === undefined;

  return (record) => {
    const values = new Array<string | undefined>(width);
    for (const [slot, i] of from) values[slot] = (record[i] ?? '').trim();
    const fields = new Fields(slots, values);
    if (plain) return { fields };
    if (credit !== undefined) {
      const inflow = normaliseAmount(record[credit] ?? '', rules) ?? (record[credit] ?? '').trim();
      if (inflow === '' || /^[-+]?0*(\.0*)?$/.test(inflow)) {
        const outflow = debit === undefined ? '' : (record[debit] ?? '').trim();
        return { fields, skipped: outflow !== '' ? 'money out (debit), not a receipt' : 'no credit amount' };
      }
      values[amountSlot!] = (record[credit] ?? '').trim();
    }
    for (const [field, value] of rules.defaults) if ((fields.get(field) ?? '') === '') fields.set(field, value);
    for (const c of rules.conditions) {
      const f = c.field.toLowerCase();
      const value = fields.get(f) ?? (index.has(f) ? record[index.get(f)!] ?? '' : '');
      if (!c.pattern.test(value)) continue;
      if (c.action.kind === 'skip') return { fields, skipped: `rules line ${c.line}: ${c.field} matches ${c.pattern.source}` };
      fields.set(c.action.field, c.action.value);
    }
    const problems: { field: string; value: string; reason: string }[] = [];
    let original: (string | undefined)[] | undefined;
    const rewrite = (slot: number, value: string, to: string) => {
      if (to === value) return;
      values[slot] = to;
      (original ??= new Array<string | undefined>(width))[slot] = value;
    };
    for (const slot of amountSlots) {
      const value = values[slot];
      if (value === undefined || value === '') continue;
      const amount = normaliseAmount(value, rules);
      if (amount === undefined) {
        problems.push({ field: slots.names[slot]!, value, reason: `is not an amount written with decimal mark "${rules.decimalMark}" and thousands separator "${rules.thousandsSeparator}"` });
      } else {
        rewrite(slot, value, amount);
      }
    }
    for (const slot of dateSlots) {
      const value = values[slot];
      if (value !== undefined && value !== '') rewrite(slot, value, normaliseDate(value, rules.dateFormat));
    }
    return { fields, ...(problems.length > 0 ? { problems } : {}), ...(original ? { original: new Fields(slots, original) } : {}) };
  };
}
