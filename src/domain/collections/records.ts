import type { IsoDate } from '../dates.js';

export type AlertLevel = 'warn' | 'critical';
export type AlertState = 'new' | 'ongoing' | 'escalated' | 'resolved' | 'acknowledged';

/** An alert as kept between runs: its key is the rule and the subject, stable across nights. */
export interface StoredAlert {
  readonly key: string;
  readonly rule: string;
  readonly subject: string;
  readonly level: AlertLevel;
  readonly state: AlertState;
  readonly message: string;
  readonly firstSeen: IsoDate;
  readonly lastSeen: IsoDate;
  readonly changedOn: IsoDate;
  readonly resolvedOn: IsoDate | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly ackNote: string | null;
  /** The highest level already sent by --notify, so a second run sends nothing. */
  readonly notifiedLevel: AlertLevel | null;
  readonly notifiedAt: string | null;
}

export interface ReminderRecord {
  readonly invoice: string;
  readonly level: string;
  readonly levelDays: number;
  readonly customer: string;
  readonly sentOn: IsoDate;
  readonly sentAt: string;
  readonly channel: 'smtp' | 'outbox';
  readonly messageId: string | null;
  readonly recipient: string;
}
