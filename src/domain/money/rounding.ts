import Big from 'big.js';

/**
 * How an exact result is brought back to whole minor units.
 * - half-up: nearest, ties away from zero (commercial rounding: 0.5 → 1, -0.5 → -1)
 * - half-even: nearest, ties to the even neighbour (banker's rounding)
 * - down: toward zero (truncate)
 * - up: away from zero
 */
export type RoundingMode = 'half-up' | 'half-even' | 'down' | 'up';

export const ROUNDING_MODES: readonly RoundingMode[] = ['half-up', 'half-even', 'down', 'up'];

export function isRoundingMode(value: string): value is RoundingMode {
  return (ROUNDING_MODES as readonly string[]).includes(value);
}

const BIG_MODES: Record<RoundingMode, Big.RoundingMode> = {
  'half-up': Big.roundHalfUp,
  'half-even': Big.roundHalfEven,
  down: Big.roundDown,
  up: Big.roundUp,
};

export function toBigRoundingMode(mode: RoundingMode): Big.RoundingMode {
  return BIG_MODES[mode];
}
