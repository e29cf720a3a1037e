import { describe, expect, it } from 'vitest';
import { wireText } from '../../../src/core/work/protocol.ts';

describe('wireText', () => {
  it('replaces NUL and cuts at the limit, so an adapter’s odd output never gets a batch refused', () => {
    expect(wireText('segfault\u0000\u0000 at 0x0', 100)).toBe('segfault\uFFFD\uFFFD at 0x0');
    expect(wireText('x'.repeat(5000), 4096)).toHaveLength(4096);
    expect(wireText('plain', 10)).toBe('plain');
  });
});
