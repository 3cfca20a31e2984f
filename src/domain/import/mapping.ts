import { ValidationError } from '../errors.js';
import type { ImportRules } from './rules.js';

export interface MappedRow {
  /** Target field → raw text, after columns, defaults and conditions. */
  readonly fields: ReadonlyMap<string, string>;
  /** Why the rules skipped this row, if they did. */
  readonly skipped?: string;
  /** Values the rules cannot read (an amount that does not follow the file's marks). */
  readonly problems?: readonly { readonly field: string; readonly value: string; readonly reason: string }[];
  /** The file's text of the fields the rules rewrote (dates by date-format, amounts by their marks), for messages. */
  readonly original?: ReadonlyMap<string, string>;
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

  return (record) => {
    const fields = new Map<string, string>();
    for (const [field, i] of targets) fields.set(field, (record[i] ?? '').trim());
    if (credit !== undefined) {
      const inflow = normaliseAmount(record[credit] ?? '', rules) ?? (record[credit] ?? '').trim();
      if (inflow === '' || /^[-+]?0*(\.0*)?$/.test(inflow)) {
        const outflow = debit === undefined ? '' : (record[debit] ?? '').trim();
        return { fields, skipped: outflow !== '' ? 'money out (debit), not a receipt' : 'no credit amount' };
      }
      fields.set('amount', (record[credit] ?? '').trim());
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
    let original: Map<string, string> | undefined;
    const rewrite = (field: string, value: string, to: string) => {
      if (to === value) return;
      fields.set(field, to);
      (original ??= new Map()).set(field, value);
    };
    for (const [field, value] of fields) {
      if (AMOUNT_FIELDS.has(field) && value !== '') {
        const amount = normaliseAmount(value, rules);
        if (amount === undefined) {
          problems.push({ field, value, reason: `is not an amount written with decimal mark "${rules.decimalMark}" and thousands separator "${rules.thousandsSeparator}"` });
        } else {
          rewrite(field, value, amount);
        }
      }
      if (DATE_FIELDS.has(field) && value !== '') rewrite(field, value, normaliseDate(value, rules.dateFormat));
    }
    return { fields, ...(problems.length > 0 ? { problems } : {}), ...(original ? { original } : {}) };
  };
}
