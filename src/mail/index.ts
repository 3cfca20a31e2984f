/**
 * Outgoing e-mail for reminders and alerts: SMTP through nodemailer, or .eml files for an outbox.
 * Configuration comes from the company settings (smtp.*); secrets from the environment or a file.
 */
export type { MailMessage, SendResult } from './message.js';
export { mailFrom, smtpConfig, type MailFrom, type SmtpConfig } from './config.js';
export { createMailer, translateMailError, type Mailer, type MailerOptions } from './mailer.js';
export { composeEml, newMessageId, writeEml } from './eml.js';
export { MailRejectedError, MailServerError, isFatalMailError } from './errors.js';
