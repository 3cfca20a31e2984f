import { ValidationError, type Problem } from '../errors.js';

/**
 * Mapping rules for a CSV layout owed does not know, in the spirit of hledger's CSV rules: one
 * directive per line, `#` starts a comment.
 *
 *   encoding gbk                    utf8 | gbk | gb18030 | auto
 *   separator ,                     , ; | or TAB
 *   skip 3                          lines to drop before the header (or the data, with header no)
 *   header no                       the file has no header line: name columns by position
 *   column date 交易日期            target field ← source column (a header name, or a 1-based position)
 *   date-format YYYY/MM/DD          YYYY MM DD (and M D for unpadded), any literal between them
 *   decimal-mark ,                  and thousands-separator .
 *   credit 贷方发生额               bank statements: money in; rows with no credit are skipped
 *   debit 借方发生额                (money out: such rows are skipped, they are not receipts)
 *   default method bank             a value for a field the file leaves empty
 *   if memo ~ 退款 skip             skip rows whose field matches the regular expression
 *   if 对方户名 ~ 华美 set customer C001
 */
export interface ImportRules {
  readonly encoding?: string;
  readonly separator?: string;
  readonly skip: number;
  readonly header: boolean;
  /** target field → source column name, or 1-based position. */
  readonly columns: ReadonlyMap<string, string | number>;
  readonly dateFormat?: string;
  readonly decimalMark: string;
  readonly thousandsSeparator: string;
  readonly credit?: string | number;
  readonly debit?: string | number;
  readonly defaults: ReadonlyMap<string, string>;
  readonly conditions: readonly Condition[];
}

export interface Condition {
  readonly field: string;
  readonly pattern: RegExp;
  readonly action: { readonly kind: 'skip' } | { readonly kind: 'set'; readonly field: string; readonly value: string };
  readonly line: number;
}

export const NO_RULES: ImportRules = {
  skip: 0,
  header: true,
  columns: new Map(),
  decimalMark: '.',
  thousandsSeparator: ',',
  defaults: new Map(),
  conditions: [],
};

function source(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function parseRules(text: string, file = 'rules'): ImportRules {
  const problems: Problem[] = [];
  const columns = new Map<string, string | number>();
  const defaults = new Map<string, string>();
  const conditions: Condition[] = [];
  let rules: { -readonly [K in keyof ImportRules]: ImportRules[K] } = { ...NO_RULES, columns, defaults, conditions };
  const markLines: { decimal?: number; thousands?: number } = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const body = raw.replace(/^\uFEFF/, '').trim();
    if (body === '' || body.startsWith('#')) return;
    const bad = (reason: string) => problems.push({ row: line, field: file, value: body, reason });
    const [directive, ...rest] = body.split(/\s+/);
    const arg = rest.join(' ');
    switch (directive) {
      case 'encoding':
        if (!['utf8', 'utf-8', 'gbk', 'gb18030', 'auto'].includes(arg.toLowerCase())) bad('encoding must be utf8, gbk, gb18030 or auto');
        else rules = { ...rules, encoding: arg.toLowerCase() === 'utf-8' ? 'utf8' : arg.toLowerCase() };
        break;
      case 'separator': {
        const sep = arg === 'TAB' || arg === '\\t' ? '\t' : arg;
        if (sep.length !== 1) bad('separator must be one character, or TAB');
        else rules = { ...rules, separator: sep };
        break;
      }
      case 'skip':
        if (!/^\d{1,6}$/.test(arg)) bad('skip takes a number of lines');
        else rules = { ...rules, skip: Number(arg) };
        break;
      case 'header':
        if (arg !== 'yes' && arg !== 'no') bad('header is yes or no');
        else rules = { ...rules, header: arg === 'yes' };
        break;
      case 'column':
        if (rest.length < 2) bad('column takes a target field and a source column: column date 交易日期');
        else columns.set(rest[0]!.toLowerCase(), source(rest.slice(1).join(' ')));
        break;
      case 'date-format':
        if (!/YYYY/.test(arg) || !/M/.test(arg) || !/D/.test(arg)) bad('date-format needs YYYY, MM (or M) and DD (or D), e.g. YYYY/MM/DD');
        else rules = { ...rules, dateFormat: arg };
        break;
      case 'decimal-mark':
        if (arg !== '.' && arg !== ',') bad('decimal-mark is . or ,');
        else {
          rules = { ...rules, decimalMark: arg };
          markLines.decimal = line;
        }
        break;
      case 'thousands-separator':
        if (![',', '.', ' ', "'", 'none', 'space'].includes(arg === '' ? ' ' : arg)) bad("thousands-separator is , . ' space or none");
        else {
          rules = { ...rules, thousandsSeparator: arg === 'none' ? '' : arg === '' || arg === 'space' ? ' ' : arg };
          markLines.thousands = line;
        }
        break;
      case 'credit':
      case 'debit':
        if (arg === '') bad(`${directive} takes a source column`);
        else rules = { ...rules, [directive]: source(arg) };
        break;
      case 'default':
        if (rest.length < 2) bad('default takes a field and a value: default method bank');
        else defaults.set(rest[0]!.toLowerCase(), rest.slice(1).join(' '));
        break;
      case 'if': {
        const m = /^if\s+(\S+)\s+~\s+(.+?)\s+(skip|set\s+(\S+)\s+(.+))$/.exec(body);
        if (!m) {
          bad('if FIELD ~ REGEX skip, or if FIELD ~ REGEX set FIELD VALUE');
          break;
        }
        let pattern: RegExp;
        try {
          pattern = new RegExp(m[2]!, 'i');
        } catch (error) {
          bad(`bad regular expression: ${(error as Error).message}`);
          break;
        }
        conditions.push({
          field: m[1]!,
          pattern,
          action: m[3] === 'skip' ? { kind: 'skip' } : { kind: 'set', field: m[4]!.toLowerCase(), value: m[5]! },
          line,
        });
        break;
      }
      default:
        bad(`unknown directive "${directive}"; known: encoding, separator, skip, header, column, date-format, decimal-mark, thousands-separator, credit, debit, default, if`);
    }
  });
  if (problems.length > 0) throw new ValidationError(problems, 'see docs/IMPORT.md for the rules file format');
  if (rules.decimalMark === rules.thousandsSeparator) {
    // `decimal-mark ,` alone: the default thousands separator (,) gives way.
    if (markLines.thousands === undefined) rules = { ...rules, thousandsSeparator: '' };
    else {
      throw new ValidationError({ row: Math.max(markLines.decimal ?? 0, markLines.thousands), field: file, reason: 'decimal-mark and thousands-separator must differ' });
    }
  }
  return rules;
}
