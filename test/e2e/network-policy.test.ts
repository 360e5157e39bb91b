// NetworkPolicy on the real engine: labs/network-policy passes its checks (the expected drops
// included) in the iptables and nftables modes, with the rules in the nodes shaped as the
// policy engine plans them; on pod-to-service, a deny-all ingress policy on the server pods
// stops a real curl from client to server-0 as soon as `apply` returns, `delete` brings it
// back as soon, and `explain` names the policy.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkJson, engine, failures, netlab, uniqueName } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

async function upLab(lab: string, name: string, extra: string[] = []) {
  made.push(name);
  const r = await netlab(['up', lab, '--name', name, ...extra]);
  expect(r.exitCode, r.all).toBe(0);
}

async function inNode(lab: string, node: string, argv: string[]): Promise<string> {
  const r = await (await engine()).exec(`${lab}-${node}`, argv);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

describe.each([
  ['iptables', 'npi'],
  ['nftables', 'npn'],
])('labs/network-policy in %s mode', (mode, prefix) => {
  const name = uniqueName(prefix);

  it('passes every check, the expected drops included, with the rules in every node', async () => {
    await upLab('network-policy', name, ['--proxy-mode', mode]);
    const { exitCode, report } = await checkJson(name);
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.checks.filter((c) => c.expect === 'unreachable').length).toBeGreaterThanOrEqual(5);
    if (mode === 'iptables') {
      const save = await inNode(name, 'node2', ['iptables-save', '-t', 'filter']);
      const node1 = await inNode(name, 'node1', ['iptables-save', '-t', 'filter']);
      // The jump comes first in FORWARD, before kube-proxy's KUBE-FORWARD can accept anything.
      expect(save.split('\n').find((l) => l.startsWith('-A FORWARD '))).toBe(
        '-A FORWARD -m comment --comment "netlab network policies" -j NETLAB-POLICY-FORWARD',
      );
      expect(save).toMatch(
        /-A KUBE-POD-FW-[A-Z2-7]{16} -m comment --comment "default deny ingress to backend\/db-0 \(backend\/db-from-api, backend\/default-deny\)" -m mark ! --mark 0x10000\/0x10000 -j DROP/,
      );
      expect(node1).toMatch(/-s 10\.0\.2\.0\/24 -m comment --comment "frontend\/web-from-node1 ingress rule 1: except 10\.0\.2\.0\/24" -j RETURN/);
    } else {
      const table = await inNode(name, 'node1', ['nft', 'list', 'table', 'inet', 'netlab-policy']);
      expect(table).toMatch(/chain pod-fw-ingress-frontend\/web \{/);
      expect(table).toMatch(
        /elements = \{ 10\.0\.0\.0-10\.0\.1\.255, 10\.0\.3\.0-10\.0\.255\.255 \}|elements = \{ 10\.0\.0\.0\/23, 10\.0\.3\.0-10\.0\.255\.255 \}/,
      );
      // The drops counted where the checks were dropped.
      expect(table).toMatch(/counter packets [1-9]\d* bytes \d+ drop comment "default deny ingress to frontend\/web \(frontend\/web-from-node1\)"/);
    }
    const get = await netlab(['get', name, 'networkpolicies', '-n', 'backend']);
    expect(get.stdout.split('\n')[0]).toMatch(/^NAME\s+POD-SELECTOR\s+AGE$/);
    expect(get.stdout).toMatch(/db-from-api\s+app in \(db\)/);
    expect(get.stdout).toMatch(/default-deny\s+<none>/);
  });

  it('explain names the rule that dropped a request and the one that accepted another', async () => {
    const dropped = await netlab(['explain', name, 'client', 'api.backend:80', '--json']);
    const d = JSON.parse(dropped.stdout) as { ok: boolean; hops: { hop: string; what: string; evidence: string[] }[]; diagnosis?: string };
    expect(d.ok).toBe(false);
    const hop = d.hops.find((h) => h.hop === 'NetworkPolicy');
    expect(hop?.what).toMatch(
      /^ingress to pod backend\/api-\d: dropped by the default deny, no rule of backend\/api-from-frontend, backend\/default-deny allows it$/,
    );
    expect(hop?.evidence.join('\n')).toMatch(/default deny ingress to backend\/api-\d/);
    expect(d.diagnosis).toMatch(/NetworkPolicy backend\/api-from-frontend, backend\/default-deny select pod backend\/api-0, backend\/api-1 for ingress/);
    const accepted = JSON.parse((await netlab(['explain', name, 'api-0.backend', 'db.backend:80', '--json'])).stdout) as typeof d;
    expect(accepted.ok).toBe(true);
    expect(accepted.hops.filter((h) => h.hop === 'NetworkPolicy').map((h) => h.what)).toEqual([
      'egress from pod backend/api-0: accepted by backend/api-egress egress rule 1 (NetworkPolicy backend/api-egress)',
      'ingress to pod backend/db-0: accepted by backend/db-from-api ingress rule 1 (NetworkPolicy backend/db-from-api)',
    ]);
    expect((await netlab(['down', name])).exitCode).toBe(0);
  });
});

describe('pod-to-service: a deny-all ingress policy on the server pods', () => {
  const name = uniqueName('npd');
  const file = join(tmpdir(), `${name}-deny.yaml`);

  /** One real curl from client's network namespace (the toolbox enters it), its HTTP code ('000': no answer). */
  async function curl(url: string): Promise<string> {
    const e = await engine();
    const pid = (await e.inspectContainer(`${name}-client`))?.State.Pid;
    const r = await e.exec(`${name}.toolbox`, ['nsenter', `--net=/proc/${pid}/ns/net`, 'curl', '-s', '-o', '/dev/null', '-m', '1', '-w', '%{http_code}', url]);
    return r.stdout.trim();
  }

  it('stops curl from client to server-0 once applied, and deleting it lets it through again', async () => {
    await upLab('pod-to-service', name);
    const pods = await netlab(['get', name, 'pods', '--json']);
    expect(pods.exitCode, pods.all).toBe(0);
    const ip = (JSON.parse(pods.stdout) as { name: string; ip: string }[]).find((p) => p.name === 'server-0')!.ip;
    expect(await curl(`http://${ip}:8080/`)).toBe('200');
    await writeFile(
      file,
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny-servers }\nspec:\n  podSelector: { matchLabels: { app: server_pod1 } }\n  policyTypes: [Ingress]\n',
    );

    let t = Date.now();
    const applied = await netlab(['apply', name, '-f', file]);
    expect(applied.exitCode, applied.all).toBe(0);
    const applyMs = Date.now() - t;
    // In effect when apply returns: the very next connection is dropped (a SYN that times out).
    expect(await curl(`http://${ip}:8080/`)).toBe('000');
    expect(await curl('http://10.3.241.152/')).toBe('000'); // through the Service too: policies judge the pod after DNAT

    const explained = JSON.parse((await netlab(['explain', name, 'client', 'server-0:8080', '--json'])).stdout) as {
      ok: boolean;
      hops: { hop: string; what: string }[];
      diagnosis?: string;
    };
    expect(explained.ok).toBe(false);
    expect(explained.hops.find((h) => h.hop === 'NetworkPolicy')?.what).toBe(
      'ingress to pod default/server-0: dropped by the default deny, no rule of default/deny-servers allows it',
    );
    expect(explained.diagnosis).toBe(
      'NetworkPolicy default/deny-servers selects pod default/server-0 for ingress, and no rule of it allows TCP port 8080 from 10.0.1.3 (pod default/client): the default deny drops it',
    );

    t = Date.now();
    const deleted = await netlab(['delete', name, 'networkpolicy/deny-servers']);
    expect(deleted.exitCode, deleted.all).toBe(0);
    const deleteMs = Date.now() - t;
    expect(await curl(`http://${ip}:8080/`)).toBe('200');
    // Nothing of the policies is left in the nodes.
    expect(await inNode(name, 'node1', ['iptables-save', '-t', 'filter'])).not.toMatch(/NETLAB-POLICY|KUBE-POD-FW|KUBE-NWPLCY/);
    // The sync that wrote (and removed) the rules, as each command reported it.
    const syncMs = (out: string) => /done\s+kube-proxy sync \(iptables\) and DNS\s.*?\s(\d+ms|[\d.]+s)\s*$/m.exec(out)?.[1];
    console.log(`apply took ${applyMs} ms (its sync ${syncMs(applied.all)}), delete ${deleteMs} ms (its sync ${syncMs(deleted.all)}), the CLI end to end`);
    expect((await netlab(['down', name])).exitCode).toBe(0);
  });
});
