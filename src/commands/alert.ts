import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { choiceOption, dateOption } from '../cli/options.js';
import { emitCreated, emitListing, note, writeResult } from '../cli/output.js';
import { render, renderJson, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { ExitWith } from '../cli/exit-with.js';
import { acknowledgeAlert, failing, markNotified, runAlerts } from '../domain/collections/alerts/run-alerts.js';
import { alertThresholds, describeRules } from '../domain/collections/alerts/rules.js';
import type { AlertLevel, StoredAlert } from '../domain/collections/records.js';
import { RefusedError } from '../domain/errors.js';
import { defaultSettings } from '../domain/settings/registry.js';
import { requirePermission } from '../domain/users/roles.js';
import { postJson } from '../notify/webhook.js';

const COLUMNS: Listing['columns'] = [
  { key: 'id', header: 'Id' },
  { key: 'level', header: 'Level' },
  { key: 'state', header: 'State' },
  { key: 'since', header: 'Since', kind: 'date' },
  { key: 'message', header: 'Alert' },
];

function alertRow(a: StoredAlert) {
  return {
    id: a.key,
    rule: a.rule,
    subject: a.subject,
    level: a.level,
    state: a.state,
    since: a.firstSeen,
    changed_on: a.changedOn,
    resolved_on: a.resolvedOn,
    acknowledged_by: a.acknowledgedBy,
    note: a.ackNote,
    message: a.message,
  };
}

export function alertListing(alerts: readonly StoredAlert[], title?: string): Listing {
  return { ...(title ? { title } : {}), columns: COLUMNS, rows: alerts.map(alertRow) };
}

/** Sends new and escalated alerts by email and webhook; only then are they marked as sent. */
async function notify(rt: Runtime, asOf: string, alerts: readonly StoredAlert[]): Promise<void> {
  const settings = await readBook(rt, async (store) => {
    const stored = await store.settings.all();
    return new Map([...defaultSettings(), ...stored]);
  });
  const to = (settings.get('alerts.email') ?? '').split(',').filter((s) => s !== '');
  const webhook = settings.get('alerts.webhook') ?? '';
  if (to.length === 0 && webhook === '') {
    throw new RefusedError('--notify has nowhere to send: neither alerts.email nor alerts.webhook is set', 'owed settings set alerts.email finance@example.cn (and/or alerts.webhook https://…)');
  }
  const company = settings.get('company.name') || 'owed';
  if (to.length > 0) {
    const { createMailer } = await import('../mail/index.js');
    const mailer = createMailer(settings, rt.env);
    try {
      const lines = alerts.map((a) => `[${a.level.toUpperCase()}${a.state === 'escalated' ? ', escalated' : ''}] ${a.message}`);
      await mailer.send({
        to,
        subject: `${company}: ${alerts.length} receivables alert${alerts.length === 1 ? '' : 's'} (${asOf})`,
        text: `${lines.join('\n')}\n\nAcknowledge with: owed alert ack ID\nIDs: ${alerts.map((a) => a.key).join(', ')}\n`,
      });
    } finally {
      mailer.close();
    }
  }
  if (webhook !== '') {
    await postJson(webhook, { as_of: asOf, alerts: alerts.map(alertRow) });
  }
}

export function registerAlert(program: Command, io: Io): void {
  const alert = program.command('alert').description('risk alerts (风险预警): run the rules, list, acknowledge')
    .addHelpText('after', `\nExamples:\n  $ owed alert run --fail-on critical\n  $ owed alert list\n  $ owed alert ack invoice_overdue:INV-2026-000004 --note "payment promised"`);

  alert
    .command('run')
    .description('evaluate every rule as of a date and update the alerts (new, ongoing, escalated, resolved)')
    .option('--as-of <YYYY-MM-DD>', 'evaluate as of this date (default: today)', dateOption)
    .option('--fail-on <level>', 'exit 10 when an unacknowledged alert at or above warn|critical is active', choiceOption(['warn', 'critical'] as const))
    .option('--notify', 'send new and escalated alerts by email (alerts.email) and webhook (alerts.webhook), once')
    .addHelpText('after', `
Examples:
  $ owed alert run --fail-on critical          # in cron: exit 10 means look now
  $ owed alert run --notify -q`)
    .action(action<{ asOf?: string; failOn?: AlertLevel; notify?: boolean }>(io, async (rt, _args, o) => {
      const asOf = o.asOf ?? rt.today;
      const run = await withBook(rt, async (store, actor) => {
        requirePermission(actor.user, actor.role, 'finance', 'run alerts');
        return runAlerts(store, actor, asOf);
      });
      if (o.notify && run.toNotify.length > 0) {
        await notify(rt, asOf, run.toNotify);
        await withBook(rt, (store, actor) => markNotified(store, actor, run.toNotify));
        note(rt, `notified ${run.toNotify.length} alert${run.toNotify.length === 1 ? '' : 's'}`);
      }
      if (rt.format === 'json') {
        writeResult(rt, renderJson({ as_of: asOf, active: run.active.map(alertRow), resolved: run.resolved.map(alertRow), notified: o.notify ? run.toNotify.map((a) => a.key) : [] }));
      } else {
        const parts = [render(alertListing(run.active, `Alerts as of ${asOf}`), rt.format, { color: rt.color })];
        if (run.resolved.length > 0 && rt.format === 'table') parts.push(render(alertListing(run.resolved, 'Resolved today'), 'table', { color: rt.color }));
        writeResult(rt, parts.join('\n'));
      }
      if (o.failOn) {
        const over = failing(run, o.failOn);
        if (over.length > 0) {
          throw new ExitWith(10, `owed: ${over.length} unacknowledged alert${over.length === 1 ? '' : 's'} at or above ${o.failOn}`);
        }
      }
    }));

  alert
    .command('list')
    .description('active alerts (--all: with resolved ones)')
    .option('--all', 'include resolved alerts')
    .addHelpText('after', `
Example:
  $ owed alert list --json`)
    .action(action<{ all?: boolean }>(io, async (rt, _args, o) => {
      const alerts = await readBook(rt, (store) => store.alerts.all());
      const shown = alerts.filter((a) => o.all || a.state !== 'resolved').sort((a, b) => (a.state === 'resolved' ? 1 : 0) - (b.state === 'resolved' ? 1 : 0) || a.key.localeCompare(b.key));
      if (rt.format === 'json') writeResult(rt, renderJson(shown.map(alertRow)));
      else emitListing(rt, alertListing(shown));
    }));

  alert
    .command('ack')
    .description('acknowledge an alert: it stays listed but no longer fails --fail-on, until it escalates')
    .argument('<id>', 'the alert id, e.g. invoice_overdue:INV-2026-000004')
    .option('--note <text>', 'what is being done about it')
    .addHelpText('after', `
Example:
  $ owed alert ack credit_exposure:C004 --note "CFO agreed a payment plan"`)
    .action(action<{ note?: string }>(io, async (rt, args, o) => {
      const acked = await withBook(rt, (store, actor) => acknowledgeAlert(store, actor, args[0]!, o.note));
      emitCreated(rt, 'id', acked.key, { state: acked.state });
      note(rt, `acknowledged ${acked.key}`);
    }));

  alert
    .command('rules')
    .description('the rules and their thresholds (settings alerts.*)')
    .addHelpText('after', `
Example:
  $ owed alert rules`)
    .action(action(io, async (rt) => {
      const stored = await readBook(rt, (store) => store.settings.all());
      emitListing(rt, {
        columns: [
          { key: 'rule', header: 'Rule' },
          { key: 'subject', header: 'Per' },
          { key: 'warn', header: 'Warn' },
          { key: 'critical', header: 'Critical' },
          { key: 'settings', header: 'Settings' },
        ],
        rows: describeRules(alertThresholds(stored)).map((r) => ({ ...r })),
      });
    }));
}
