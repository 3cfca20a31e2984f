import type { Knex } from 'knex';
import type { Role } from '../../domain/users/roles.js';
import type { AuditLog, AuditRecord, SettingsRepository, UserRepository } from '../../domain/store.js';
import { readInteger } from './rows.js';

export interface WriteContext {
  readonly user: string;
  readonly command: string;
  readonly now: string;
}

export function settingsRepository(q: Knex, ctx: WriteContext): SettingsRepository {
  return {
    async all() {
      const rows: { key: string; value: string }[] = await q('settings').select('key', 'value');
      return new Map(rows.map((r) => [r.key, r.value]));
    },
    async set(key, value) {
      await q('settings')
        .insert({ key, value, updated_at: ctx.now, updated_by: ctx.user })
        .onConflict('key')
        .merge(['value', 'updated_at', 'updated_by']);
    },
  };
}

export function userRepository(q: Knex): UserRepository {
  const fromRow = (r: { name: string; role: string; created_at: string }) => ({
    name: r.name,
    role: r.role as Role,
    createdAt: r.created_at,
  });
  return {
    async find(name) {
      const row = await q('users').where({ name }).first();
      return row ? fromRow(row) : undefined;
    },
    async list() {
      return (await q('users').orderBy('name')).map(fromRow);
    },
    async insert(user) {
      await q('users').insert({ name: user.name, role: user.role, created_at: user.createdAt });
    },
    async setRole(name, role) {
      await q('users').where({ name }).update({ role });
    },
  };
}

export function auditLog(q: Knex, ctx: WriteContext): AuditLog {
  return {
    async record(entry) {
      await q('audit_log').insert({
        at: ctx.now,
        user_name: ctx.user,
        command: ctx.command,
        entity: entry.entity,
        entity_key: entry.key,
        action: entry.action,
        detail: entry.detail === undefined ? null : JSON.stringify(entry.detail),
      });
    },
    async list(filter) {
      const query = q('audit_log').orderBy('id', 'desc');
      if (filter.entity !== undefined) query.where({ entity: filter.entity });
      if (filter.key !== undefined) query.where({ entity_key: filter.key });
      if (filter.limit !== undefined) query.limit(filter.limit);
      const rows: Record<string, unknown>[] = await query;
      return rows.map((r): AuditRecord => ({
        id: readInteger(r.id),
        at: String(r.at),
        user: String(r.user_name),
        command: String(r.command),
        entity: String(r.entity),
        key: String(r.entity_key),
        action: String(r.action),
        ...(r.detail ? { detail: JSON.parse(String(r.detail)) as Record<string, unknown> } : {}),
      }));
    },
  };
}
