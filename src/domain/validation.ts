import { ValidationError, type Problem } from './errors.js';

/**
 * Collects every problem in an input before refusing it, so a user fixes them all in one go
 * instead of one per run.
 */
export class Problems {
  private readonly list: Problem[] = [];

  constructor(private readonly row?: number) {}

  add(field: string, value: string | undefined, reason: string): void {
    this.list.push({ ...(this.row !== undefined ? { row: this.row } : {}), field, ...(value !== undefined ? { value } : {}), reason });
  }

  /** Runs a parser; a ValidationError it throws is recorded and undefined returned. */
  check<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const p of error.problems) {
        this.list.push(this.row !== undefined && p.row === undefined ? { ...p, row: this.row } : p);
      }
      return undefined;
    }
  }

  get any(): boolean {
    return this.list.length > 0;
  }

  all(): readonly Problem[] {
    return this.list;
  }

  throwIfAny(hint?: string): void {
    if (this.list.length > 0) throw new ValidationError(this.list, hint);
  }
}

/** Trims, and turns an empty answer into null: "--email ''" clears the field. */
export function optionalText(value: string | undefined | null): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
