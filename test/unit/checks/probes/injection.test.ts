// A value from a check file stays data. For every probe kind and every string field, each
// hostile value reaches exactly one argument of a step, where the program reads it as data:
// an operand after `--`, the value of an option that takes one (dig -q/-x/-t, conntrack
// --orig-dst), or inside a URL; never as an option, a dig flag (+) or server (@). No step runs
// a shell: every program is one of netlab-agent's fixed list (docker/probe/main.go).
import { AGENT_PROGRAMS } from '../../../helpers/agent-programs.js';
import { describe, expect, it } from 'vitest';
import { PROBE_KINDS, probeSteps, type ResolvedProbe } from '../../../../src/checks/probes/index.js';
import { probeBatchRequest } from '../../../../src/checks/run.js';
import type { AgentStep } from '../../../../src/core/toolbox-request.js';
import type { ProbeKind } from '../../../../src/labfile/model.js';

const payloads = [
  `x; nsenter -t $(pgrep -xo dockerd) -m -u -- sh -c 'id > /tmp/m'; echo .in-addr.arpa`,
  'x; touch /tmp/canary; echo .in-addr.arpa',
  '$(touch /tmp/canary).in-addr.arpa',
  '`touch /tmp/canary`',
  `a'b"c\\d`,
  'line\ntouch /tmp/canary',
  'x && touch /tmp/canary || touch /tmp/canary',
  '-- ; > /tmp/canary',
  '--output=/tmp/canary',
  '-o/tmp/canary',
  '-K/etc/shadow',
  '-x',
  '--',
  '-',
  '+short',
  '+trace',
  '@10.0.0.66',
  '-f /etc/passwd',
  'ünïcødé?*[a]{b,c}~',
  '',
];

const SHELLS = ['sh', 'bash', 'dash', 'ash', 'busybox', 'env', 'nsenter', 'unshare', 'xargs', 'su', 'sudo'];

/**
 * How each program reads the arguments netlab gives it: the options that take a value (the
 * next argument, whatever it is), whether `--` ends its options, and what else is an option.
 */
const GRAMMAR: Record<string, { values: string[]; endOfOptions: boolean; flag?: RegExp }> = {
  curl: { values: ['--connect-timeout', '--max-time', '-w', '-o'], endOfOptions: true },
  nc: { values: ['-w', '-W'], endOfOptions: true },
  ping: { values: ['-c', '-W'], endOfOptions: true },
  traceroute: { values: ['-q', '-w', '-m'], endOfOptions: true },
  // dig has no `--`: a name is the value of -q (or -x); `+x` is a flag and `@x` a server.
  dig: { values: ['-t', '-q', '-x'], endOfOptions: false, flag: /^[-+@]/ },
  conntrack: { values: ['-p', '--orig-dst', '--dport'], endOfOptions: true },
  ip: { values: [], endOfOptions: false },
  readlink: { values: [], endOfOptions: true },
};

type Role = 'option' | 'value' | 'operand';

/** What each argument is to the program (argv[0] excluded). */
function roles(argv: readonly string[]): Role[] {
  const grammar = GRAMMAR[argv[0]!];
  if (!grammar) throw new Error(`no grammar for ${argv[0]}`);
  const out: Role[] = [];
  let operandsOnly = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (operandsOnly) out.push('operand');
    else if (grammar.endOfOptions && a === '--') {
      out.push('option');
      operandsOnly = true;
    } else if (grammar.values.includes(a)) {
      out.push('option');
      if (i + 1 < argv.length) {
        out.push('value');
        i++;
      }
    } else if ((grammar.flag ?? /^-/).test(a)) out.push('option');
    else out.push('operand');
  }
  return out;
}

const base: ResolvedProbe = {
  kind: 'http',
  expect: 'reachable',
  sourcePid: 11,
  sourceContainer: 'aaaaaaaaaaaa',
  targetPid: 12,
  targetContainer: 'bbbbbbbbbbbb',
  nodePid: 13,
  nodeContainer: 'cccccccccccc',
  targetIp: '10.0.2.2',
  port: 80,
  sourceIp: '10.0.1.2',
};

type Field = 'targetName' | 'targetIp' | 'contains' | 'record' | 'viaName' | 'sourceIp';
/** The string fields of each kind; `reaches`: whether a program gets the value (else it is only judged in TS). */
const cases: { kind: ProbeKind; field: Field; extra?: Partial<ResolvedProbe>; reaches: boolean }[] = [
  { kind: 'dns', field: 'targetName', extra: { record: 'PTR' }, reaches: true },
  { kind: 'dns', field: 'targetName', extra: { record: 'A' }, reaches: true },
  { kind: 'dns', field: 'targetName', extra: { record: 'SRV' }, reaches: true },
  { kind: 'dns', field: 'record', extra: { targetName: 'web' }, reaches: true },
  { kind: 'http', field: 'targetName', reaches: true },
  { kind: 'http', field: 'targetName', extra: { count: 3 }, reaches: true },
  { kind: 'http', field: 'targetName', extra: { port: undefined }, reaches: true },
  { kind: 'http', field: 'targetIp', reaches: true },
  { kind: 'http', field: 'contains', reaches: false },
  { kind: 'tcp', field: 'targetName', reaches: true },
  { kind: 'tcp', field: 'targetIp', reaches: true },
  { kind: 'udp', field: 'targetName', reaches: true },
  { kind: 'udp', field: 'targetName', extra: { count: 3 }, reaches: true },
  { kind: 'udp', field: 'targetIp', reaches: true },
  { kind: 'ping', field: 'targetIp', reaches: true },
  { kind: 'traceroute', field: 'targetIp', reaches: true },
  { kind: 'traceroute', field: 'viaName', reaches: false },
  { kind: 'gateway', field: 'viaName', reaches: false },
  { kind: 'netns', field: 'targetName', reaches: false },
  { kind: 'conntrack', field: 'targetIp', reaches: true },
  { kind: 'conntrack', field: 'sourceIp', reaches: false },
];

/** A harmless value: where it lands in the steps is where a hostile one must land, and nowhere else. */
const MARK = 'netlab-mark.example';

function noShell(steps: AgentStep[]): void {
  for (const s of steps) {
    expect(AGENT_PROGRAMS.has(s.argv[0]), `${s.argv[0]} is not an agent program`).toBe(true);
    expect(SHELLS).not.toContain(s.argv[0]);
  }
}

describe('probe steps keep check values as data', () => {
  it('reads the agent programs off its source', () => {
    expect(AGENT_PROGRAMS.size).toBeGreaterThan(10);
    for (const p of ['curl', 'dig', 'nc', 'ping', 'traceroute', 'conntrack', 'ip', 'readlink']) expect(AGENT_PROGRAMS).toContain(p);
  });

  for (const c of cases) {
    const label = `${c.kind} ${c.field}${c.extra?.record ? ` (${c.extra.record})` : ''}${c.extra?.count ? ` x${c.extra.count}` : ''}`;
    it(label, () => {
      const marked = probeSteps({ ...base, kind: c.kind, ...c.extra, [c.field]: MARK } as ResolvedProbe);
      noShell(marked);
      // Where the value lands: in each step that gets it, one argument, the value itself or
      // the URL made of it, and read as data (an operand after `--`, an option's value).
      const slots = marked.map((s) => s.argv.flatMap((a, i) => (a.includes(MARK) ? [i] : [])));
      for (const [n, s] of marked.entries()) {
        expect(slots[n]!.length, JSON.stringify(s.argv)).toBeLessThanOrEqual(1);
        for (const i of slots[n]!) {
          expect([MARK, `http://${MARK}:80/`, `http://${MARK}/`]).toContain(s.argv[i]);
          expect(['value', 'operand'], `${JSON.stringify(s.argv)}: argument ${i}`).toContain(roles(s.argv)[i - 1]);
        }
      }
      const landed = slots.filter((x) => x.length > 0).length;
      expect(landed).toBe(c.reaches ? (c.kind === 'conntrack' ? 2 : (c.extra?.count ?? 1)) : 0);
      for (const payload of payloads) {
        const steps = probeSteps({ ...base, kind: c.kind, ...c.extra, [c.field]: payload } as ResolvedProbe);
        noShell(steps);
        // The same steps, the payload in the value's place: it split into no second argument,
        // added no option, and moved nothing else.
        const want = marked.map((s) => ({ ...s, argv: s.argv.map((a) => a.replace(MARK, () => payload)) }));
        const why = `${JSON.stringify(payload)} -> ${JSON.stringify(steps.map((s) => s.argv))}`;
        expect(steps, why).toEqual(want);
        // And with the payload in it, the program still reads that argument as data.
        for (const [n, s] of steps.entries()) for (const i of slots[n]!) expect(['value', 'operand'], why).toContain(roles(s.argv)[i - 1]);
      }
    });
  }

  it('no kind runs a shell, whatever its fields hold, alone or in a batch', () => {
    const hostile = payloads[0]!;
    const jobs = PROBE_KINDS.map((kind, index) => ({
      index,
      probe: { ...base, kind, targetName: hostile, contains: hostile, viaName: hostile, count: 2 } as ResolvedProbe,
    }));
    for (const { probe } of jobs) noShell(probeSteps(probe));
    const request = probeBatchRequest(jobs);
    noShell(request.steps);
    // The agent gets argv arrays as JSON: what it decodes is what was built.
    expect(JSON.parse(JSON.stringify(request.steps))).toEqual(JSON.parse(JSON.stringify(request.steps.map((s) => ({ ...s })))));
  });
});
