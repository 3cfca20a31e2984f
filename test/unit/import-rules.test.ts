import { describe, expect, it } from 'vitest';
import { ValidationError, type Problem } from '../../src/domain/errors.js';
import { NO_RULES, parseRules } from '../../src/domain/import/rules.js';

function problemsOf(text: string, file = 'bank.rules'): readonly Problem[] {
  try {
    parseRules(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems;
  }
  throw new Error(`expected the rules to be refused:\n${text}`);
}

describe('parseRules: directives', () => {
  it('an empty file, blank lines and comments are the defaults (NO_RULES)', () => {
    const rules = parseRules('\n# only a comment\n   # indented comment\n\n');
    expect(rules.skip).toBe(0);
    expect(rules.header).toBe(true);
    expect(rules.encoding).toBeUndefined();
    expect(rules.separator).toBeUndefined();
    expect(rules.dateFormat).toBeUndefined();
    expect(rules.decimalMark).toBe('.');
    expect(rules.thousandsSeparator).toBe(',');
    expect(rules.credit).toBeUndefined();
    expect(rules.debit).toBeUndefined();
    expect([...rules.columns]).toEqual([]);
    expect([...rules.defaults]).toEqual([]);
    expect(rules.conditions).toEqual([]);
    expect(NO_RULES).toMatchObject({ skip: 0, header: true, decimalMark: '.', thousandsSeparator: ',' });
  });

  it('encoding: utf8, gbk, gb18030, auto, case-insensitive', () => {
    expect(parseRules('encoding gbk').encoding).toBe('gbk');
    expect(parseRules('encoding GB18030').encoding).toBe('gb18030');
    expect(parseRules('encoding auto').encoding).toBe('auto');
    expect(parseRules('encoding utf8').encoding).toBe('utf8');
  });

  it('encoding utf-8 (accepted as a spelling) means utf8, the only name the CSV reader knows', () => {
    // src/io/read-csv.ts treats every encoding other than "utf8" and "auto" as GB18030.
    expect(parseRules('encoding utf-8').encoding).toBe('utf8');
    expect(parseRules('encoding UTF-8').encoding).toBe('utf8');
  });

  it('separator: one character, or TAB / \\t', () => {
    expect(parseRules('separator ;').separator).toBe(';');
    expect(parseRules('separator |').separator).toBe('|');
    expect(parseRules('separator TAB').separator).toBe('\t');
    expect(parseRules('separator \\t').separator).toBe('\t');
  });

  it('skip, header yes|no', () => {
    expect(parseRules('skip 2').skip).toBe(2);
    expect(parseRules('skip 0').skip).toBe(0);
    expect(parseRules('header no').header).toBe(false);
    expect(parseRules('header no\nheader yes').header).toBe(true);
  });

  it('column: the target field is lower-cased; the source is a header name (spaces kept) or a 1-based position', () => {
    const rules = parseRules('column Date 交易日期\ncolumn amount 5\ncolumn memo Payment Details');
    expect(rules.columns.get('date')).toBe('交易日期');
    expect(rules.columns.get('amount')).toBe(5);
    expect(rules.columns.get('memo')).toBe('Payment Details');
    expect(rules.columns.has('Date')).toBe(false);
  });

  it('date-format keeps the pattern as written', () => {
    expect(parseRules('date-format YYYY/MM/DD').dateFormat).toBe('YYYY/MM/DD');
    expect(parseRules('date-format DD.MM.YYYY').dateFormat).toBe('DD.MM.YYYY');
    expect(parseRules('date-format YYYY年M月D日').dateFormat).toBe('YYYY年M月D日');
    expect(parseRules('date-format YYYYMMDD').dateFormat).toBe('YYYYMMDD');
  });

  it('decimal-mark and thousands-separator (none, space, apostrophe)', () => {
    const de = parseRules('decimal-mark ,\nthousands-separator .');
    expect(de.decimalMark).toBe(',');
    expect(de.thousandsSeparator).toBe('.');
    expect(parseRules('thousands-separator none').thousandsSeparator).toBe('');
    expect(parseRules("thousands-separator '").thousandsSeparator).toBe("'");
    expect(parseRules('decimal-mark ,\nthousands-separator none')).toMatchObject({ decimalMark: ',', thousandsSeparator: '' });
    // A trailing blank is trimmed away, so "thousands-separator " alone is taken as a space.
    expect(parseRules('thousands-separator ').thousandsSeparator).toBe(' ');
  });

  it('thousands-separator space: the word the error message offers is accepted', () => {
    // The refusal says "thousands-separator is , . ' space or none"; a trailing blank is invisible
    // and most editors strip it, so the word is the only dependable way to write it.
    expect(parseRules('thousands-separator space').thousandsSeparator).toBe(' ');
  });

  it('credit and debit: header names or positions', () => {
    const rules = parseRules('credit 贷方发生额\ndebit 4');
    expect(rules.credit).toBe('贷方发生额');
    expect(rules.debit).toBe(4);
  });

  it('default: the field is lower-cased, the value keeps its spaces', () => {
    const rules = parseRules('default Method bank\ndefault memo from the ICBC statement');
    expect(rules.defaults.get('method')).toBe('bank');
    expect(rules.defaults.get('memo')).toBe('from the ICBC statement');
  });

  it('if FIELD ~ REGEX skip / set FIELD VALUE: case-insensitive patterns, the line kept', () => {
    const rules = parseRules('# header\nif 摘要 ~ 退款 skip\nif 对方户名 ~ 华美|HUAMEI set Customer C001\nif memo ~ ^fee\\s+\\d+$ set method other');
    expect(rules.conditions).toHaveLength(3);
    const [skip, set, fee] = rules.conditions;
    expect(skip).toMatchObject({ field: '摘要', action: { kind: 'skip' }, line: 2 });
    expect(skip!.pattern.test('退款 返还多收货款')).toBe(true);
    expect(set).toMatchObject({ field: '对方户名', action: { kind: 'set', field: 'customer', value: 'C001' }, line: 3 });
    expect(set!.pattern.test('Shanghai huamei Trading')).toBe(true);
    expect(set!.pattern.flags).toContain('i');
    expect(fee).toMatchObject({ field: 'memo', action: { kind: 'set', field: 'method', value: 'other' }, line: 4 });
    expect(fee!.pattern.test('FEE 12')).toBe(true);
    expect(fee!.pattern.test('fee twelve')).toBe(false);
  });

  it('if … set keeps a value with spaces', () => {
    const rules = parseRules('if 摘要 ~ 货款 set memo sales receipt (goods)');
    expect(rules.conditions[0]!.action).toEqual({ kind: 'set', field: 'memo', value: 'sales receipt (goods)' });
  });

  it('a BOM, CRLF line ends and surrounding blanks are tolerated', () => {
    const rules = parseRules('\uFEFFencoding gbk\r\n  skip 2  \r\ncolumn date 交易日期\r\n');
    expect(rules.encoding).toBe('gbk');
    expect(rules.skip).toBe(2);
    expect(rules.columns.get('date')).toBe('交易日期');
  });

  it('the ICBC and ERP rules files of fixtures/import parse as documented', async () => {
    const fs = await import('node:fs');
    const icbc = parseRules(fs.readFileSync('fixtures/import/icbc.rules', 'utf8'), 'icbc.rules');
    expect(icbc).toMatchObject({ encoding: 'gbk', skip: 2, header: true, dateFormat: 'YYYY/MM/DD', credit: '贷方发生额', debit: '借方发生额' });
    expect(Object.fromEntries(icbc.columns)).toEqual({ date: '交易日期', memo: '摘要', customer: '对方户名', bank_ref: '交易流水号' });
    expect(Object.fromEntries(icbc.defaults)).toEqual({ method: 'bank' });
    expect(icbc.conditions.map((c) => [c.field, c.pattern.source, c.action.kind])).toEqual([['摘要', '退款', 'skip']]);
    const erp = parseRules(fs.readFileSync('fixtures/import/erp-invoices.rules', 'utf8'), 'erp-invoices.rules');
    expect(erp).toMatchObject({ separator: ';', dateFormat: 'DD.MM.YYYY', decimalMark: ',', thousandsSeparator: '.' });
    expect([...erp.columns.keys()]).toEqual(['number', 'customer', 'issue_date', 'due_date', 'net', 'tax', 'total', 'external_ref']);
  });
});

describe('parseRules: every error names its line, the file, the text and the reason', () => {
  const cases: [string, string, RegExp][] = [
    ['encoding latin1', 'encoding latin1', /encoding must be utf8, gbk, gb18030 or auto/],
    ['separator ;;', 'separator ;;', /separator must be one character, or TAB/],
    ['separator', 'separator', /separator must be one character/],
    ['skip two', 'skip two', /skip takes a number of lines/],
    ['skip -1', 'skip -1', /skip takes a number of lines/],
    ['header maybe', 'header maybe', /header is yes or no/],
    ['column date', 'column date', /column takes a target field and a source column/],
    ['date-format DD/MM/YY', 'date-format DD/MM/YY', /date-format needs YYYY, MM \(or M\) and DD \(or D\)/],
    ['date-format YYYY-MM', 'date-format YYYY-MM', /date-format needs YYYY/],
    ['decimal-mark ;', 'decimal-mark ;', /decimal-mark is \. or ,/],
    ['thousands-separator _', 'thousands-separator _', /thousands-separator is , \. ' space or none/],
    ['credit', 'credit', /credit takes a source column/],
    ['debit', 'debit', /debit takes a source column/],
    ['default method', 'default method', /default takes a field and a value/],
    ['if 摘要 退款 skip', 'if 摘要 退款 skip', /if FIELD ~ REGEX skip, or if FIELD ~ REGEX set FIELD VALUE/],
    ['if memo ~ x set customer', 'if memo ~ x set customer', /if FIELD ~ REGEX skip/],
    ['if memo ~ ([ skip', 'if memo ~ ([ skip', /bad regular expression/],
    ['colum date 交易日期', 'colum date 交易日期', /unknown directive "colum"; known: encoding, separator, skip/],
  ];
  it.each(cases)('%s', (_name, directive, reason) => {
    const problems = problemsOf(`# a comment\n\nencoding gbk\n${directive}\nskip 2\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({ row: 4, field: 'bank.rules', value: directive, reason: expect.stringMatching(reason) });
  });

  it('every bad line is listed, each with its own line, and the message says how many', () => {
    let error: ValidationError | undefined;
    try {
      parseRules('skip x\nencoding gbk\nheader 1\n\nbogus\n', 'my.rules');
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.message).toBe('3 problems in the input');
    expect(error!.hint).toMatch(/docs\/IMPORT\.md/);
    expect(error!.problems.map((p) => [p.row, p.field, p.value])).toEqual([
      [1, 'my.rules', 'skip x'],
      [3, 'my.rules', 'header 1'],
      [5, 'my.rules', 'bogus'],
    ]);
  });

  it('one bad line: the message itself names the line, the file and the text', () => {
    expect(() => parseRules('encoding gbk\nskip two', 'icbc.rules')).toThrow('line 2, icbc.rules: "skip two" skip takes a number of lines');
  });

  it('directives are case-sensitive: "Skip 2" is unknown', () => {
    expect(problemsOf('Skip 2')[0]).toMatchObject({ row: 1, value: 'Skip 2', reason: expect.stringMatching(/unknown directive "Skip"/) });
  });

  it('the same mark for decimals and thousands is refused, naming the line that made them clash', () => {
    const problems = problemsOf('# German amounts\nthousands-separator .\ndecimal-mark .\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ field: 'bank.rules', reason: expect.stringMatching(/decimal-mark and thousands-separator must differ/) });
    expect(problems[0]!.row).toBe(3);
  });
});
