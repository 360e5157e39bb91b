// Partial kube-proxy syncs (KEP-3453) on real nodes, in both modes: after a sync that wrote
// only what changed (a pod gone behind netlab's back), each node's rules, as iptables-save or
// nft prints them, are those a full sync writes, and traffic follows; a node whose sync state
// is corrupted or missing is synced in full and its state written anew.
import { afterAll, describe, expect, it } from 'vitest';
import { PROXY_STATE_DIR, PROXY_STATE_FILE, PROXY_STATE_PATH, packProxyState, readProxyState } from '../../src/cluster/proxy-state.js';
import { RunningLab } from '../../src/cluster/running-lab.js';
import { syncServices } from '../../src/cluster/sync.js';
import { engine, netlab, uniqueName } from '../helpers/e2e.js';

const made: string[] = [];
afterAll(async () => {
  for (const lab of made) await netlab(['down', lab]);
});

/** iptables-save of every table, counters and comments dropped, chains sorted (each chain's rules in their order). */
function normalIptables(save: string): string {
  const out: string[] = [];
  let table = '';
  const chains = new Map<string, string[]>();
  const flush = () => {
    for (const c of [...chains.keys()].sort()) out.push(`${table} ${c}`, ...chains.get(c)!);
    chains.clear();
  };
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) chains.set(line.slice(1).split(' ')[0]!, []);
    else if (line.startsWith('-A ')) chains.get(line.split(' ')[1]!)?.push(line);
    else if (line === 'COMMIT') flush();
  }
  return out.join('\n');
}

/** `nft -j list table`: handles dropped, chains, sets and their elements sorted, each chain's rules in their order. */
function normalNft(json: string): string {
  const items = (JSON.parse(json) as { nftables: Record<string, Record<string, unknown>>[] }).nftables;
  const objects: string[] = [];
  const rules = new Map<string, string[]>();
  for (const item of items) {
    const [kind, body] = Object.entries(item)[0]!;
    if (kind === 'metainfo') continue;
    const { handle: _, ...rest } = body;
    if (kind === 'rule') {
      const chain = String(rest.chain);
      rules.set(chain, [...(rules.get(chain) ?? []), JSON.stringify(rest.expr)]);
      continue;
    }
    if (Array.isArray(rest.elem)) rest.elem = rest.elem.map((e) => JSON.stringify(e)).sort();
    objects.push(`${kind} ${JSON.stringify(rest)}`);
  }
  return [...objects.sort(), ...[...rules.keys()].sort().flatMap((c) => [`rules of ${c}`, ...rules.get(c)!])].join('\n');
}

async function rulesOf(lab: string, node: string, mode: string): Promise<string> {
  const argv = mode === 'iptables' ? ['iptables-save'] : ['nft', '-j', 'list', 'table', 'ip', 'kube-proxy'];
  const r = await netlab(['exec', lab, node, '--', ...argv]);
  expect(r.exitCode, r.all).toBe(0);
  return mode === 'iptables' ? normalIptables(r.stdout) : normalNft(r.stdout);
}

/** A node's sync state, read as the next sync reads it. */
async function stateOf(lab: string, node: string): Promise<Record<string, unknown>> {
  const running = await RunningLab.open(await engine(), lab);
  const text = await readProxyState(running.engine, running.plan.nodes.find((n) => n.name === node)!.container.name);
  return JSON.parse(text) as Record<string, unknown>;
}

async function curlFromClient(lab: string) {
  const r = await netlab(['exec', lab, 'client', '--', 'sh', '-c', 'for i in $(seq 12); do curl -s -m 2 http://10.3.241.152/; echo; done']);
  return [...new Set([...r.stdout.matchAll(/Hello from (\S+)/g)].map((m) => m[1]))].sort();
}

describe.each(['iptables', 'nftables'])('partial syncs in %s mode', (mode) => {
  const name = uniqueName(`ps-${mode.slice(0, 3)}`);
  const nodes = ['node1', 'node2'];

  it('a partial sync leaves the rules a full sync writes, and traffic follows', async () => {
    made.push(name);
    const up = await netlab(['up', 'pod-to-service', '--proxy-mode', mode, '--name', name]);
    expect(up.exitCode, up.all).toBe(0);
    expect(await stateOf(name, 'node1')).toMatchObject({ mode });

    const e = await engine();
    await e.killContainer(`${name}-server-1-server`);
    const running = await RunningLab.open(e, name);
    const partial = await syncServices(running, () => {});
    expect(partial.partialNodes).toBe(nodes.length);
    const afterPartial = await Promise.all(nodes.map((n) => rulesOf(name, n, mode)));
    expect(await curlFromClient(name)).toEqual(['server-0']);

    const full = await syncServices(running, () => {}, undefined, { full: true });
    expect(full.partialNodes).toBe(0);
    const afterFull = await Promise.all(nodes.map((n) => rulesOf(name, n, mode)));
    expect(afterPartial).toEqual(afterFull);
    expect(afterFull[0]).toMatch(mode === 'iptables' ? /KUBE-SVC-/ : /service-/);
  });

  it('a corrupted or missing state means a full sync, which writes the state anew', async () => {
    const e = await engine();
    const before = await Promise.all(nodes.map((n) => rulesOf(name, n, mode)));
    const corrupt = await netlab(['exec', name, 'node1', '--', 'sh', '-c', `echo '{"format":' > ${PROXY_STATE_PATH}`]);
    expect(corrupt.exitCode, corrupt.all).toBe(0);
    const remove = await netlab(['exec', name, 'node2', '--', 'rm', PROXY_STATE_PATH]);
    expect(remove.exitCode, remove.all).toBe(0);

    const running = await RunningLab.open(e, name);
    expect((await syncServices(running, () => {})).partialNodes).toBe(0);
    for (const n of nodes) {
      expect(await stateOf(name, n)).toMatchObject({ mode });
    }
    expect(await Promise.all(nodes.map((n) => rulesOf(name, n, mode)))).toEqual(before);
    // The states are good again: the next sync is partial (and has nothing to write).
    expect((await syncServices(running, () => {})).partialNodes).toBe(nodes.length);
    expect(await curlFromClient(name)).toEqual(['server-0']);
  });

  it('a state whose rules were never loaded (its token not in the kernel) fails the partial sync there; a full one follows', async () => {
    const e = await engine();
    const running = await RunningLab.open(e, name);
    const before = await Promise.all(nodes.map((n) => rulesOf(name, n, mode)));
    const state = (await stateOf(name, 'node1')) as { token: string; ports: Record<string, { in: string }> };
    const real = state.token;
    // As a sync whose state was written but whose load failed: another token, a port said to have other rules.
    state.token = '0x00000001';
    Object.values(state.ports)[0]!.in = 'never-loaded';
    await e.putFiles(running.plan.nodes[0]!.container.name, PROXY_STATE_DIR, { [PROXY_STATE_FILE]: packProxyState(JSON.stringify(state)) });

    expect((await syncServices(running, () => {})).partialNodes).toBe(0);
    expect(await Promise.all(nodes.map((n) => rulesOf(name, n, mode)))).toEqual(before);
    expect(await stateOf(name, 'node1')).toMatchObject({ token: real });
    // The kernel holds the real token (nft -j prints the element as a number).
    expect(before[0]).toContain(mode === 'iptables' ? real : String(Number(real)));
  });
});
