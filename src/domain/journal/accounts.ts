import { RefusedError, ValidationError } from '../errors.js';

/**
 * The accounts of the exported journal. Each role is a company setting (`journal.account.ROLE`)
 * holding a colon-separated account name; the receivable account gets one sub-account per
 * customer code. Names are kept structured (role + customer) until a format renders them, so each
 * format can spell and sanitise them its own way.
 */
export const ACCOUNT_ROLES = ['receivable', 'bank', 'cash', 'sales', 'vat_output', 'bad_debts', 'customer_credit', 'discounts', 'opening'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const ACCOUNT_DEFAULTS: Readonly<Record<AccountRole, string>> = {
  receivable: 'Assets:Receivable',
  bank: 'Assets:Bank',
  cash: 'Assets:Cash',
  sales: 'Income:Sales',
  vat_output: 'Liabilities:VAT Output',
  bad_debts: 'Expenses:Bad Debts',
  customer_credit: 'Liabilities:Customer Credit',
  discounts: 'Expenses:Discounts and Fees',
  opening: 'Equity:Opening Balances',
};

export const ACCOUNT_DESCRIPTIONS: Readonly<Record<AccountRole, string>> = {
  receivable: 'journal export: trade receivables (one sub-account per customer code)',
  bank: 'journal export: where receipts go (every method but cash)',
  cash: 'journal export: where receipts with method cash go',
  sales: 'journal export: sales income, net of VAT',
  vat_output: 'journal export: output VAT payable',
  bad_debts: 'journal export: bad debts written off',
  customer_credit: 'journal export: cash received from a customer not yet identified',
  discounts: 'journal export: discounts and bank fees accepted within the reconcile tolerance',
  opening: 'journal export: equity that balances the opening transaction of a --from export (past income and expenses)',
};

/** Roles whose balance is carried into the opening transaction of a period; the others are income and expenses. */
export const BALANCE_SHEET_ROLES: ReadonlySet<AccountRole> = new Set<AccountRole>(['receivable', 'bank', 'cash', 'vat_output', 'customer_credit', 'opening']);

export type JournalAccounts = Readonly<Record<AccountRole, string>>;

/** An account as the journal's rules name it: a role, and for the receivable role the customer code. */
export interface AccountRef {
  readonly role: AccountRole;
  readonly customer?: string;
}

const ROLE_REFS = new Map<AccountRole, AccountRef>(ACCOUNT_ROLES.map((role) => [role, Object.freeze({ role })]));
const RECEIVABLE_REFS = new Map<string, AccountRef>();

/**
 * The one reference object for a role (and, for the receivable, a customer): every posting to an
 * account shares it, so a journal of millions of postings names and checks each account once,
 * by identity. Bounded by the number of customers.
 */
export function accountRef(role: AccountRole, customer?: string): AccountRef {
  if (role !== 'receivable' || customer === undefined) return ROLE_REFS.get(role)!;
  let ref = RECEIVABLE_REFS.get(customer);
  if (ref === undefined) {
    ref = Object.freeze({ role, customer });
    RECEIVABLE_REFS.set(customer, ref);
  }
  return ref;
}

export function settingKey(role: AccountRole): string {
  return `journal.account.${role}`;
}

/** The account names from the stored settings, over the defaults. */
export function journalAccounts(stored: ReadonlyMap<string, string>): JournalAccounts {
  const out = {} as Record<AccountRole, string>;
  for (const role of ACCOUNT_ROLES) {
    const value = stored.get(settingKey(role));
    out[role] = value === undefined || value.trim() === '' ? ACCOUNT_DEFAULTS[role] : value;
  }
  return out;
}

/**
 * Canonical form of an account name setting: components separated by ':', each trimmed and
 * non-empty, inner whitespace collapsed to one space (two spaces end an account name in
 * hledger and ledger). Refused: ';' (a comment), '"', tabs and line breaks, and a leading '(' or
 * '[' (a virtual posting).
 */
export function normaliseAccountName(key: string, value: string): string {
  const fail = (reason: string) => new ValidationError({ field: key, value, reason });
  if (/[\t\r\n]/.test(value)) throw fail('must not contain tabs or line breaks');
  const parts = value.split(':').map((p) => p.trim().replace(/ {2,}/g, ' '));
  if (parts.length < 2 || parts.some((p) => p === '')) throw fail('must be an account name of two or more non-empty parts separated by ":", e.g. Assets:Receivable');
  const name = parts.join(':');
  if (/[;"]/.test(name)) throw fail('must not contain ";" (a comment) or \'"\'');
  if (/^[([]/.test(name)) throw fail('must not start with "(" or "[" (a virtual posting in hledger and ledger)');
  return name;
}

/**
 * One component for hledger, ledger and CSV: whitespace collapsed to single spaces, ':' (which
 * would start a sub-account), ';' (a comment) and brackets (virtual postings) replaced by '-'.
 * Customer codes (letters, digits, '.', '_', '-') pass unchanged.
 */
export function plainComponent(text: string): string {
  const cleaned = text
    .normalize('NFC')
    .replace(/[:;()[\]"]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? '-' : cleaned;
}

/** hledger, ledger and CSV: `Assets:Receivable:C001`. */
export function plainAccountName(accounts: JournalAccounts, ref: AccountRef): string {
  const base = accounts[ref.role];
  return ref.customer === undefined ? base : `${base}:${plainComponent(ref.customer)}`;
}

export const BEANCOUNT_ROOTS = ['Assets', 'Liabilities', 'Equity', 'Income', 'Expenses'] as const;

/**
 * One beancount account component: it must start with a capital letter or a digit and continue
 * with letters, digits and '-' (beancount also allows non-ASCII letters, which are kept). So
 * spaces, '.', '_' and other punctuation become '-', runs of '-' collapse, a leading lower-case
 * letter is capitalised, and a component that starts with anything else gets an 'X' in front:
 * `VAT Output` → `VAT-Output`, `c.001` → `C-001`, `_x` → `X`.
 */
export function beancountComponent(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    if (/[A-Za-z0-9]/.test(ch)) out += ch;
    else if (ch.codePointAt(0)! > 0x7f && /[\p{L}\p{N}]/u.test(ch)) out += ch;
    else out += '-';
  }
  out = out.replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (out === '') return 'X';
  const first = out[0]!;
  if (/[a-z]/.test(first)) return first.toUpperCase() + out.slice(1);
  if (/[A-Z0-9]/.test(first) || first.codePointAt(0)! > 0x7f) return out;
  return `X${out}`;
}

/**
 * A beancount account name: each component sanitised by {@link beancountComponent}; the root must
 * be one of beancount's five account types, or the file would not load.
 */
export function beancountAccountName(accounts: JournalAccounts, ref: AccountRef): string {
  const base = accounts[ref.role];
  const parts = base.split(':');
  const root = parts[0]!.trim();
  if (!(BEANCOUNT_ROOTS as readonly string[]).includes(root)) {
    throw new RefusedError(
      `${settingKey(ref.role)} is "${base}", but a beancount account must start with ${BEANCOUNT_ROOTS.join(', ')}`,
      `rename it for the export, e.g. owed settings set ${settingKey(ref.role)} ${ACCOUNT_DEFAULTS[ref.role].replace(/ /g, '-')}`,
    );
  }
  const components = [root, ...parts.slice(1).map(beancountComponent)];
  if (ref.customer !== undefined) components.push(beancountComponent(ref.customer));
  return components.join(':');
}

/** A stable key for an account reference (role and customer), for maps and collision checks. */
export function accountKey(ref: AccountRef): string {
  return ref.customer === undefined ? ref.role : `${ref.role}\u0000${ref.customer}`;
}
