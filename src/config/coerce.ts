import type { ValueKind } from './paths.ts';

export type Coerced = { ok: true; value: unknown } | { ok: false; expected: string };

// A plain decimal number as people write it; Number() alone would also accept '', ' ', '0x1f'
// and 'Infinity', none of which anyone means as a setting.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS = new Map([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
]);

/**
 * Turns a string from the environment or a flag into what the key expects. Only the key's own
 * type decides: a string that merely looks like a number stays a string where a string is
 * expected. A string that cannot be converted is passed on unchanged, so that validation
 * reports it with the key's expectation ("expected a number").
 */
export function coerceString(raw: string, kind: ValueKind): Coerced {
  const text = raw.trim();
  switch (kind) {
    case 'number':
      return { ok: true, value: DECIMAL.test(text) ? Number(text) : raw };
    case 'boolean': {
      const value = BOOLEANS.get(text.toLowerCase());
      return { ok: true, value: value ?? raw };
    }
    case 'array':
    case 'object':
      if (!text.startsWith('[') && !text.startsWith('{')) return { ok: true, value: raw };
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch (error) {
        return { ok: false, expected: `expected valid JSON (${(error as Error).message})` };
      }
    case 'string':
      return { ok: true, value: raw };
  }
}
