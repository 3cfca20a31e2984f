import type { IsoDate } from '../../dates.js';
import type { AlertLevel, StoredAlert } from '../records.js';
import type { Finding } from './rules.js';

const RANK: Record<AlertLevel, number> = { warn: 1, critical: 2 };

export function atLeast(level: AlertLevel, threshold: AlertLevel): boolean {
  return RANK[level] >= RANK[threshold];
}

export function isActive(a: StoredAlert): boolean {
  return a.state !== 'resolved';
}

/**
 * The next state of every alert given tonight's findings. An alert is new the day it appears (or
 * reappears after being resolved), ongoing after that, escalated the day its level rises, and
 * resolved the day its rule no longer finds it. An acknowledged alert stays acknowledged until it
 * escalates or resolves. Running twice on the same date changes nothing.
 */
export function nextAlerts(previous: readonly StoredAlert[], findings: readonly Finding[], asOf: IsoDate): StoredAlert[] {
  const before = new Map(previous.map((a) => [a.key, a]));
  const found = new Map(findings.map((f) => [`${f.rule}:${f.subject}`, f]));
  const changed: StoredAlert[] = [];

  for (const [key, f] of found) {
    const old = before.get(key);
    if (!old || old.state === 'resolved') {
      changed.push({
        key, rule: f.rule, subject: f.subject, level: f.level, state: 'new', message: f.message,
        firstSeen: asOf, lastSeen: asOf, changedOn: asOf, resolvedOn: null,
        acknowledgedAt: null, acknowledgedBy: null, ackNote: null, notifiedLevel: null, notifiedAt: null,
      });
      continue;
    }
    if (old.lastSeen === asOf && old.level === f.level) {
      if (old.message !== f.message) changed.push({ ...old, message: f.message });
      continue;
    }
    const escalated = RANK[f.level] > RANK[old.level];
    const state = escalated ? 'escalated' : old.state === 'acknowledged' ? 'acknowledged' : old.lastSeen === asOf ? old.state : 'ongoing';
    // After a drop, the lower level is what was last true: rising again is news worth sending.
    const notifiedLevel = old.notifiedLevel !== null && RANK[old.notifiedLevel] > RANK[f.level] ? f.level : old.notifiedLevel;
    changed.push({
      ...old,
      level: f.level,
      notifiedLevel,
      state,
      message: f.message,
      lastSeen: asOf,
      changedOn: state !== old.state || f.level !== old.level ? asOf : old.changedOn,
    });
  }
  for (const old of previous) {
    if (isActive(old) && !found.has(old.key)) {
      changed.push({ ...old, state: 'resolved', resolvedOn: asOf, changedOn: asOf });
    }
  }
  return changed;
}

/** What localeCompare does, made once: a night can sort tens of thousands of alerts. */
const byKey = new Intl.Collator().compare;

/** New and escalated first, then critical before warn, then by key. */
export function byAttention(a: StoredAlert, b: StoredAlert): number {
  const urgent = (x: StoredAlert) => (x.state === 'new' || x.state === 'escalated' ? 0 : 1);
  return urgent(a) - urgent(b) || RANK[b.level] - RANK[a.level] || byKey(a.key, b.key);
}

/** What --notify still owes: active, not acknowledged, and never sent at this level or higher. */
export function needsNotice(a: StoredAlert): boolean {
  if (!isActive(a) || a.state === 'acknowledged') return false;
  return a.notifiedLevel === null || RANK[a.level] > RANK[a.notifiedLevel];
}
