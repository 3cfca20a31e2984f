import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { emitCreated, emitListing, note } from '../cli/output.js';
import { addUser, setUserRole } from '../domain/users/add-user.js';
import { ROLES } from '../domain/users/roles.js';

export function registerUser(program: Command, io: Io): void {
  const user = program.command('user').description(`who may do what: roles ${ROLES.join(', ')}`)
    .addHelpText('after', `\nExamples:\n  $ owed user add wang.li --role finance\n  $ owed user list`);

  user
    .command('add')
    .description('register a user of this book with a role (admin only)')
    .argument('<name>', 'user name, as given by --user / OWED_USER or the OS login')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .addHelpText('after', `
Roles: admin (everything), finance (invoices, receipts, settings, credit overrides),
       sales (customers, products, stock, orders), viewer (read only).
Example:
  $ owed user add wang.li --role finance`)
    .action(action<{ role: string }>(io, async (rt, args, o) => {
      const created = await withBook(rt, (store, actor) => addUser(store, actor, args[0]!, o.role));
      emitCreated(rt, 'name', created.name, { role: created.role });
      note(rt, `${created.name} is ${created.role}`);
    }));

  user
    .command('set-role')
    .description('change a user’s role (admin only)')
    .argument('<name>', 'user name')
    .argument('<role>', `one of ${ROLES.join(', ')}`)
    .addHelpText('after', `
Example:
  $ owed user set-role wang.li viewer`)
    .action(action(io, async (rt, args) => {
      const result = await withBook(rt, (store, actor) => setUserRole(store, actor, args[0]!, args[1]!));
      emitCreated(rt, 'name', result.user.name, { role: result.user.role });
      note(rt, `${result.user.name}: ${result.from} → ${result.user.role}`);
    }));

  user
    .command('list')
    .description('registered users and their roles')
    .addHelpText('after', `
Example:
  $ owed user list`)
    .action(action(io, async (rt) => {
      const users = await readBook(rt, (store) => store.users.list());
      emitListing(rt, {
        columns: [
          { key: 'name', header: 'User' },
          { key: 'role', header: 'Role' },
          { key: 'created_at', header: 'Since' },
        ],
        rows: users.map((u) => ({ name: u.name, role: u.role, created_at: u.createdAt })),
      });
    }));
}
