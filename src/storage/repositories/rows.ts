/** SQLite hands booleans back as 0/1 and PostgreSQL as true/false: read both. */
export function readBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/** Integers arrive as numbers from both engines (the pg type parsers see to it); assert it. */
export function readInteger(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new Error(`expected an integer from the database, got ${JSON.stringify(value)}`);
}

export function readNullableInteger(value: unknown): number | null {
  return value === null || value === undefined ? null : readInteger(value);
}
