import { describe, expect, it } from 'vitest';
import { expectationLabel } from '../../../src/checks/label.js';
import { resultOf } from '../../../src/checks/schedule.js';
import type { CheckSpec } from '../../../src/labfile/model.js';
import { PROBE_KIND_NAMES } from '../../../src/labfile/model.js';
import { PROBE_FIELDS } from '../../../src/labfile/probe-fields.js';
import { checkLine } from '../../../src/ui/plain.js';
import { paint } from '../../../src/ui/ansi.js';

describe('what a check line says it expects', () => {
  it('dns: what the name resolves to, NXDOMAIN, never "reachable"', () => {
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'A' })).toBe('resolves');
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'A', answers: ['10.96.0.10'] })).toBe('resolves to 10.96.0.10');
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'A', answers: ['10.0.1.5', '10.0.2.5'] })).toBe('resolves to 10.0.1.5, 10.0.2.5');
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'SRV' })).toBe('resolves (SRV)');
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'SRV', answers: ['0 100 80 api.shop.svc.cluster.local.'] })).toBe(
      'resolves to SRV 0 100 80 api.shop.svc.cluster.local.',
    );
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', record: 'PTR', answers: ['web.default.svc.cluster.local.'] })).toBe(
      'resolves to PTR web.default.svc.cluster.local.',
    );
    expect(expectationLabel({ probe: 'dns', expect: 'reachable', contains: 'shop' })).toBe('resolves, an answer contains "shop"');
    expect(expectationLabel({ probe: 'dns', expect: 'nxdomain', record: 'A' })).toBe('NXDOMAIN');
  });

  it('connectivity: reached or not, how often, by name, what the answer holds', () => {
    expect(expectationLabel({ probe: 'http', expect: 'reachable' })).toBe('reachable');
    expect(expectationLabel({ probe: 'tcp', expect: 'unreachable' })).toBe('unreachable');
    expect(expectationLabel({ probe: 'http', expect: 'reachable', count: 20, distinct: 2 })).toBe('reachable ×20 by 2+ pods');
    expect(expectationLabel({ probe: 'udp', expect: 'reachable', count: 5 })).toBe('reachable ×5');
    expect(expectationLabel({ probe: 'http', expect: 'reachable', by: 'dns', contains: 'Hello from api' })).toBe(
      'reachable by name, answer contains "Hello from api"',
    );
    expect(expectationLabel({ probe: 'ping', expect: 'unreachable' })).toBe('unreachable');
    expect(expectationLabel({ probe: 'traceroute', expect: 'reachable', via: 'router' })).toBe('reachable via router');
  });

  it('netns, gateway, conntrack: what they compare', () => {
    expect(expectationLabel({ probe: 'netns', expect: 'same-netns' })).toBe('same netns');
    expect(expectationLabel({ probe: 'netns', expect: 'different-netns' })).toBe('different netns');
    expect(expectationLabel({ probe: 'gateway', expect: 'reachable' })).toBe('default route via cbr0');
    expect(expectationLabel({ probe: 'gateway', expect: 'reachable', via: 'router' })).toBe('default route via router');
    expect(expectationLabel({ probe: 'conntrack', expect: 'reachable' })).toBe('translated (conntrack entry)');
  });

  it('every kind and each of its expectations has a label of its own words', () => {
    for (const kind of PROBE_KIND_NAMES)
      for (const e of PROBE_FIELDS[kind].expects) expect(expectationLabel({ probe: kind, expect: e }), `${kind} ${e}`).toMatch(/^[a-zA-Z]/);
  });

  it('the plain line shows it', () => {
    const check = { name: 'n', from: 'client', to: 'web', probe: 'dns', expect: 'reachable', record: 'A', answers: ['10.96.0.20'] } as CheckSpec;
    const r = resultOf(check, { ok: true, ms: 3, detail: 'web → A 10.96.0.20' });
    expect(r.expected).toBe('resolves to 10.96.0.20');
    expect(checkLine(r, paint(false))).toBe('PASS  client -> web (resolves to 10.96.0.20) [n]  3ms  web → A 10.96.0.20');
  });
});
