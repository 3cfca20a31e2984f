import { parseMonthDay } from '../dates.js';
import { ValidationError } from '../errors.js';
import { currency, isNegative, money, parseMoney, type Money } from '../money/index.js';
import type { CompanySettings } from '../settings/company-settings.js';
import { findTerm } from '../terms.js';
import { optionalText, Problems } from '../validation.js';
import type { CustomerFields, CustomerLanguage } from './customer.js';

/** A customer as typed on the command line or read from a CSV row: text, not yet trusted. */
export interface CustomerInput {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly taxId?: string;
  readonly currency?: string;
  readonly terms?: string;
  /** Decimal in major units; empty means no limit. */
  readonly creditLimit?: string;
  readonly segment?: string;
  readonly birthday?: string;
  readonly address?: string;
  readonly language?: string;
  readonly onHold?: boolean;
}

const CODE = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,31}$/u;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const HAS_CJK = /[\u3400-\u9fff]/;

export function validateCustomerCode(code: string, problems: Problems): string {
  const trimmed = code.trim();
  if (!CODE.test(trimmed)) {
    problems.add('code', code, 'must be 1 to 32 letters or digits (. _ - allowed after the first), no spaces');
  }
  return trimmed;
}

/**
 * Applies input over a starting point (defaults for a new customer, the stored one for an edit)
 * and returns the result, or records why it cannot.
 */
export function applyCustomerInput(
  base: CustomerFields,
  input: CustomerInput,
  settings: CompanySettings,
  problems: Problems,
): CustomerFields {
  const next = { ...base } as { -readonly [K in keyof CustomerFields]: CustomerFields[K] };

  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') problems.add('name', input.name, 'must not be empty');
    else if (name.length > 200) problems.add('name', input.name, 'is longer than 200 characters');
    next.name = name;
  }
  const email = optionalText(input.email);
  if (email !== undefined) {
    if (email !== null && !EMAIL.test(email)) problems.add('email', input.email, 'is not an email address');
    else if (email !== null && email.length > 200) problems.add('email', input.email, 'is longer than 200 characters');
    next.email = email;
  }
  const phone = optionalText(input.phone);
  if (phone !== undefined) {
    if (phone !== null && !/^[+\d][\d\s()\-]{2,30}$/.test(phone)) problems.add('phone', input.phone, 'is not a phone number');
    next.phone = phone;
  }
  const taxId = optionalText(input.taxId);
  if (taxId !== undefined) {
    if (taxId !== null && !/^[0-9A-Za-z-]{1,32}$/.test(taxId)) problems.add('tax_id', input.taxId, 'must be up to 32 letters and digits');
    next.taxId = taxId === null ? null : taxId.toUpperCase();
  }
  if (input.currency !== undefined) {
    const code = input.currency.trim().toUpperCase();
    if (problems.check(() => currency(code)) !== undefined) next.currency = code;
  }
  if (input.terms !== undefined) {
    const term = problems.check(() => findTerm(input.terms!, settings.terms));
    if (term) next.terms = term.code;
  }
  const limit = optionalText(input.creditLimit);
  if (limit !== undefined) {
    if (limit === null) next.creditLimit = null;
    else {
      const parsed = problems.check(() => parseMoney(limit, next.currency, 'credit_limit'));
      if (parsed && isNegative(parsed)) problems.add('credit_limit', input.creditLimit, 'must not be negative');
      else if (parsed) next.creditLimit = parsed;
    }
  } else if (next.creditLimit !== null && next.creditLimit.currency !== next.currency) {
    // The limit keeps its face value in the new currency: 50,000.00 CNY becomes 50,000 JPY.
    const rescaled = problems.check(() => rescale(next.creditLimit!, next.currency));
    if (rescaled) next.creditLimit = rescaled;
  }
  const segment = optionalText(input.segment);
  if (segment !== undefined) {
    if (segment !== null && segment.length > 32) problems.add('segment', input.segment, 'is longer than 32 characters');
    next.segment = segment;
  }
  const birthday = optionalText(input.birthday);
  if (birthday !== undefined) {
    next.birthday = birthday === null ? null : (problems.check(() => parseMonthDay(birthday, 'birthday')) ?? null);
  }
  const address = optionalText(input.address);
  if (address !== undefined) next.address = address;
  if (input.language !== undefined) {
    const language = parseLanguage(input.language);
    if (language === undefined) problems.add('language', input.language, 'must be zh-CN or en');
    else next.language = language;
  }
  if (input.onHold !== undefined) next.onHold = input.onHold;
  return next;
}

function rescale(limit: Money, to: string): Money {
  const shift = currency(to).minorDigits - currency(limit.currency).minorDigits;
  const factor = 10 ** Math.abs(shift);
  if (shift >= 0) return money(limit.minor * factor, to);
  if (limit.minor % factor !== 0) {
    throw new ValidationError({ field: 'credit_limit', reason: `cannot be carried over to ${to} exactly; give a new --credit-limit` });
  }
  return money(limit.minor / factor, to);
}

function parseLanguage(value: string): CustomerLanguage | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'zh' || v === 'zh-cn' || v === 'cn') return 'zh-CN';
  if (v === 'en' || v === 'en-us' || v === 'en-gb') return 'en';
  return undefined;
}

/** Reminders go out in Chinese to customers with a Chinese name unless told otherwise. */
export function defaultLanguage(name: string): CustomerLanguage {
  return HAS_CJK.test(name) ? 'zh-CN' : 'en';
}

export function newCustomerDefaults(settings: CompanySettings): CustomerFields {
  return {
    name: '',
    email: null,
    phone: null,
    taxId: null,
    currency: settings.baseCurrency,
    terms: settings.defaultTerms,
    creditLimit: null,
    segment: null,
    birthday: null,
    address: null,
    language: 'zh-CN',
    onHold: false,
  };
}
