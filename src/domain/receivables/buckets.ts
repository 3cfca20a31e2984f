/**
 * Aging buckets from ascending upper bounds: [30, 60, 90, 120] gives current (not yet due),
 * 1-30, 31-60, 61-90, 91-120, >120.
 */
export function bucketLabels(bounds: readonly number[]): string[] {
  const labels = ['current'];
  let lower = 1;
  for (const upper of bounds) {
    labels.push(`${lower}-${upper}`);
    lower = upper + 1;
  }
  labels.push(`>${bounds[bounds.length - 1]}`);
  return labels;
}

/** Index into bucketLabels for an item this many days past due (≤ 0: current). */
export function bucketIndex(daysPastDue: number, bounds: readonly number[]): number {
  if (daysPastDue <= 0) return 0;
  for (let i = 0; i < bounds.length; i++) if (daysPastDue <= bounds[i]!) return i + 1;
  return bounds.length + 1;
}
