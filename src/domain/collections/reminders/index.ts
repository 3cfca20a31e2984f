/** Payment reminders (催款): levels, planning, messages, runs, previews and invoice disputes. */
export { highestSentRank, levelToSend, reachedLevel, reminderLevels, type ReminderLevel } from './levels.js';
export {
  BUILT_IN_TEMPLATES,
  TEMPLATE_PLACEHOLDERS,
  dueStatus,
  isTemplateName,
  levelLabel,
  reminderContext,
  reminderTemplate,
  reminderTotals,
  renderReminder,
  type ReminderContent,
  type ReminderLine,
} from './message.js';
export { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateContext, type TemplateValue } from './template.js';
export { loadTemplates, reminderSettings, type ReminderSettings } from './settings.js';
export { planReminders, type PlanOptions, type ReminderBatch, type ReminderPlan, type SkipReason, type SkippedInvoice } from './plan.js';
export {
  checkReceiptsFresh,
  runReminders,
  type MessageOutcome,
  type MessageStatus,
  type OutgoingReminder,
  type ReminderRunOptions,
  type ReminderRunReport,
  type ReminderSender,
  type Transact,
} from './run.js';
export { previewReminder, type ReminderPreview } from './preview.js';
export { disputeInvoice, undisputeInvoice, type DisputeChange, type DisputeInput } from './dispute.js';
