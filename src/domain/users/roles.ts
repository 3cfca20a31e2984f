import { PermissionError, ValidationError } from '../errors.js';

export const ROLES = ['admin', 'finance', 'sales', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What a write needs. Reading is open to every registered user. */
export type Permission =
  | 'master-data' // customers, products
  | 'stock'
  | 'settings'
  | 'users'
  | 'sales' // orders
  | 'finance' // invoices, receipts, reconciliation, write-offs
  | 'credit-override';

const grants: Record<Role, readonly Permission[]> = {
  admin: ['master-data', 'stock', 'settings', 'users', 'sales', 'finance', 'credit-override'],
  finance: ['master-data', 'stock', 'settings', 'sales', 'finance', 'credit-override'],
  sales: ['master-data', 'stock', 'sales'],
  viewer: [],
};

export function parseRole(value: string): Role {
  const role = value.trim().toLowerCase();
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  throw new ValidationError({ field: 'role', value, reason: `unknown role; known: ${ROLES.join(', ')}` });
}

export function can(role: Role | null, permission: Permission): boolean {
  return role !== null && grants[role].includes(permission);
}

export function requirePermission(user: string, role: Role | null, permission: Permission, action: string): void {
  if (can(role, permission)) return;
  if (role === null) {
    throw new PermissionError(
      `user "${user}" is not registered in this book and cannot ${action}`,
      `an admin can add them: owed user add ${user} --role sales|finance|admin`,
    );
  }
  const holders = ROLES.filter((r) => grants[r].includes(permission));
  throw new PermissionError(
    `user "${user}" (${role}) may not ${action}`,
    `this needs one of the roles ${holders.join(', ')}; run as such a user (--user) or ask an admin`,
  );
}
