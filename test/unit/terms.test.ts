import { describe, it, expect } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { DEFAULT_TERMS, dueDate, findTerm, parseTermCode } from '../../src/domain/terms.js';

function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseTermCode', () => {
  it('parses and normalises', () => {
    expect(parseTermCode('NET30')).toEqual({ code: 'NET30', kind: 'net', days: 30 });
    expect(parseTermCode('net30')).toEqual({ code: 'NET30', kind: 'net', days: 30 });
    expect(parseTermCode(' Net 45 ')).toEqual({ code: 'NET45', kind: 'net', days: 45 });
    expect(parseTermCode('EOM30')).toEqual({ code: 'EOM30', kind: 'eom', days: 30 });
    expect(parseTermCode('eom0')).toEqual({ code: 'EOM0', kind: 'eom', days: 0 });
    expect(parseTermCode('NET0')).toEqual({ code: 'NET0', kind: 'net', days: 0 });
    expect(parseTermCode('NET365').days).toBe(365);
    expect(parseTermCode('NET030').code).toBe('NET30');
  });

  it.each([
    ['NET366', 'days must be between 0 and 365'],
    ['NET99999999999999999999', 'days must be between 0 and 365'],
    ['NET-1', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
    ['NET', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
    ['30', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
    ['COD', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
    ['NET30.5', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
    ['', 'is not a payment term; expected NET<days> or EOM<days>, e.g. NET30'],
  ])('rejects %j: %s', (code, reason) => {
    expect(rejection(() => parseTermCode(code)).problems).toEqual([{ field: 'terms', value: code, reason }]);
  });

  it('DEFAULT_TERMS', () => {
    expect(DEFAULT_TERMS.map((t) => t.code)).toEqual(['NET0', 'NET15', 'NET30', 'NET45', 'NET60', 'NET90', 'EOM30']);
  });
});

describe('dueDate', () => {
  const net = (days: number) => parseTermCode(`NET${days}`);
  const eom = (days: number) => parseTermCode(`EOM${days}`);

  it('net: issue date plus days', () => {
    expect(dueDate('2026-12-15', net(30))).toBe('2027-01-14');
    expect(dueDate('2026-01-10', net(0))).toBe('2026-01-10');
    expect(dueDate('2024-02-15', net(15))).toBe('2024-03-01');
    expect(dueDate('2026-02-15', net(15))).toBe('2026-03-02');
    expect(dueDate('2026-01-01', net(90))).toBe('2026-04-01');
  });

  it('eom: end of the issue month plus days', () => {
    expect(dueDate('2026-01-31', eom(30))).toBe('2026-03-02');
    expect(dueDate('2026-01-01', eom(30))).toBe('2026-03-02');
    expect(dueDate('2026-12-05', eom(30))).toBe('2027-01-30');
    expect(dueDate('2024-01-15', eom(30))).toBe('2024-03-01');
    expect(dueDate('2026-02-10', eom(0))).toBe('2026-02-28');
    expect(dueDate('2024-02-10', eom(0))).toBe('2024-02-29');
  });
});

describe('findTerm', () => {
  it('finds case-insensitively and by normalised code', () => {
    expect(findTerm('net30', DEFAULT_TERMS)).toBe(DEFAULT_TERMS[2]);
    expect(findTerm('EOM 30', DEFAULT_TERMS).code).toBe('EOM30');
    expect(findTerm('NET030', DEFAULT_TERMS).code).toBe('NET30');
  });

  it.each(['NET20', 'COD', ''])('rejects %j naming the known terms', (code) => {
    expect(rejection(() => findTerm(code, DEFAULT_TERMS)).problems).toEqual([
      {
        field: 'terms',
        value: code,
        reason: 'unknown payment terms; known: NET0, NET15, NET30, NET45, NET60, NET90, EOM30',
      },
    ]);
  });

  it('only knows what it is given', () => {
    expect(() => findTerm('NET30', [parseTermCode('NET45')])).toThrow(/known: NET45$/);
  });
});
