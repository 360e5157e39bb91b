// A class's grade as `class grade` would give it: six students over three contexts, eight
// checks of pod-to-service's kind, some failing with diagnoses, one blocked, one warning, one
// student whose lab was not up.
import type { ClassGrade, StudentGrade } from '../../src/checks/class-grade.js';
import type { CheckResult } from '../../src/core/events.js';

export const CHECK_NAMES = [
  'client reaches server-0 directly',
  'client reaches server-1 across nodes',
  'CoreDNS answers service-test',
  'client reaches service-test by ClusterIP',
  'client reaches service-test by name',
  'the translation is in conntrack',
  'NodePort 30500 from outside',
  'isolated pod unreachable',
] as const;

const base = (name: string, i: number): CheckResult => ({
  name,
  from: i === 6 ? 'external' : 'client',
  to: i === 2 ? 'coredns:53' : i === 6 ? 'node1:30500' : i === 7 ? 'isolated:8080' : 'service-test:80',
  expect: i === 7 ? 'unreachable' : 'reachable',
  ok: true,
  ms: 20 + i,
  detail: i === 2 ? 'service-test.default.svc.cluster.local → 10.3.241.152' : 'HTTP 200 Hello from server-0 (10.0.1.2:8080)',
  points: i === 4 ? 2 : 1,
  ...(i === 7 ? { level: 'warning' as const } : {}),
});

type Change = Partial<CheckResult>;

function student(name: string, context: string, changes: Record<number, Change> = {}, order?: number[]): StudentGrade {
  const idx = order ?? CHECK_NAMES.map((_, i) => i);
  const checks = idx.map((i) => ({ ...base(CHECK_NAMES[i]!, i), ...changes[i] }));
  const maxScore = checks.reduce((t, c) => t + (c.points ?? 1), 0);
  const score = checks.filter((c) => c.ok).reduce((t, c) => t + (c.points ?? 1), 0);
  return {
    student: name,
    context,
    lab: `pod-to-service-${name}`,
    score,
    maxScore,
    ok: checks.every((c) => c.ok || c.level === 'warning'),
    checks,
  };
}

export const DNS_DIAGNOSIS = 'CoreDNS on node1 has no endpoint for service-test: the Service selector app=srv matches no pod (the pods say app=server)';

/** The fixture's students, deliberately not in name order. */
/** Each check's pass rate in classGrade(), as the page writes it beside its bar (graded students only). */
export const FIXTURE_PASS_RATES = [
  '5/5 passed · 100%',
  '5/5 passed · 100%',
  '3/5 passed · 60%',
  '4/5 passed · 80%',
  '3/5 passed · 60%',
  '4/5 passed · 80%',
  '4/5 passed · 80%',
  '4/5 passed · 80%',
];

export function classGrade(): ClassGrade {
  return {
    class: 'pod-to-service',
    lab: 'pod-to-service',
    exercise: '2',
    at: '2026-11-27T14:40:12.345Z',
    students: [
      student('frank', 'netlab-ssh'),
      student('carol', 'netlab-d2', {
        2: { ok: false, detail: 'NXDOMAIN for service-test.default.svc.cluster.local', diagnosis: DNS_DIAGNOSIS, hint: 'kubectl get endpoints service-test' },
        4: { ok: false, detail: 'could not resolve service-test', blockedBy: 'CoreDNS answers service-test' },
      }),
      student('alice', 'default'),
      {
        student: 'dave',
        context: 'netlab-d2',
        lab: 'pod-to-service-dave',
        score: 0,
        maxScore: 0,
        ok: false,
        checks: [],
        error: 'lab pod-to-service-dave is not up on netlab-d2 (no containers labelled netlab.lab=pod-to-service-dave)',
      },
      student('bob', 'default', {
        3: {
          ok: false,
          detail: 'timed out after 1000ms (SYN sent, no SYN-ACK)',
          diagnosis: "node1's KUBE-SERVICES has no rule for 10.3.241.152:80: kube-proxy has not synced the Service",
          message: 'The ClusterIP should answer',
        },
        5: { ok: false, detail: 'no conntrack entry for 10.0.1.3 → 10.3.241.152:80', diagnosis: 'no DNAT happened: the packet left node1 unchanged' },
        7: { ok: false, detail: 'connected, expected no answer', message: 'The NetworkPolicy should isolate it' },
      }),
      student('erin', 'netlab-ssh', {
        2: { ok: false, detail: 'timed out: no answer from 10.96.0.10:53', diagnosis: 'the CoreDNS pod on node2 is not ready (0/1)' },
        4: { ok: false, detail: 'could not resolve service-test', blockedBy: 'CoreDNS answers service-test' },
        6: { ok: false, detail: 'connection refused from node1:30500', diagnosis: 'no KUBE-NODEPORTS rule for 30500 on node1' },
      }),
    ],
  };
}
