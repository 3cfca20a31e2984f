import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { UsageError } from '../domain/errors.js';
import type { MailFrom } from './config.js';
import type { MailMessage } from './message.js';

/** A fresh Message-ID in the sender's domain: `<uuid@example.com>`. */
export function newMessageId(from: string): string {
  const domain = /@([^\s@<>]+)>?$/.exec(from.trim())?.[1] ?? 'owed.invalid';
  return `<${randomUUID()}@${domain}>`;
}

/** The fields nodemailer needs for a message, from ours. */
export function mailOptions(message: MailMessage, from: MailFrom | string) {
  return {
    from: typeof from === 'string' ? from : from.name === '' ? from.address : { name: from.name, address: from.address },
    to: [...message.to],
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    ...(message.messageId !== undefined ? { messageId: message.messageId } : {}),
    headers: { 'Auto-Submitted': 'auto-generated', ...(message.headers ?? {}) },
  };
}

/** The raw RFC 5322 message (CRLF line ends), as an SMTP server would receive it. */
export async function composeEml(message: MailMessage & { readonly from: MailFrom | string }): Promise<{ raw: Buffer; messageId: string }> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail(mailOptions(message, message.from));
  const raw = info.message;
  if (!Buffer.isBuffer(raw)) throw new Error('nodemailer stream transport did not return a buffer');
  return { raw, messageId: info.messageId };
}

function safeName(text: string): string {
  const cleaned = text.replace(/[^\p{L}\p{N}._@-]+/gu, '_').replace(/^[._]+/, '').slice(0, 120);
  return cleaned === '' ? 'message' : cleaned;
}

/**
 * Writes the message as an .eml file in dir (created if missing) and returns its path. The name is
 * options.name (made safe) or the first recipient, never overwriting a file: `-2`, `-3` … are
 * appended when taken.
 */
export async function writeEml(
  dir: string,
  message: MailMessage & { readonly from: MailFrom | string },
  options: { readonly name?: string } = {},
): Promise<string> {
  const { raw } = await composeEml(message);
  const base = safeName(options.name ?? message.to[0] ?? 'message');
  try {
    await fs.mkdir(dir, { recursive: true });
    for (let n = 1; ; n++) {
      const file = path.join(dir, `${base}${n === 1 ? '' : `-${n}`}.eml`);
      try {
        await fs.writeFile(file, raw, { flag: 'wx' });
        return file;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 1000) throw error;
      }
    }
  } catch (error) {
    throw new UsageError(`cannot write to the outbox ${dir}: ${(error as Error).message}`, 'choose an --outbox directory you can write to');
  }
}
