import type { Actor } from '../../actor.js';
import { NotFoundError, RefusedError } from '../../errors.js';
import type { Store } from '../../store.js';
import { requirePermission } from '../../users/roles.js';
import type { AlertLevel, StoredAlert } from '../records.js';
import { atLeast, byAttention, isActive, needsNotice, nextAlerts } from './lifecycle.js';
import { evaluateRules } from './rules.js';

export interface AlertRun {
  /** Every alert active after this run, most urgent first. */
  readonly active: readonly StoredAlert[];
  /** Alerts resolved by this run. */
  readonly resolved: readonly StoredAlert[];
  /** Active alerts that --notify has not yet sent at their level. */
  readonly toNotify: readonly StoredAlert[];
}

/** Evaluates every rule as of D and moves each alert to its next state; safe to run twice. */
export async function runAlerts(store: Store, actor: Actor, asOf: string): Promise<AlertRun> {
  const previous = await store.alerts.all();
  const findings = await evaluateRules(store, asOf);
  const changed = nextAlerts(previous, findings, asOf);
  const current = new Map(previous.map((a) => [a.key, a]));
  await store.alerts.saveAll(changed, current, actor.now);
  for (const a of changed) current.set(a.key, a);
  const all = [...current.values()];
  const active = all.filter(isActive).sort(byAttention);
  return {
    active,
    resolved: changed.filter((a) => a.state === 'resolved' && a.resolvedOn === asOf),
    toNotify: active.filter(needsNotice),
  };
}

export function failing(run: AlertRun, threshold: AlertLevel): StoredAlert[] {
  return run.active.filter((a) => a.state !== 'acknowledged' && atLeast(a.level, threshold));
}

/** Records that these alerts were sent, at their current level, so the next run stays quiet. */
export async function markNotified(store: Store, actor: Actor, alerts: readonly StoredAlert[]): Promise<void> {
  const current = new Map((await store.alerts.all()).map((a) => [a.key, a]));
  const marked: StoredAlert[] = [];
  for (const sent of alerts) {
    const now = current.get(sent.key);
    if (now) marked.push({ ...now, notifiedLevel: sent.level, notifiedAt: actor.now });
  }
  await store.alerts.saveAll(marked, current, actor.now);
}

export async function acknowledgeAlert(store: Store, actor: Actor, key: string, note: string | undefined): Promise<StoredAlert> {
  requirePermission(actor.user, actor.role, 'finance', 'acknowledge alerts');
  const alert = await store.alerts.find(key);
  if (!alert) throw new NotFoundError('alert', key, 'list alerts with: owed alert list');
  if (alert.state === 'resolved') throw new RefusedError(`alert ${key} was resolved on ${alert.resolvedOn}; nothing to acknowledge`);
  const acked: StoredAlert = {
    ...alert,
    state: 'acknowledged',
    changedOn: actor.today,
    acknowledgedAt: actor.now,
    acknowledgedBy: actor.user,
    ackNote: note?.trim() || null,
  };
  await store.alerts.save(acked, actor.now);
  await store.audit.record({ entity: 'alert', key, action: 'ack', detail: { note: acked.ackNote, level: alert.level } });
  return acked;
}
