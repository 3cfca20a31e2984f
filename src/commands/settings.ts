import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { emitListing, emitRecord, note, writeResult } from '../cli/output.js';
import { renderJson, type Listing } from '../cli/render/index.js';
import { settingDefinition, settingDefinitions } from '../domain/settings/registry.js';
import { setSetting } from '../domain/settings/set-setting.js';

const COLUMNS: Listing['columns'] = [
  { key: 'key', header: 'Key' },
  { key: 'value', header: 'Value' },
  { key: 'default', header: 'Default' },
  { key: 'description', header: 'Description' },
];

export function registerSettings(program: Command, io: Io): void {
  const settings = program.command('settings').description('company-wide settings, shared by every user of the book')
    .addHelpText('after', `\nExamples:\n  $ owed settings list\n  $ owed settings set aging.buckets 30,60,90,180`);

  settings
    .command('list')
    .description('every setting with its value and default')
    .addHelpText('after', `
Example:
  $ owed settings list`)
    .action(action(io, async (rt) => {
      const stored = await readBook(rt, (store) => store.settings.all());
      emitListing(rt, {
        columns: COLUMNS,
        rows: settingDefinitions().map((d) => ({
          key: d.key,
          value: stored.get(d.key) ?? d.defaultValue,
          default: d.defaultValue,
          description: d.description,
        })),
      });
    }));

  settings
    .command('get')
    .description('one setting’s value')
    .argument('<key>', 'setting key, e.g. aging.buckets')
    .addHelpText('after', `
Example:
  $ owed settings get aging.buckets`)
    .action(action(io, async (rt, args) => {
      const definition = settingDefinition(args[0]!);
      const stored = await readBook(rt, (store) => store.settings.all());
      const value = stored.get(definition.key) ?? definition.defaultValue;
      if (rt.format === 'table') writeResult(rt, `${value}\n`);
      else {
        const row = { key: definition.key, value, default: definition.defaultValue, description: definition.description };
        emitRecord(rt, { columns: COLUMNS, rows: [row] }, row);
      }
    }));

  settings
    .command('set')
    .description('change a setting (finance or admin)')
    .argument('<key>', 'setting key')
    .argument('<value>', 'new value')
    .addHelpText('after', `
Examples:
  $ owed settings set aging.buckets 30,60,90,180
  $ owed settings set tax.rates 13,9,6,3,0
  $ owed settings set stock.allow_backorder true`)
    .action(action(io, async (rt, args) => {
      const change = await withBook(rt, (store, actor) => setSetting(store, actor, args[0]!, args[1]!));
      writeResult(rt, rt.format === 'json' ? renderJson(change) : `${change.to}\n`);
      note(rt, change.from === change.to ? `${change.key} already ${change.to}; nothing changed` : `${change.key}: ${change.from} → ${change.to}`);
    }));
}
