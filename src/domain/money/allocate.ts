import Big from 'big.js';
import { InvariantError, invariant } from '../errors.js';
import { money, type Money } from './money.js';

/**
 * Split m in proportion to weights with the largest-remainder method: every part gets the floor
 * of its exact share, then the units left over go one each to the parts with the largest
 * remainders (earlier part first on a tie). The parts always sum exactly to m and each is within
 * one minor unit of its exact share. A negative m is split as its magnitude, then negated, so the
 * result mirrors the positive case.
 */
export function allocate(m: Money, weights: readonly (number | string)[]): Money[] {
  invariant(weights.length > 0, 'allocate needs at least one weight');
  const scaled = toScaledIntegers(weights);
  const totalWeight = scaled.reduce((a, b) => a + b, 0n);
  invariant(totalWeight > 0n, 'allocate needs at least one positive weight');

  const sign = m.minor < 0 ? -1n : 1n;
  const amount = BigInt(m.minor) * sign;
  const floors: bigint[] = [];
  const remainders: bigint[] = [];
  let left = amount;
  for (const w of scaled) {
    const share = amount * w;
    const floor = share / totalWeight;
    floors.push(floor);
    remainders.push(share % totalWeight);
    left -= floor;
  }

  // left < number of parts with a non-zero remainder, so one pass over the ranking is enough.
  const order = remainders
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) {
    const idx = order[k]!.i;
    floors[idx] = floors[idx]! + 1n;
  }

  return floors.map((f) => money(Number(f * sign), m.currency));
}

/** Weights as exact integers sharing one scale, so shares can be computed in bigint. */
function toScaledIntegers(weights: readonly (number | string)[]): bigint[] {
  const plain = weights.map((w, i) => {
    let big: Big;
    try {
      big = new Big(w);
    } catch {
      throw new InvariantError(`allocate weight ${i} is not a number: ${JSON.stringify(w)}`);
    }
    invariant(big.gte(0), () => `allocate weight ${i} is negative: ${String(w)}`);
    const [int = '0', frac = ''] = big.toFixed().split('.');
    return { int, frac };
  });
  const scale = Math.max(0, ...plain.map((p) => p.frac.length));
  return plain.map((p) => BigInt(p.int + p.frac.padEnd(scale, '0')));
}
