import { describe, it, expect } from 'vitest';
import { PermissionError, ValidationError } from '../../src/domain/errors.js';
import { ROLES, can, parseRole, requirePermission, type Permission, type Role } from '../../src/domain/users/roles.js';

const PERMISSIONS: Permission[] = ['master-data', 'stock', 'settings', 'users', 'sales', 'finance', 'credit-override'];

const TABLE: Record<Role, Record<Permission, boolean>> = {
  admin: { 'master-data': true, stock: true, settings: true, users: true, sales: true, finance: true, 'credit-override': true },
  finance: { 'master-data': true, stock: true, settings: true, users: false, sales: true, finance: true, 'credit-override': true },
  sales: { 'master-data': true, stock: true, settings: false, users: false, sales: true, finance: false, 'credit-override': false },
  viewer: { 'master-data': false, stock: false, settings: false, users: false, sales: false, finance: false, 'credit-override': false },
};

function thrown(f: () => void): PermissionError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(PermissionError);
    return error as PermissionError;
  }
  throw new Error('did not throw');
}

describe('can', () => {
  it('has the four roles', () => {
    expect([...ROLES]).toEqual(['admin', 'finance', 'sales', 'viewer']);
  });

  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      const allowed = TABLE[role][permission];
      it(`${role} ${allowed ? 'may' : 'may not'} ${permission}`, () => {
        expect(can(role, permission)).toBe(allowed);
      });
    }
  }

  it('an unregistered user (no role) may do nothing', () => {
    for (const permission of PERMISSIONS) expect(can(null, permission)).toBe(false);
  });
});

describe('requirePermission', () => {
  it('returns quietly when the role allows it', () => {
    expect(() => requirePermission('alice', 'finance', 'finance', 'record a receipt')).not.toThrow();
    expect(() => requirePermission('root', 'admin', 'users', 'add a user')).not.toThrow();
  });

  it('an unregistered user gets a PermissionError naming them and `owed user add` in the hint', () => {
    const e = thrown(() => requirePermission('carol', null, 'sales', 'create an order'));
    expect(e.message).toBe('user "carol" is not registered in this book and cannot create an order');
    expect(e.hint).toContain('owed user add carol');
    expect(e.code).toBe('permission');
    expect(e.exitCode).toBe(6);
  });

  it('an unregistered user is refused even master-data, which every role but viewer has', () => {
    const e = thrown(() => requirePermission('dave', null, 'master-data', 'add a customer'));
    expect(e.hint).toMatch(/owed user add dave --role/);
  });

  it('a role without the permission is told which roles have it', () => {
    const e = thrown(() => requirePermission('bob', 'sales', 'finance', 'record a receipt'));
    expect(e.message).toBe('user "bob" (sales) may not record a receipt');
    expect(e.hint).toContain('admin, finance');
    expect(e.hint).not.toContain('sales,');
  });

  it('users is for admins only', () => {
    const e = thrown(() => requirePermission('fay', 'finance', 'users', 'add a user'));
    expect(e.message).toBe('user "fay" (finance) may not add a user');
    expect(e.hint).toMatch(/roles admin;/);
  });

  it('a viewer may write nothing', () => {
    for (const permission of PERMISSIONS) {
      const e = thrown(() => requirePermission('vic', 'viewer', permission, 'do it'));
      expect(e.message).toContain('(viewer)');
    }
  });
});

describe('parseRole', () => {
  it.each([
    ['admin', 'admin'],
    [' Finance ', 'finance'],
    ['SALES', 'sales'],
    ['viewer', 'viewer'],
  ])('%j → %j', (value, role) => expect(parseRole(value)).toBe(role));

  it.each(['root', '', 'salesman'])('rejects %j listing the roles', (value) => {
    expect(() => parseRole(value)).toThrow(ValidationError);
    try {
      parseRole(value);
    } catch (error) {
      expect((error as ValidationError).problems[0]!.reason).toContain('admin, finance, sales, viewer');
    }
  });
});
