import type { CustomerLanguage } from '../../customers/customer.js';
import type { IsoDate } from '../../dates.js';
import { add, formatMoney, money, type Money } from '../../money/index.js';
import type { ReminderLevel } from './levels.js';
import { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateContext } from './template.js';

/** One invoice in a reminder. */
export interface ReminderLine {
  readonly invoice: string;
  readonly currency: string;
  /** Open amount as of the run, in minor units. */
  readonly open: number;
  readonly issueDate: IsoDate;
  readonly dueDate: IsoDate;
  /** Days past the due date as of the run; negative before it. */
  readonly days: number;
  readonly level: ReminderLevel;
}

/** Everything a reminder message says, before it is put into words. */
export interface ReminderContent {
  readonly language: CustomerLanguage;
  readonly company: string;
  readonly customer: string;
  readonly customerName: string;
  readonly asOf: IsoDate;
  /** The highest level among the lines: it sets the tone of the message. */
  readonly level: ReminderLevel;
  readonly lines: readonly ReminderLine[];
  /** The customer is (or with this message goes) on credit hold because of the reminders. */
  readonly onHold: boolean;
  readonly paymentInstructions: string;
}

const LABELS: Record<CustomerLanguage, Record<string, string>> = {
  en: {
    courtesy: 'Courtesy reminder',
    first: 'Payment reminder',
    second: 'Second reminder',
    final: 'Final notice',
    collections: 'Referral to collections',
  },
  'zh-CN': {
    courtesy: '到期提醒',
    first: '付款提醒',
    second: '第二次付款提醒',
    final: '最后付款通知',
    collections: '移交催收通知',
  },
};

/** The name of a level in the customer's language; levels of your own are shown by name. */
export function levelLabel(name: string, language: CustomerLanguage): string {
  const known = LABELS[language][name];
  if (known !== undefined) return known;
  return language === 'en' ? `Payment reminder (${name})` : `付款提醒（${name}）`;
}

/** "23 days overdue", "due today", "due in 3 days" — or in Chinese. */
export function dueStatus(days: number, language: CustomerLanguage): string {
  if (language === 'zh-CN') {
    if (days > 0) return `已逾期 ${days} 天`;
    if (days === 0) return '今天到期';
    return `${-days} 天后到期`;
  }
  if (days > 1) return `${days} days overdue`;
  if (days === 1) return '1 day overdue';
  if (days === 0) return 'due today';
  if (days === -1) return 'due tomorrow';
  return `due in ${-days} days`;
}

/** Σ open per currency, in order of first appearance. */
export function reminderTotals(lines: readonly Pick<ReminderLine, 'open' | 'currency'>[]): Money[] {
  const totals = new Map<string, Money>();
  for (const l of lines) {
    const m = money(l.open, l.currency);
    const previous = totals.get(l.currency);
    totals.set(l.currency, previous === undefined ? m : add(previous, m));
  }
  return [...totals.values()];
}

function amount(m: Money): string {
  return `${formatMoney(m)} ${m.currency}`;
}

const TOP_NAMES = [
  'company', 'customer_code', 'customer_name', 'as_of', 'level', 'level_label', 'level_days', 'total',
  'payment_instructions', 'on_hold', 'before_due', 'single', 'invoice_count', 'invoices',
];
const LINE_NAMES = ['number', 'open', 'currency', 'issue_date', 'due_date', 'days_overdue', 'days_to_due', 'status', 'level', 'level_label'];
const KNOWN = new Set([...TOP_NAMES, ...LINE_NAMES]);

/** Placeholders a template may use; `is_<level>` is true for the level of the message. */
export function isTemplateName(name: string): boolean {
  return KNOWN.has(name) || /^is_[a-z][a-z0-9_-]*$/.test(name);
}

export const TEMPLATE_PLACEHOLDERS = {
  message: TOP_NAMES,
  invoice: LINE_NAMES,
} as const;

/** The values a template sees. */
export function reminderContext(content: ReminderContent): TemplateContext {
  const language = content.language;
  const invoices: TemplateContext[] = content.lines.map((l) => ({
    number: l.invoice,
    open: formatMoney(money(l.open, l.currency)),
    currency: l.currency,
    issue_date: l.issueDate,
    due_date: l.dueDate,
    days_overdue: Math.max(0, l.days),
    days_to_due: Math.max(0, -l.days),
    status: dueStatus(l.days, language),
    level: l.level.name,
    level_label: levelLabel(l.level.name, language),
  }));
  return {
    company: content.company,
    customer_code: content.customer,
    customer_name: content.customerName,
    as_of: content.asOf,
    level: content.level.name,
    level_label: levelLabel(content.level.name, language),
    level_days: content.level.days,
    total: reminderTotals(content.lines).map(amount).join(' + '),
    payment_instructions: content.paymentInstructions,
    on_hold: content.onHold,
    before_due: content.lines.every((l) => l.days <= 0),
    single: content.lines.length === 1,
    invoice_count: content.lines.length,
    invoices,
    [`is_${content.level.name}`]: true,
  };
}

export const BUILT_IN_TEMPLATES: Record<CustomerLanguage, string> = {
  en: `Subject: {{level_label}}{{#company}} from {{company}}{{/company}}: {{total}} {{#before_due}}due soon{{/before_due}}{{^before_due}}outstanding{{/before_due}}

Dear {{customer_name}},

{{#before_due}}
This is a courtesy reminder that the following {{#single}}invoice falls{{/single}}{{^single}}invoices fall{{/single}} due soon:
{{/before_due}}
{{^before_due}}
According to our records, the following {{#single}}invoice is{{/single}}{{^single}}invoices are{{/single}} unpaid as of {{as_of}}:
{{/before_due}}

{{#invoices}}
  {{number}}  {{open}} {{currency}}  due {{due_date}}, {{status}}
{{/invoices}}

Total due: {{total}}

{{#is_second}}
This is our second reminder. Please arrange payment without further delay.

{{/is_second}}
{{#is_final}}
This is our final notice. Please pay the amount due immediately.

{{/is_final}}
{{#on_hold}}
Your account has been placed on credit hold: we cannot accept new orders until the amount due is paid.

{{/on_hold}}
{{#is_collections}}
As the amount remains unpaid despite our reminders, the matter has been handed to our collections department.

{{/is_collections}}
{{#payment_instructions}}
How to pay:
{{payment_instructions}}

{{/payment_instructions}}
Please quote the invoice {{#single}}number{{/single}}{{^single}}numbers{{/single}} with your payment. If you have already paid, thank you, and please disregard this message.

Yours sincerely,
{{#company}}{{company}} {{/company}}Accounts Receivable
`,
  'zh-CN': `Subject: {{#company}}【{{company}}】{{/company}}{{level_label}}：{{#before_due}}即将到期{{/before_due}}{{^before_due}}应付{{/before_due}}金额 {{total}}

尊敬的{{customer_name}}：

{{#before_due}}
您好！以下发票即将到期，特此提醒：
{{/before_due}}
{{^before_due}}
您好！根据我方记录，截至 {{as_of}}，以下发票尚未付清：
{{/before_due}}

{{#invoices}}
  {{number}}  未付 {{open}} {{currency}}  到期日 {{due_date}}，{{status}}
{{/invoices}}

应付合计：{{total}}

{{#is_second}}
这是我方第二次提醒，请尽快安排付款。

{{/is_second}}
{{#is_final}}
这是最后付款通知，请立即支付上述款项。

{{/is_final}}
{{#on_hold}}
贵方账户已暂停赊销：在上述款项付清之前，我方无法接受新的订单。

{{/on_hold}}
{{#is_collections}}
由于上述款项经多次提醒仍未付清，此事已移交我方催收部门处理。

{{/is_collections}}
{{#payment_instructions}}
付款方式：
{{payment_instructions}}

{{/payment_instructions}}
付款时请注明发票号码。如您已付款，谢谢，请忽略本通知。

此致
敬礼！

{{company}}财务部
`,
};

/** The built-in template of a language, or the replacement text from the file named in settings. */
export function reminderTemplate(language: CustomerLanguage, replacement: string | undefined, source: string): CompiledTemplate {
  return compileTemplate(replacement ?? BUILT_IN_TEMPLATES[language], source, isTemplateName);
}

export function renderReminder(content: ReminderContent, template: CompiledTemplate): { subject: string; text: string } {
  return renderTemplate(template, reminderContext(content));
}
