import nodemailer from 'nodemailer';
import { smtpConfig, type SmtpConfig } from './config.js';
import { mailOptions } from './eml.js';
import { MailRejectedError, MailServerError } from './errors.js';
import type { MailMessage, SendResult } from './message.js';

export interface Mailer {
  /** The sender address (smtp.from). */
  readonly from: string;
  /**
   * Resolves once the server accepted the message (250 after DATA). Throws MailServerError
   * (exit 7) when it could not be delivered to the server, MailRejectedError (exit 5) when the
   * server refused it for good.
   */
  send(message: MailMessage): Promise<SendResult>;
  /** Releases the transport; sends after close fail. */
  close(): void;
}

export interface MailerOptions {
  /**
   * Connecting, the greeting and each DNS lookup may take this long (default 5 s); an idle socket
   * three times as long. Cron must never hang on a dead server.
   */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

interface NodemailerError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
  originalCode?: string;
  timeoutType?: string;
}

/** Socket errors of a connection that never opened (a reset may come mid-message: not here). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Maps a nodemailer failure to a typed error a user can act on. */
export function translateMailError(error: unknown, config: Pick<SmtpConfig, 'host' | 'port'>): Error {
  if (!(error instanceof Error)) return new MailServerError(`sending mail failed: ${String(error)}`, undefined, false);
  const e = error as NodemailerError;
  const server = `${config.host}:${config.port}`;
  const detail = (e.response ?? e.message).trim();
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return new MailServerError(`the SMTP server ${server} refused the login: ${detail}`, 'check smtp.user and the password (smtp.password_env or smtp.password_file)', true);
  }
  // nodemailer labels every failure of a non-pooled send `command: 'CONN'`, a connection dropped
  // in the middle of DATA included, so only these say the server was never reached.
  const beforeSession = e.timeoutType === 'CONNECT_TIMEOUT' || e.timeoutType === 'GREETING_TIMEOUT' || e.timeoutType === 'UPGRADE_TIMEOUT'
    || e.code === 'EDNS' || e.code === 'ETLS'
    || (e.originalCode !== undefined && UNREACHABLE.has(e.originalCode))
    || (e.code !== undefined && UNREACHABLE.has(e.code));
  if (beforeSession) {
    return new MailServerError(
      `cannot reach the SMTP server ${server}: ${detail}`,
      'check smtp.host, smtp.port and smtp.secure, and that the server is up; nothing was sent',
      true,
    );
  }
  if (e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode !== 503) {
    return new MailRejectedError(`the SMTP server ${server} rejected the message: ${detail}`, 'check the recipient address; other messages are not affected');
  }
  if (e.responseCode !== undefined) {
    return new MailServerError(`the SMTP server ${server} did not accept the message for now: ${detail}`, 'run again later: messages not accepted are sent then', false);
  }
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT') {
    return new MailServerError(
      `the SMTP server ${server} dropped the connection before accepting the message: ${detail}`,
      'run again later: messages not accepted are sent then',
      false,
    );
  }
  return new MailServerError(`sending mail through ${server} failed: ${detail}`, undefined, false);
}

/**
 * An SMTP mailer from the settings (smtp.host, smtp.port, smtp.secure, smtp.user, smtp.from and
 * the password from the environment variable smtp.password_env or the file smtp.password_file).
 * Throws RefusedError, with the `owed settings set …` that fixes it, when something is missing.
 */
export function createMailer(settings: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, options: MailerOptions = {}): Mailer {
  const config = smtpConfig(settings, env);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.auth ? { auth: { user: config.auth.user, pass: config.auth.pass } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    dnsTimeout: timeout,
    socketTimeout: timeout * 3,
    socketCloseTimeout: 1000,
  });
  return {
    from: config.from.address,
    async send(message) {
      try {
        const info = await transport.sendMail(mailOptions(message, config.from));
        return { messageId: String(info.messageId) };
      } catch (error) {
        throw translateMailError(error, config);
      }
    },
    close() {
      transport.close();
    },
  };
}
