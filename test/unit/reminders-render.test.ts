import { describe, expect, it } from 'vitest';
import { reminderLevels } from '../../src/domain/collections/reminders/levels.js';
import {
  BUILT_IN_TEMPLATES,
  dueStatus,
  levelLabel,
  reminderTemplate,
  renderReminder,
  type ReminderContent,
  type ReminderLine,
} from '../../src/domain/collections/reminders/message.js';
import { checkReceiptsFresh } from '../../src/domain/collections/reminders/run.js';
import { loadTemplates, reminderSettings } from '../../src/domain/collections/reminders/settings.js';
import { compileTemplate, renderTemplate } from '../../src/domain/collections/reminders/template.js';
import { RefusedError, ValidationError } from '../../src/domain/errors.js';

const [courtesy, first, second, final] = reminderLevels('-3:courtesy,1:first,15:second,30:final,60:collections');

function line(invoice: string, open: number, dueDate: string, days: number, level = first!): ReminderLine {
  return { invoice, currency: 'CNY', open, issueDate: '2026-09-01', dueDate, days, level };
}

const finalNotice: ReminderContent = {
  language: 'en',
  company: 'Owed Trading Co.',
  customer: 'C001',
  customerName: 'Eastwind Ltd',
  asOf: '2026-12-05',
  level: final!,
  lines: [line('INV-2026-000001', 103120, '2026-11-04', 31, final), line('INV-2026-000007', 8030, '2026-11-20', 15, second)],
  onHold: true,
  paymentInstructions: 'Bank of China, Shanghai branch\nAccount 4563 5100 0000 1234',
};

const en = (content: ReminderContent) => renderReminder(content, reminderTemplate('en', undefined, 'remind.template.en'));
const zh = (content: ReminderContent) => renderReminder(content, reminderTemplate('zh-CN', undefined, 'remind.template.zh-CN'));

describe('reminder messages', () => {
  it('English final notice: every invoice, the total, the credit hold and how to pay', () => {
    const m = en(finalNotice);
    expect(m.subject).toBe('Final notice from Owed Trading Co.: 1,111.50 CNY outstanding');
    expect(m.text).toBe(`Dear Eastwind Ltd,

According to our records, the following invoices are unpaid as of 2026-12-05:

  INV-2026-000001  1,031.20 CNY  due 2026-11-04, 31 days overdue
  INV-2026-000007  80.30 CNY  due 2026-11-20, 15 days overdue

Total due: 1,111.50 CNY

This is our final notice. Please pay the amount due immediately.

Your account has been placed on credit hold: we cannot accept new orders until the amount due is paid.

How to pay:
Bank of China, Shanghai branch
Account 4563 5100 0000 1234

Please quote the invoice numbers with your payment. If you have already paid, thank you, and please disregard this message.

Yours sincerely,
Owed Trading Co. Accounts Receivable
`);
  });

  it('Chinese final notice, same content', () => {
    const m = zh({ ...finalNotice, language: 'zh-CN', customerName: '上海华美贸易有限公司', company: '欧德贸易', paymentInstructions: '中国银行上海分行 账号 4563 5100 0000 1234' });
    expect(m.subject).toBe('【欧德贸易】最后付款通知：应付金额 1,111.50 CNY');
    expect(m.text).toBe(`尊敬的上海华美贸易有限公司：

您好！根据我方记录，截至 2026-12-05，以下发票尚未付清：

  INV-2026-000001  未付 1,031.20 CNY  到期日 2026-11-04，已逾期 31 天
  INV-2026-000007  未付 80.30 CNY  到期日 2026-11-20，已逾期 15 天

应付合计：1,111.50 CNY

这是最后付款通知，请立即支付上述款项。

贵方账户已暂停赊销：在上述款项付清之前，我方无法接受新的订单。

付款方式：
中国银行上海分行 账号 4563 5100 0000 1234

付款时请注明发票号码。如您已付款，谢谢，请忽略本通知。

此致
敬礼！

欧德贸易财务部
`);
  });

  it('a courtesy reminder before the due date, one invoice, no company name or instructions', () => {
    const content: ReminderContent = {
      ...finalNotice,
      company: '',
      paymentInstructions: '',
      onHold: false,
      level: courtesy!,
      lines: [line('INV-2026-000009', 50000, '2026-12-08', -3, courtesy)],
    };
    const m = en(content);
    expect(m.subject).toBe('Courtesy reminder: 500.00 CNY due soon');
    expect(m.text).toBe(`Dear Eastwind Ltd,

This is a courtesy reminder that the following invoice falls due soon:

  INV-2026-000009  500.00 CNY  due 2026-12-08, due in 3 days

Total due: 500.00 CNY

Please quote the invoice number with your payment. If you have already paid, thank you, and please disregard this message.

Yours sincerely,
Accounts Receivable
`);
    const z = zh({ ...content, language: 'zh-CN', customerName: '华美' });
    expect(z.subject).toBe('到期提醒：即将到期金额 500.00 CNY');
    expect(z.text).toBe(`尊敬的华美：

您好！以下发票即将到期，特此提醒：

  INV-2026-000009  未付 500.00 CNY  到期日 2026-12-08，3 天后到期

应付合计：500.00 CNY

付款时请注明发票号码。如您已付款，谢谢，请忽略本通知。

此致
敬礼！

财务部
`);
  });

  it('words for each level and each distance from the due date', () => {
    expect(['courtesy', 'first', 'second', 'final', 'collections', 'legal'].map((n) => levelLabel(n, 'en'))).toEqual([
      'Courtesy reminder', 'Payment reminder', 'Second reminder', 'Final notice', 'Referral to collections', 'Payment reminder (legal)',
    ]);
    expect(['courtesy', 'first', 'second', 'final', 'collections', 'legal'].map((n) => levelLabel(n, 'zh-CN'))).toEqual([
      '到期提醒', '付款提醒', '第二次付款提醒', '最后付款通知', '移交催收通知', '付款提醒（legal）',
    ]);
    expect([3, 1, 0, -1, -2].map((d) => dueStatus(d, 'en'))).toEqual(['3 days overdue', '1 day overdue', 'due today', 'due tomorrow', 'due in 2 days']);
    expect([3, 0, -2].map((d) => dueStatus(d, 'zh-CN'))).toEqual(['已逾期 3 天', '今天到期', '2 天后到期']);
  });

  it('the collections level says the matter was handed over', () => {
    const [, , , , collections] = reminderLevels('-3:courtesy,1:first,15:second,30:final,60:collections');
    const m = en({ ...finalNotice, level: collections!, lines: [line('INV-2026-000001', 103120, '2026-10-04', 62, collections)] });
    expect(m.subject).toBe('Referral to collections from Owed Trading Co.: 1,031.20 CNY outstanding');
    expect(m.text).toContain('\nAs the amount remains unpaid despite our reminders, the matter has been handed to our collections department.\n');
    expect(m.text).not.toContain('final notice');
  });
});

describe('replacement templates', () => {
  it('a file with a Subject line, sections on lines of their own and a loop over the invoices', () => {
    const source = [
      'Subject: {{customer_code}}: {{invoice_count}} invoice(s), {{total}}',
      '',
      '{{! a comment line vanishes }}',
      'Hello {{customer_name}},',
      '{{#invoices}}',
      '* {{number}} {{open}} ({{level_label}}, {{days_overdue}} days)',
      '{{/invoices}}',
      '{{#is_second}}',
      'Second time!',
      '{{/is_second}}',
      '{{^payment_instructions}}',
      'Call us.',
      '{{/payment_instructions}}',
    ].join('\r\n');
    const t = reminderTemplate('en', source, 'remind.template.en');
    const m = renderReminder({ ...finalNotice, level: second!, paymentInstructions: '' }, t);
    expect(m.subject).toBe('C001: 2 invoice(s), 1,111.50 CNY');
    expect(m.text).toBe('Hello Eastwind Ltd,\n* INV-2026-000001 1,031.20 (Final notice, 31 days)\n* INV-2026-000007 80.30 (Second reminder, 15 days)\nSecond time!\nCall us.\n');
  });

  it('refuses a template without a Subject line, with unknown placeholders or unbalanced sections, listing every problem', () => {
    expect(() => reminderTemplate('en', 'Dear {{customer_name}}', 'remind.template.en')).toThrow(/must start with a "Subject: …" line/);
    try {
      reminderTemplate('en', 'Subject: {{nope}}\n\n{{#invoices}}{{number}} {{amount}}\n{{/invoice}}', 'remind.template.en');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const problems = (error as ValidationError).problems.map((p) => `${p.field}: ${p.value} ${p.reason}`);
      expect(problems).toEqual([
        'remind.template.en (subject): {{nope}} is not a placeholder reminders know',
        'remind.template.en: {{amount}} is not a placeholder reminders know',
        'remind.template.en: {{/invoice}} closes {{#invoices}} with the wrong name',
        'remind.template.en: {{#invoices}} is never closed',
      ]);
    }
  });

  it('the mini template language: inverted sections, falsy values, no HTML escaping', () => {
    const t = compileTemplate('Subject: x\n\n{{#a}}A{{/a}}{{^a}}not A{{/a}} {{b}} {{#list}}[{{v}}]{{/list}}{{^list}}empty{{/list}}', 'test', () => true);
    expect(renderTemplate(t, { a: false, b: '<&>', list: [{ v: 1 }, { v: 2 }] }).text).toBe('not A <&> [1][2]\n');
    expect(renderTemplate(t, { a: 'yes', b: 0, list: [] }).text).toBe('A 0 empty\n');
  });

  it('loads the files named in settings, and the built-in text otherwise', () => {
    const settings = reminderSettings(new Map([['remind.template.en', '/etc/owed/en.txt']]));
    const read: string[] = [];
    const templates = loadTemplates(settings, (file, setting) => {
      read.push(`${setting}=${file}`);
      return 'Subject: Pay up\n\nPlease pay {{total}}.';
    });
    expect(read).toEqual(['remind.template.en=/etc/owed/en.txt']);
    expect(renderReminder(finalNotice, templates.en)).toEqual({ subject: 'Pay up', text: 'Please pay 1,111.50 CNY.\n' });
    expect(renderReminder({ ...finalNotice, language: 'zh-CN' }, templates['zh-CN']).subject).toBe('【Owed Trading Co.】最后付款通知：应付金额 1,111.50 CNY');
    expect(BUILT_IN_TEMPLATES.en.startsWith('Subject: ')).toBe(true);
  });
});

describe('reminder settings and the receipts check', () => {
  it('reads the defaults, turns \\n in payment instructions into line breaks, and refuses an unknown hold level', () => {
    const s = reminderSettings(new Map([['remind.payment_instructions', 'Bank A\\nAccount 1']]));
    expect(s.levels.map((l) => l.name)).toEqual(['courtesy', 'first', 'second', 'final', 'collections']);
    expect(s.holdLevel?.name).toBe('final');
    expect(s.maxReceiptsAgeDays).toBe(7);
    expect(s.paymentInstructions).toBe('Bank A\nAccount 1');
    expect(reminderSettings(new Map([['remind.hold_level', '']])).holdLevel).toBeNull();
    expect(() => reminderSettings(new Map([['remind.hold_level', 'legal']]))).toThrow(RefusedError);
  });

  it('refuses when the newest receipt is older than the window or there is none, unless forced', () => {
    expect(checkReceiptsFresh('2026-11-20', '2026-11-27', 7, false)).toBe(false);
    expect(() => checkReceiptsFresh('2026-11-19', '2026-11-27', 7, false)).toThrow(/newest receipt is dated 2026-11-19, 8 days before 2026-11-27/);
    expect(checkReceiptsFresh('2026-11-19', '2026-11-27', 7, true)).toBe(true);
    expect(() => checkReceiptsFresh(null, '2026-11-27', 7, false)).toThrow(RefusedError);
    expect(checkReceiptsFresh(null, '2026-11-27', 7, true)).toBe(true);
  });
});
