import { describe, expect, it } from 'vitest';
import { formatElapsed, formatMs, oneLine } from '../../../src/ui/format.js';

describe('format', () => {
  it('formats durations', () => {
    expect(formatMs(412)).toBe('412ms');
    expect(formatMs(0)).toBe('0ms');
    expect(formatMs(3456)).toBe('3.4s');
    expect(formatMs(125_000)).toBe('2m05s');
    expect(formatElapsed(90)).toBe('0.0s');
    expect(formatElapsed(1250)).toBe('1.2s');
  });
  it('collapses line breaks', () => {
    expect(oneLine('a\n  b\r\nc ')).toBe('a b c');
  });
});
