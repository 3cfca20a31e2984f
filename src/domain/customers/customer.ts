import type { Money } from '../money/index.js';

export type CustomerLanguage = 'zh-CN' | 'en';

export interface Customer {
  readonly code: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly taxId: string | null;
  readonly currency: string;
  readonly terms: string;
  /** null: no limit. A zero limit means cash only. */
  readonly creditLimit: Money | null;
  readonly segment: string | null;
  /** MM-DD, for care reminders. */
  readonly birthday: string | null;
  readonly address: string | null;
  readonly language: CustomerLanguage;
  readonly onHold: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The fields a user may set on a customer; code and audit timestamps are not among them. */
export type CustomerFields = Omit<Customer, 'code' | 'createdAt' | 'updatedAt'>;
