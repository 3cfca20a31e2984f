import type { CustomerLanguage } from '../../customers/customer.js';
import { RefusedError } from '../../errors.js';
import { defaultSettings } from '../../settings/registry.js';
import { reminderLevels, type ReminderLevel } from './levels.js';
import { reminderTemplate } from './message.js';
import type { CompiledTemplate } from './template.js';

/** The remind.* settings, read and checked once per run. */
export interface ReminderSettings {
  readonly levels: readonly ReminderLevel[];
  /** The level that puts the customer on credit hold; null when remind.hold_level is empty. */
  readonly holdLevel: ReminderLevel | null;
  readonly maxReceiptsAgeDays: number;
  readonly paymentInstructions: string;
  readonly company: string;
  /** File of a replacement template per language ('' for the built-in one). */
  readonly templateFiles: Readonly<Record<CustomerLanguage, string>>;
  /** Every setting, stored over the defaults (smtp.* for the sender). */
  readonly all: ReadonlyMap<string, string>;
}

export function reminderSettings(stored: ReadonlyMap<string, string>): ReminderSettings {
  const all = new Map(defaultSettings());
  for (const [key, value] of stored) all.set(key, value);
  const get = (key: string): string => (all.get(key) ?? '').trim();
  const levels = reminderLevels(get('remind.levels'));
  const holdName = get('remind.hold_level').toLowerCase();
  const holdLevel = holdName === '' ? null : levels.find((l) => l.name === holdName);
  if (holdLevel === undefined) {
    throw new RefusedError(
      `remind.hold_level is "${holdName}", which is not one of the levels in remind.levels (${levels.map((l) => l.name).join(', ')})`,
      `owed settings set remind.hold_level ${levels[levels.length - 1]?.name ?? 'final'}   (or "" for no credit hold)`,
    );
  }
  return {
    levels,
    holdLevel,
    maxReceiptsAgeDays: Number(get('remind.max_receipts_age_days') || '7'),
    // A value typed on one shell line may carry "\n" for its line breaks.
    paymentInstructions: get('remind.payment_instructions').replace(/\\n/g, '\n'),
    company: get('company.name'),
    templateFiles: { 'zh-CN': get('remind.template.zh-CN'), en: get('remind.template.en') },
    all,
  };
}

/**
 * The template of each language: built in, or read through readTemplate from the file named in
 * remind.template.<language>. A template that does not compile stops the run before anything is
 * sent.
 */
export function loadTemplates(settings: ReminderSettings, readTemplate: (file: string, setting: string) => string): Record<CustomerLanguage, CompiledTemplate> {
  const one = (language: CustomerLanguage): CompiledTemplate => {
    const file = settings.templateFiles[language];
    const setting = `remind.template.${language}`;
    return file === '' ? reminderTemplate(language, undefined, setting) : reminderTemplate(language, readTemplate(file, setting), `${setting} (${file})`);
  };
  return { 'zh-CN': one('zh-CN'), en: one('en') };
}
