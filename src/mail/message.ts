/** One e-mail as owed composes it: plain text, optionally an HTML alternative. */
export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** A Message-ID chosen in advance (see newMessageId), so it can be recorded before sending. */
  readonly messageId?: string;
  /** Extra header lines, e.g. { 'X-Owed-Customer': 'C001' }. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendResult {
  /** The Message-ID header of the message, angle brackets included. */
  readonly messageId: string;
}
