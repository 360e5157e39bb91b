import { describe, expect, it } from 'vitest';
import { oneLine } from '../../../src/core/text.js';

describe('oneLine', () => {
  it('puts free text on one line, blanks collapsed', () => {
    expect(oneLine('  a\n  b\r\n\tc  ')).toBe('a b c');
  });

  it('cuts at max characters with an ellipsis', () => {
    expect(oneLine('abcdef', 4)).toBe('abc…');
    expect(oneLine('abcd', 4)).toBe('abcd');
  });
});
