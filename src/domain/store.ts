import type { Customer } from './customers/customer.js';
import type { Product, StockLevel } from './products/product.js';
import type { StockMove } from './stock/stock-move.js';
import type { Role } from './users/roles.js';

/**
 * The ports the use-cases need from storage. One Store is bound to one transaction: everything a
 * command does through it commits together or not at all.
 */
export interface Store {
  readonly settings: SettingsRepository;
  readonly users: UserRepository;
  readonly audit: AuditLog;
  readonly customers: CustomerRepository;
  readonly products: ProductRepository;
  readonly stock: StockRepository;
}

export interface SettingsRepository {
  all(): Promise<Map<string, string>>;
  set(key: string, value: string): Promise<void>;
}

export interface User {
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
}

export interface UserRepository {
  find(name: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  insert(user: User): Promise<void>;
  setRole(name: string, role: Role): Promise<void>;
}

export interface AuditEntry {
  readonly entity: string;
  readonly key: string;
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly user: string;
  readonly command: string;
}

/** Every write records who did it, when, through which command and to what. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(filter: { entity?: string; key?: string; limit?: number }): Promise<AuditRecord[]>;
}

export interface CustomerFilter {
  readonly segment?: string;
}

export interface CustomerRepository {
  find(code: string): Promise<Customer | undefined>;
  list(filter: CustomerFilter): Promise<Customer[]>;
  insert(customer: Customer): Promise<void>;
  update(customer: Customer): Promise<void>;
}

export interface ProductRepository {
  find(sku: string): Promise<Product | undefined>;
  list(): Promise<Product[]>;
  insert(product: Product): Promise<void>;
}

export interface StockRepository {
  levels(filter: { sku?: string }): Promise<StockLevel[]>;
  findByReference(sku: string, kind: StockMove['kind'], reference: string): Promise<StockMove | undefined>;
  /** Records the move and changes on hand by its quantity, in the same transaction. */
  move(move: StockMove, at: string): Promise<void>;
}
