// Upstream kube-proxy conformance: the same Services and EndpointSlices fed to upstream's own
// iptables and nftables proxiers (k8s.io/kubernetes pkg/proxy, version in conformance/go.mod,
// fake backends; see conformance/README.md) and to netlab's generators must give the same
// rules, up to what upstream itself leaves unordered and the deliberate differences listed in
// conformance/ts/rules-diff.ts. Cases: every shipped lab on each of its nodes, and
// conformance/ts/generated.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { type ConformanceCase, labCases, toKubernetes, toNetlab } from '../../conformance/ts/cases.js';
import { CASES } from '../../conformance/ts/generated.js';
import { buildHarness, REPO_ROOT, runUpstream } from '../../conformance/ts/harness.js';
import { compareRules, harnessIptablesOptions, type Mode } from '../../conformance/ts/rules-diff.js';
import { iptablesRestore } from '../../src/plan/proxy/iptables/rules.js';
import { nftablesScript } from '../../src/plan/proxy/nftables/rules.js';

const MODES: Mode[] = ['iptables', 'nftables'];

const labNames = readdirSync(join(REPO_ROOT, 'labs')).filter((l) => existsSync(join(REPO_ROOT, 'labs', l, 'lab.yaml')));
const LAB_CASES: ConformanceCase[] = (await Promise.all(labNames.map((l) => labCases(join(REPO_ROOT, 'labs', l, 'lab.yaml'), `lab ${l}`)))).flat();

let binDir = '';
beforeAll(async () => {
  binDir = (await buildHarness()).binDir;
});

/** Upstream's rules and netlab's for one case and mode. */
async function bothSides(c: ConformanceCase, mode: Mode): Promise<{ upstream: string; netlab: string }> {
  const input = { ...toKubernetes(c), iptables: harnessIptablesOptions() };
  const proxy = toNetlab(c);
  const upstream = await runUpstream(binDir, mode, input);
  return { upstream, netlab: mode === 'iptables' ? iptablesRestore(proxy) : nftablesScript(proxy) };
}

/** Rules that show upstream really programmed the case's services (no pass on two empty outputs). */
function expectServicesProgrammed(c: ConformanceCase, mode: Mode, upstream: string): void {
  for (const s of c.services) {
    if (s.clusterIP === 'None') {
      expect(upstream, `headless ${s.name} gets no rules`).not.toContain(`/${s.name}`);
      continue;
    }
    const cidrOrIP = mode === 'iptables' ? `-d ${s.clusterIP} ` : `${s.clusterIP} . `;
    expect(upstream, `upstream has a rule or element for ${s.name}'s cluster IP`).toContain(cidrOrIP);
  }
}

describe.each(MODES)('%s: upstream kube-proxy and netlab write the same rules', (mode) => {
  test('the shipped labs give cases on every node', () => {
    expect(labNames.length).toBeGreaterThanOrEqual(7);
    expect(LAB_CASES.length).toBeGreaterThan(labNames.length);
  });

  test.each(LAB_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { upstream, netlab } = await bothSides(c, mode);
    expectServicesProgrammed(c, mode, upstream);
    expect(compareRules(mode, upstream, netlab)).toEqual([]);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { upstream, netlab } = await bothSides(c, mode);
    expectServicesProgrammed(c, mode, upstream);
    expect(compareRules(mode, upstream, netlab)).toEqual([]);
  });
});

/** A generated case by the start of its name. */
function caseNamed(prefix: string): ConformanceCase {
  const c = CASES.find((x) => x.name.startsWith(prefix));
  if (!c) throw new Error(`no conformance case named ${prefix}…`);
  return c;
}

// The compared LoadBalancer / Local cases really reach upstream's load-balancer and local-only
// code (so that their agreement is not two outputs both missing them).
describe('the harness input carries LoadBalancer and traffic policies to upstream', () => {
  test('iptables: load-balancer IPs, local-only chains and the health-check nodePort reach upstream', async () => {
    const [lb, itp] = [caseNamed('LoadBalancer: externalTrafficPolicy Local'), caseNamed('internalTrafficPolicy Local')];
    const out = await runUpstream(binDir, 'iptables', { ...toKubernetes(lb), iptables: harnessIptablesOptions() });
    expect(out).toMatch(/-A KUBE-SERVICES -m comment --comment "default\/lb-local loadbalancer IP" -m tcp -p tcp -d 192\.0\.2\.10 --dport 80 -j KUBE-EXT-/);
    expect(out).toMatch(/-A KUBE-NODEPORTS -m comment --comment "default\/lb-local health check node port" -m tcp -p tcp --dport 32001 -j ACCEPT/);
    expect(out).toMatch(/:KUBE-SVL-/);
    expect(out).toMatch(/-A KUBE-FW-\w+ -m comment --comment "default\/lb-cluster loadbalancer IP" -s 203\.0\.113\.0\/24 -j KUBE-EXT-/);
    const local = await runUpstream(binDir, 'iptables', { ...toKubernetes(itp), iptables: harnessIptablesOptions() });
    expect(local).toMatch(/:KUBE-SVL-/);
    expect(local).toContain('default/itp-remote has no local endpoints');
  });

  test('nftables: load-balancer IPs and local-only endpoints reach upstream', async () => {
    const [lb, itp] = [caseNamed('LoadBalancer: externalTrafficPolicy Local'), caseNamed('internalTrafficPolicy Local')];
    const out = await runUpstream(binDir, 'nftables', toKubernetes(lb));
    expect(out).toContain('192.0.2.10 . tcp . 80 : goto external-');
    expect(out).toMatch(/add element ip kube-proxy firewall-ips \{ 192\.0\.2\.11 \. tcp \. 80 .*: goto firewall-/);
    const local = await runUpstream(binDir, 'nftables', toKubernetes(itp));
    // Only node1's endpoints of `itp` (pods 0 and 3 of 4 run there).
    expect(local).toMatch(/add rule ip kube-proxy local-\S+-default\/itp\/tcp\/ numgen random mod 2 vmap/);
  });
});

describe('scripts/conformance-build.sh', () => {
  test('without the Go module proxy and its cache it fails, saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-noproxy-'));
    try {
      const result = await promisify(execFile)('bash', [join(REPO_ROOT, 'scripts/conformance-build.sh')], {
        env: { ...process.env, GOPROXY: 'off', GOMODCACHE: join(dir, 'mod'), GOFLAGS: '-modcacherw', NETLAB_CONFORMANCE_CACHE: join(dir, 'cache') },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('could not get k8s.io/kubernetes@v1.34.4 from the Go module proxy (GOPROXY=off');
      expect(result.stderr).toContain('needs the proxy once per machine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
