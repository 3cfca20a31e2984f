/**
 * `owed alert run --notify` with a webhook: a node:http server on 127.0.0.1 receives the JSON
 * POSTs. Only new or escalated alerts are sent, once; a failed POST is sent again on the next run;
 * acknowledged alerts are not sent; with nowhere to send, --notify is refused (exit 5).
 *
 *   INV-1 C001 1,000.00  issued 2026-09-01, due 10-01: > 30 days on 11-01, > 90 days on 12-31
 *   INV-2 C001   400.00  issued 2026-11-01, due 12-01: > 30 days on 2027-01-01
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed } from './helpers.js';

interface Post {
  method: string;
  url: string;
  contentType: string | undefined;
  body: { as_of: string; alerts: Record<string, unknown>[] };
}

interface RunJson {
  as_of: string;
  active: { id: string; level: string; state: string }[];
  notified: string[];
}

const INV1 = 'invoice_overdue:INV-2026-000001';
const INV2 = 'invoice_overdue:INV-2026-000002';
/** Several runs of the binary on a loaded machine. */
const SLOW = 120_000;

let server: http.Server;
let hookUrl: string;
let posts: Post[] = [];
/** The status the hook answers with next (then 200 again). */
let nextStatus = 200;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      posts.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(data) as Post['body'] });
      res.statusCode = nextStatus;
      nextStatus = 200;
      res.end(res.statusCode === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/owed`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);
  const notify = (today: string, ...args: string[]) => cli('--today', today, 'alert', 'run', '--notify', '--json', ...args);
  function parse(r: CliResult): RunJson {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as RunJson;
  }

  beforeEach(async () => {
    posts = [];
    nextStatus = 200;
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['settings', 'set', 'alerts.overdue_share_percent', '100'],
      ['settings', 'set', 'alerts.dso_days', '3650'],
      ['customer', 'add', 'C001', '--name', 'Alpha Ltd', '--terms', 'NET30'],
      ['product', 'add', 'S1', '--name', 'Consulting', '--price', '100', '--tax-rate', '0', '--service'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:10', '--date', '2026-09-01'],
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S1:4', '--date', '2026-11-01'],
    );
  }, 60_000);
  afterEach(async () => {
    await db.drop();
  });

  it('POSTs new alerts as JSON once; a second run sends nothing; an escalation and a new alert are sent', async () => {
    await seed(db.dbArg, ['settings', 'set', 'alerts.webhook', hookUrl]);

    const first = await notify('2026-11-01');
    expect(parse(first).notified).toEqual([INV1]);
    expect(first.stderr).toContain('notified 1 alert');
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ method: 'POST', url: '/hooks/owed' });
    expect(posts[0]!.contentType).toMatch(/^application\/json/);
    expect(posts[0]!.body).toEqual({
      as_of: '2026-11-01',
      alerts: [{
        id: INV1, rule: 'invoice_overdue', subject: 'INV-2026-000001', level: 'warn', state: 'new', since: '2026-11-01', changed_on: '2026-11-01',
        resolved_on: null, acknowledged_by: null, note: null, message: 'INV-2026-000001 of C001 Alpha Ltd is 31 days overdue, 1,000.00 CNY open',
      }],
    });

    // The same day again, and the next day: nothing to send.
    expect(parse(await notify('2026-11-01')).notified).toEqual([]);
    expect(parse(await notify('2026-11-02')).notified).toEqual([]);
    expect(posts).toHaveLength(1);

    // 91 days: escalated to critical, sent again.
    const escalated = parse(await notify('2026-12-31'));
    expect(escalated.notified).toEqual([INV1]);
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body.as_of).toBe('2026-12-31');
    expect(posts[1]!.body.alerts.map((a) => [a.id, a.level, a.state])).toEqual([[INV1, 'critical', 'escalated']]);

    // INV-2 becomes overdue: only it is sent, not the ongoing INV-1.
    const next = parse(await notify('2027-01-01'));
    expect(next.active.map((a) => [a.id, a.state])).toEqual([[INV2, 'new'], [INV1, 'ongoing']]);
    expect(next.notified).toEqual([INV2]);
    expect(posts).toHaveLength(3);
    expect(posts[2]!.body.alerts.map((a) => [a.id, a.level, a.state])).toEqual([[INV2, 'warn', 'new']]);

    expect(parse(await notify('2027-01-01')).notified).toEqual([]);
    expect(posts).toHaveLength(3);
  }, SLOW);

  it('a webhook that answers 500 fails the run; the alert is recorded and sent on the next run', async () => {
    await seed(db.dbArg, ['settings', 'set', 'alerts.webhook', hookUrl]);
    nextStatus = 500;
    const failed = await notify('2026-11-01');
    expect(failed.code).not.toBe(0);
    expect(failed.code).not.toBe(10);
    expect(failed.stderr).toContain(`the webhook ${hookUrl} answered 500`);
    expect(posts).toHaveLength(1);
    expect((await readJson<{ id: string; state: string }[]>(db.dbArg, '--today', '2026-11-01', 'alert', 'list')).map((a) => [a.id, a.state])).toEqual([[INV1, 'new']]);

    const retry = parse(await notify('2026-11-02'));
    expect(retry.notified).toEqual([INV1]);
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body.alerts.map((a) => [a.id, a.state])).toEqual([[INV1, 'ongoing']]);
    expect(parse(await notify('2026-11-03')).notified).toEqual([]);
    expect(posts).toHaveLength(2);
  }, SLOW);

  it('an acknowledged alert is not sent, until it escalates', async () => {
    await seed(db.dbArg, ['settings', 'set', 'alerts.webhook', hookUrl]);
    parse(await cli('--today', '2026-11-01', 'alert', 'run', '--json'));
    await seed(db.dbArg, ['--today', '2026-11-01', 'alert', 'ack', INV1, '--note', 'agreed a plan']);
    expect(parse(await notify('2026-11-02')).notified).toEqual([]);
    expect(posts).toEqual([]);
    expect(parse(await notify('2026-12-31')).notified).toEqual([INV1]);
    expect(posts.map((p) => p.body.alerts.map((a) => [a.id, a.state, a.level]))).toEqual([[[INV1, 'escalated', 'critical']]]);
  }, SLOW);

  it('--notify with neither alerts.email nor alerts.webhook set is refused (exit 5); the alert is sent once one is set', async () => {
    const refused = await notify('2026-11-01');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('--notify has nowhere to send: neither alerts.email nor alerts.webhook is set');
    expect(refused.stdout).toBe('');

    await seed(db.dbArg, ['settings', 'set', 'alerts.webhook', hookUrl]);
    expect(parse(await notify('2026-11-01')).notified).toEqual([INV1]);
    expect(posts).toHaveLength(1);
  }, SLOW);

  it('alerts.webhook must be an http(s) URL', async () => {
    const r = await cli('settings', 'set', 'alerts.webhook', 'ftp://example.test/hook');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('must be an http(s) URL');
  });
});
