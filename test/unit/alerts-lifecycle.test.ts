/**
 * The alert lifecycle without a database: nextAlerts moves each alert through new, ongoing,
 * escalated, acknowledged and resolved; byAttention orders them; needsNotice decides what
 * --notify still owes; atLeast compares levels.
 */
import { describe, expect, it } from 'vitest';
import { atLeast, byAttention, isActive, needsNotice, nextAlerts } from '../../src/domain/collections/alerts/lifecycle.js';
import type { Finding } from '../../src/domain/collections/alerts/rules.js';
import type { AlertLevel, AlertState, StoredAlert } from '../../src/domain/collections/records.js';

const INV = 'INV-2026-000001';
const KEY = `invoice_overdue:${INV}`;

function finding(level: AlertLevel, message = `${INV} is overdue`, rule = 'invoice_overdue', subject = INV): Finding {
  return { rule, subject, level, message };
}

function stored(over: Partial<StoredAlert> = {}): StoredAlert {
  return {
    key: KEY, rule: 'invoice_overdue', subject: INV, level: 'warn', state: 'new', message: `${INV} is overdue`,
    firstSeen: '2026-11-01', lastSeen: '2026-11-01', changedOn: '2026-11-01', resolvedOn: null,
    acknowledgedAt: null, acknowledgedBy: null, ackNote: null, notifiedLevel: null, notifiedAt: null,
    ...over,
  };
}

/** Runs nightly: applies the changes to the previous set, as run-alerts does. */
function apply(previous: readonly StoredAlert[], changed: readonly StoredAlert[]): StoredAlert[] {
  const all = new Map(previous.map((a) => [a.key, a]));
  for (const c of changed) all.set(c.key, c);
  return [...all.values()];
}

function night(previous: readonly StoredAlert[], findings: readonly Finding[], asOf: string): StoredAlert[] {
  return apply(previous, nextAlerts(previous, findings, asOf));
}

describe('nextAlerts', () => {
  it('a first finding is new, seen and changed today, never notified', () => {
    const changed = nextAlerts([], [finding('warn')], '2026-11-01');
    expect(changed).toEqual([stored()]);
  });

  it('the key is rule and subject; two rules on one subject are two alerts', () => {
    const changed = nextAlerts([], [finding('warn'), finding('warn', 'C001 is concentrated', 'concentration', 'C001'), finding('critical', 'C001 over limit', 'credit_exposure', 'C001')], '2026-11-01');
    expect(changed.map((a) => [a.key, a.rule, a.subject, a.level, a.state])).toEqual([
      [KEY, 'invoice_overdue', INV, 'warn', 'new'],
      ['concentration:C001', 'concentration', 'C001', 'warn', 'new'],
      ['credit_exposure:C001', 'credit_exposure', 'C001', 'critical', 'new'],
    ]);
  });

  it('running again the same day changes nothing (only a changed message is updated)', () => {
    const day1 = night([], [finding('warn')], '2026-11-01');
    expect(nextAlerts(day1, [finding('warn')], '2026-11-01')).toEqual([]);
    const reworded = nextAlerts(day1, [finding('warn', `${INV} is 32 days overdue`)], '2026-11-01');
    expect(reworded).toEqual([{ ...day1[0], message: `${INV} is 32 days overdue` }]);
  });

  it('the next day it is ongoing; the day it became ongoing is kept as changedOn after that', () => {
    let alerts = night([], [finding('warn')], '2026-11-01');
    alerts = night(alerts, [finding('warn', 'day 2')], '2026-11-02');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', level: 'warn', firstSeen: '2026-11-01', lastSeen: '2026-11-02', changedOn: '2026-11-02', message: 'day 2' });
    alerts = night(alerts, [finding('warn', 'day 3')], '2026-11-03');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', firstSeen: '2026-11-01', lastSeen: '2026-11-03', changedOn: '2026-11-02', message: 'day 3' });
    // and again on the same day: nothing
    expect(nextAlerts(alerts, [finding('warn', 'day 3')], '2026-11-03')).toEqual([]);
  });

  it('escalates the day its level rises, then goes on as ongoing at the new level', () => {
    let alerts = night([], [finding('warn')], '2026-11-01');
    alerts = night(alerts, [finding('warn')], '2026-11-02');
    alerts = night(alerts, [finding('critical')], '2026-11-03');
    expect(alerts[0]).toMatchObject({ state: 'escalated', level: 'critical', firstSeen: '2026-11-01', lastSeen: '2026-11-03', changedOn: '2026-11-03' });
    // a rerun the same day keeps it escalated
    expect(nextAlerts(alerts, [finding('critical')], '2026-11-03')).toEqual([]);
    alerts = night(alerts, [finding('critical')], '2026-11-04');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', level: 'critical', changedOn: '2026-11-04' });
  });

  it('a new alert whose level rises on a rerun the same day is escalated', () => {
    const alerts = night([], [finding('warn')], '2026-11-01');
    expect(nextAlerts(alerts, [finding('critical')], '2026-11-01')).toEqual([
      { ...alerts[0], level: 'critical', state: 'escalated' },
    ]);
  });

  it('de-escalation lowers the level without a new state: ongoing (or still new the same day)', () => {
    let alerts = night([], [finding('critical')], '2026-11-01');
    expect(nextAlerts(alerts, [finding('warn')], '2026-11-01')).toEqual([{ ...alerts[0], level: 'warn' }]);
    alerts = night(alerts, [finding('warn')], '2026-11-02');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', level: 'warn', changedOn: '2026-11-02' });
    // critical → warn on a later day for an ongoing alert: the level change moves changedOn
    alerts = night(alerts, [finding('critical')], '2026-11-05');
    alerts = night(alerts, [finding('critical')], '2026-11-06');
    alerts = night(alerts, [finding('warn')], '2026-11-09');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', level: 'warn', changedOn: '2026-11-09' });
  });

  it('an acknowledged alert stays acknowledged day after day and through de-escalation, until it escalates', () => {
    const acked = stored({ level: 'critical', state: 'acknowledged', firstSeen: '2026-10-01', lastSeen: '2026-11-01', changedOn: '2026-11-01', acknowledgedAt: '2026-11-01T09:00:00.000Z', acknowledgedBy: 'tester', ackNote: 'on it' });
    let alerts = night([acked], [finding('critical')], '2026-11-02');
    expect(alerts[0]).toMatchObject({ state: 'acknowledged', level: 'critical', lastSeen: '2026-11-02', changedOn: '2026-11-01', acknowledgedBy: 'tester', ackNote: 'on it' });
    alerts = night(alerts, [finding('warn')], '2026-11-03');
    expect(alerts[0]).toMatchObject({ state: 'acknowledged', level: 'warn', changedOn: '2026-11-03' });
    alerts = night(alerts, [finding('warn')], '2026-11-04');
    expect(alerts[0]).toMatchObject({ state: 'acknowledged', level: 'warn' });
    alerts = night(alerts, [finding('critical')], '2026-11-05');
    expect(alerts[0]).toMatchObject({ state: 'escalated', level: 'critical', changedOn: '2026-11-05' });
    alerts = night(alerts, [finding('critical')], '2026-11-06');
    expect(alerts[0]).toMatchObject({ state: 'ongoing', level: 'critical' });
  });

  it('acknowledged the same day it was acknowledged: a rerun does not undo the acknowledgement', () => {
    const acked = stored({ state: 'acknowledged', lastSeen: '2026-11-01', acknowledgedBy: 'tester' });
    expect(nextAlerts([acked], [finding('warn')], '2026-11-01')).toEqual([]);
  });

  it('resolves the day the rule no longer finds it, from any active state; resolved alerts stay resolved', () => {
    for (const state of ['new', 'ongoing', 'escalated', 'acknowledged'] as AlertState[]) {
      const before = stored({ state, level: state === 'escalated' ? 'critical' : 'warn' });
      const changed = nextAlerts([before], [], '2026-11-04');
      expect(changed, state).toEqual([{ ...before, state: 'resolved', resolvedOn: '2026-11-04', changedOn: '2026-11-04' }]);
      expect(isActive(changed[0]!)).toBe(false);
      // a second run that day, and the nights after, leave it alone
      expect(nextAlerts(changed, [], '2026-11-04')).toEqual([]);
      expect(nextAlerts(changed, [], '2026-11-05')).toEqual([]);
    }
  });

  it('reappearing after it was resolved, it is new again: first seen anew, acknowledgement and notice forgotten', () => {
    const resolved = stored({
      state: 'resolved', level: 'critical', firstSeen: '2026-09-01', lastSeen: '2026-10-01', changedOn: '2026-10-02', resolvedOn: '2026-10-02',
      acknowledgedAt: '2026-09-05T10:00:00.000Z', acknowledgedBy: 'tester', ackNote: 'paid soon', notifiedLevel: 'critical', notifiedAt: '2026-09-01T01:00:00.000Z',
    });
    const changed = nextAlerts([resolved], [finding('warn', 'again')], '2026-11-10');
    expect(changed).toEqual([stored({ firstSeen: '2026-11-10', lastSeen: '2026-11-10', changedOn: '2026-11-10', message: 'again' })]);
    expect(needsNotice(changed[0]!)).toBe(true);
  });

  it('only alerts that change are returned: the others are untouched', () => {
    const a = stored({ key: 'dso:CNY', rule: 'dso', subject: 'CNY', state: 'ongoing', lastSeen: '2026-11-02' });
    const b = stored({ key: 'overdue_share:CNY', rule: 'overdue_share', subject: 'CNY', state: 'resolved', resolvedOn: '2026-10-01' });
    const changed = nextAlerts([a, b], [finding('warn', a.message, 'dso', 'CNY')], '2026-11-02');
    expect(changed).toEqual([]);
  });
});

describe('byAttention', () => {
  it('new and escalated first, then critical before warn, then by key', () => {
    const alerts = [
      stored({ key: 'a:ongoing-warn', state: 'ongoing', level: 'warn' }),
      stored({ key: 'b:ongoing-critical', state: 'ongoing', level: 'critical' }),
      stored({ key: 'c:new-warn', state: 'new', level: 'warn' }),
      stored({ key: 'd:escalated-critical', state: 'escalated', level: 'critical' }),
      stored({ key: 'e:acknowledged-critical', state: 'acknowledged', level: 'critical' }),
      stored({ key: 'f:new-critical', state: 'new', level: 'critical' }),
      stored({ key: 'a:new-warn', state: 'new', level: 'warn' }),
    ];
    expect([...alerts].sort(byAttention).map((a) => a.key)).toEqual([
      'd:escalated-critical',
      'f:new-critical',
      'a:new-warn',
      'c:new-warn',
      'b:ongoing-critical',
      'e:acknowledged-critical',
      'a:ongoing-warn',
    ]);
  });
});

describe('needsNotice', () => {
  it.each([
    ['new, never sent', stored(), true],
    ['new, sent at warn', stored({ notifiedLevel: 'warn' }), false],
    ['escalated to critical, sent at warn', stored({ state: 'escalated', level: 'critical', notifiedLevel: 'warn' }), true],
    ['escalated to critical, never sent', stored({ state: 'escalated', level: 'critical' }), true],
    ['ongoing, sent at warn', stored({ state: 'ongoing', notifiedLevel: 'warn' }), false],
    ['ongoing warn, already sent at critical', stored({ state: 'ongoing', level: 'warn', notifiedLevel: 'critical' }), false],
    ['ongoing, never sent (e.g. the webhook failed last night)', stored({ state: 'ongoing' }), true],
    ['acknowledged, never sent', stored({ state: 'acknowledged' }), false],
    ['resolved, never sent', stored({ state: 'resolved', resolvedOn: '2026-11-02' }), false],
  ] as const)('%s → %s', (_label, alert, expected) => {
    expect(needsNotice(alert)).toBe(expected);
  });

  it('a second night after notifying sends nothing; an escalation sends again', () => {
    let alerts = night([], [finding('warn')], '2026-11-01');
    expect(alerts.filter(needsNotice).map((a) => a.key)).toEqual([KEY]);
    alerts = alerts.map((a) => ({ ...a, notifiedLevel: a.level, notifiedAt: '2026-11-01T02:00:00.000Z' }));
    expect(alerts.filter(needsNotice)).toEqual([]);
    alerts = night(alerts, [finding('warn')], '2026-11-02');
    expect(alerts.filter(needsNotice)).toEqual([]);
    alerts = night(alerts, [finding('critical')], '2026-11-03');
    expect(alerts.filter(needsNotice).map((a) => [a.key, a.state, a.level])).toEqual([[KEY, 'escalated', 'critical']]);
  });
});

describe('atLeast', () => {
  it('critical is at least warn, warn is not at least critical', () => {
    expect(atLeast('warn', 'warn')).toBe(true);
    expect(atLeast('critical', 'warn')).toBe(true);
    expect(atLeast('critical', 'critical')).toBe(true);
    expect(atLeast('warn', 'critical')).toBe(false);
  });
});
