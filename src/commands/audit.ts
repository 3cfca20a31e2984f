import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook } from '../cli/book.js';
import { integerOption } from '../cli/options.js';
import { emitListing, writeResult } from '../cli/output.js';
import { renderJson } from '../cli/render/index.js';

export function registerAudit(program: Command, io: Io): void {
  program
    .command('audit')
    .description('the audit trail: who changed what, when, through which command')
    .option('--entity <entity>', 'only this kind: customer, product, stock, setting, user, …')
    .option('--key <key>', 'only this record, e.g. a customer code')
    .option('--limit <n>', 'newest N entries', integerOption, '100')
    .addHelpText('after', `
Example:
  $ owed audit --entity customer --key C001`)
    .action(action<{ entity?: string; key?: string; limit: string }>(io, async (rt, _args, o) => {
      const records = await readBook(rt, (store) =>
        store.audit.list({
          ...(o.entity !== undefined ? { entity: o.entity } : {}),
          ...(o.key !== undefined ? { key: o.key } : {}),
          limit: Number(o.limit),
        }));
      if (rt.format === 'json') {
        writeResult(rt, renderJson(records.map((r) => ({ ...r, detail: r.detail ?? null }))));
        return;
      }
      emitListing(rt, {
        columns: [
          { key: 'id', header: 'Id', kind: 'integer' },
          { key: 'at', header: 'At' },
          { key: 'user', header: 'User' },
          { key: 'command', header: 'Command' },
          { key: 'entity', header: 'Entity' },
          { key: 'key', header: 'Key' },
          { key: 'action', header: 'Action' },
          { key: 'detail', header: 'Detail' },
        ],
        rows: records.map((r) => ({ ...r, detail: r.detail === undefined ? null : JSON.stringify(r.detail) })),
      });
    }));
}
