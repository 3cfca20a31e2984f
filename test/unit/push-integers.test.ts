/** The forecast's delay lists as the database concatenates them, read without a substring each. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pushIntegers } from '../../src/storage/repositories/collection-queries.js';

function read(list: string): number[] {
  const into: number[] = [];
  pushIntegers(list, into);
  return into;
}

describe('pushIntegers', () => {
  it('reads negative, zero and many-digit values, appending to what is there', () => {
    expect(read('36,-4,0,372,-89')).toEqual([36, -4, 0, 372, -89]);
    expect(read('7')).toEqual([7]);
    const into = [1];
    pushIntegers('2,3', into);
    expect(into).toEqual([1, 2, 3]);
  });

  it('gives back every list of integers it is given, as split and Number would', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1 }), (values) => {
      expect(read(values.join(','))).toEqual(values);
    }));
  });

  it.each(['', ',', '1,,2', '1,', ',1', '1.5', '1 ,2', '--1', '1-2', '-', 'abc', '1e3', '1234567890123456'])('refuses %j', (list) => {
    expect(() => read(list)).toThrow(/expected a list of integers from the database/);
  });
});
