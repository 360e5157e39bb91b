import { describe, expect, it } from 'vitest';
import { PROBE_KIND_NAMES } from '../../../src/labfile/model.js';
import { claimedBy, kindsTaking, kindsWithoutTo, PROBE_FIELDS } from '../../../src/labfile/probe-fields.js';
import { EXPECTATIONS } from '../../../src/labfile/schema/schema.js';

describe('what each probe kind takes in a check', () => {
  it('describes every kind, each with a default expectation', () => {
    expect(Object.keys(PROBE_FIELDS)).toEqual([...PROBE_KIND_NAMES]);
    for (const kind of PROBE_KIND_NAMES) expect(PROBE_FIELDS[kind].expects.length, kind).toBeGreaterThan(0);
    expect(PROBE_KIND_NAMES.map((k) => PROBE_FIELDS[k].expects[0])).toEqual(PROBE_KIND_NAMES.map((k) => (k === 'netns' ? 'same-netns' : 'reachable')));
  });

  it("lists the kinds that take each optional field, in the language's order", () => {
    expect(kindsTaking('by')).toEqual(['http', 'tcp', 'udp']);
    expect(kindsTaking('count')).toEqual(['http', 'udp']);
    expect(kindsTaking('distinct')).toEqual(['http', 'udp']);
    expect(kindsTaking('contains')).toEqual(['http', 'dns']);
    expect(kindsTaking('answers')).toEqual(['dns']);
    expect(kindsTaking('record')).toEqual(['dns']);
    expect(kindsTaking('via')).toEqual(['traceroute', 'gateway']);
    expect(kindsWithoutTo()).toEqual(['gateway']);
  });

  it('gives every expectation a kind, and the ones only one kind takes to that kind', () => {
    for (const e of EXPECTATIONS)
      expect(
        PROBE_KIND_NAMES.some((k) => PROBE_FIELDS[k].expects.includes(e)),
        e,
      ).toBe(true);
    expect(EXPECTATIONS.map((e) => claimedBy(e))).toEqual([undefined, undefined, 'netns', 'netns', 'dns']);
  });

  it('has the texts its rules need', () => {
    for (const kind of PROBE_KIND_NAMES) {
      const f = PROBE_FIELDS[kind];
      if (f.to === 'pod' || f.to === 'service') expect(f.wrongTo?.message, kind).toContain('{to}');
      if (f.to === 'none') expect(f.toHint, kind).toBeDefined();
      if (f.port === 'any') expect(f.to, kind).toBe('service');
    }
  });
});
