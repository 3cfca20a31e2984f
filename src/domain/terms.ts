import { ValidationError } from './errors.js';
import { addDays, endOfMonth, type IsoDate } from './dates.js';

/** net: due `days` after the issue date. eom: due `days` after the end of the issue month. */
export interface PaymentTerm {
  readonly code: string;
  readonly kind: 'net' | 'eom';
  readonly days: number;
}

const MAX_DAYS = 365;
const TERM = /^(NET|EOM)\s*(\d+)$/i;

/** 'NET30', 'net 30', 'EOM30' → a term with its code normalised ('NET30', 'EOM30'). */
export function parseTermCode(code: string): PaymentTerm {
  const m = TERM.exec(code.trim());
  if (m === null) {
    throw new ValidationError({
      field: 'terms',
      value: code,
      reason: 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30',
    });
  }
  const days = Number(m[2]);
  if (!(days <= MAX_DAYS)) {
    throw new ValidationError({ field: 'terms', value: code, reason: `days must be between 0 and ${MAX_DAYS}` });
  }
  const kind = m[1]!.toLowerCase() as PaymentTerm['kind'];
  return Object.freeze({ code: `${kind.toUpperCase()}${days}`, kind, days });
}

export const DEFAULT_TERMS: readonly PaymentTerm[] = Object.freeze(
  ['NET0', 'NET15', 'NET30', 'NET45', 'NET60', 'NET90', 'EOM30'].map(parseTermCode),
);

export function dueDate(issueDate: IsoDate, term: PaymentTerm): IsoDate {
  const base = term.kind === 'eom' ? endOfMonth(issueDate) : issueDate;
  return addDays(base, term.days);
}

/** The known term with this code, matched case-insensitively ('net30', 'NET 30'). */
export function findTerm(code: string, known: readonly PaymentTerm[]): PaymentTerm {
  const m = TERM.exec(code.trim());
  const wanted = m !== null ? `${m[1]!.toUpperCase()}${Number(m[2])}` : code.trim().toUpperCase();
  const found = known.find((t) => t.code.toUpperCase() === wanted);
  if (found === undefined) {
    throw new ValidationError({
      field: 'terms',
      value: code,
      reason: `unknown payment terms; known: ${known.map((t) => t.code).join(', ')}`,
    });
  }
  return found;
}
