import type { Actor } from '../actor.js';
import { NotFoundError, RefusedError, ValidationError } from '../errors.js';
import type { Store, User } from '../store.js';
import { parseRole, requirePermission } from './roles.js';

export async function addUser(store: Store, actor: Actor, name: string, roleText: string): Promise<User> {
  requirePermission(actor.user, actor.role, 'users', 'add users');
  const trimmed = name.trim();
  if (!/^[\p{L}\p{N}._@-]{1,100}$/u.test(trimmed)) {
    throw new ValidationError({ field: 'name', value: name, reason: 'must be 1 to 100 letters, digits or . _ @ -' });
  }
  const role = parseRole(roleText);
  const existing = await store.users.find(trimmed);
  if (existing) {
    if (existing.role === role) return existing;
    throw new RefusedError(`user ${trimmed} already exists as ${existing.role}`, `change the role with: owed user set-role ${trimmed} ${role}`);
  }
  const user: User = { name: trimmed, role, createdAt: actor.now };
  await store.users.insert(user);
  await store.audit.record({ entity: 'user', key: trimmed, action: 'add', detail: { role } });
  return user;
}

export async function setUserRole(store: Store, actor: Actor, name: string, roleText: string): Promise<{ user: User; from: string }> {
  requirePermission(actor.user, actor.role, 'users', 'change roles');
  const role = parseRole(roleText);
  const existing = await store.users.find(name.trim());
  if (!existing) throw new NotFoundError('user', name, 'list users with: owed user list');
  if (existing.name === actor.user && existing.role === 'admin' && role !== 'admin') {
    const admins = (await store.users.list()).filter((u) => u.role === 'admin');
    if (admins.length === 1) throw new RefusedError('you are the only admin; this book would have none', 'make another user admin first');
  }
  if (existing.role !== role) {
    await store.users.setRole(existing.name, role);
    await store.audit.record({ entity: 'user', key: existing.name, action: 'set-role', detail: { from: existing.role, to: role } });
  }
  return { user: { ...existing, role }, from: existing.role };
}
