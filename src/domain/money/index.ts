export { currency, isCurrency, knownCurrencies, type Currency } from './currency.js';
export {
  money,
  zero,
  isZero,
  isNegative,
  isPositive,
  compare,
  equals,
  negate,
  sum,
  assertSameCurrency,
  type Money,
} from './money.js';
export { add } from './add.js';
export { subtract } from './subtract.js';
export { ROUNDING_MODES, isRoundingMode, toBigRoundingMode, type RoundingMode } from './rounding.js';
export { multiply, percentage } from './multiply.js';
export { toBig, roundToMinor } from './exact.js';
export { allocate } from './allocate.js';
export { decimalToMinor, minorToDecimal } from './decimal.js';
export { parseMoney } from './parse.js';
export { toDecimalString, formatMoney, type FormatOptions } from './format.js';
