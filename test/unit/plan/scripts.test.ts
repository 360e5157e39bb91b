import { describe, expect, it } from 'vitest';
import { shq } from '../../../src/plan/scripts.js';

describe('shell text (src/checks, until it is agent steps)', () => {
  it('quotes for sh', () => {
    expect(shq("it's")).toBe(`'it'\\''s'`);
  });
});
