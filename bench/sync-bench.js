#!/usr/bin/env node
// Benchmark (not a test): one kube-proxy sync of 1000 services x 10 endpoints on one node, in
// iptables and in nftables mode, through netlab's real sync path (rules generated, then loaded
// into a real node's netfilter by the toolbox's agent, and read back), and the time to apply a
// one-service change at that size (a partial sync, KEP-3453: the node's sync state read, only
// what changed written, the state kept), each run several times (min, median, max).
//   node bench/sync-bench.js [services=1000] [endpoints=10] [--runs=5] [--json]
// --json prints {"iptables":{"fullS","oneChangeS"},"nftables":{"fullS","oneChangeS"}} (medians),
// with the min and max beside them (fullMinS, fullMaxS, oneChangeMinS, oneChangeMaxS).
// SYNC_BENCH_PHASES=1 prints each sync's phases on stderr (ms): read (the exec started and the
// state read in it), plan, load (the session's request(s)), of which inNode (the loads in the
// node, by the agent's clock) and rest (a second request), and keep (the state written by the
// agent right after the load, in the same exec).
import { down } from '../dist/cluster/down.js';
import { DEFAULT_LIMITS } from '../dist/labfile/limits.js';
import { connectEngine } from '../dist/engine/connect.js';
import { ensureImages } from '../dist/images/index.js';
import { Toolbox } from '../dist/engine/toolbox.js';
import { beginProxySync, nodeStart, syncProxyRules } from '../dist/cluster/proxy-state.js';
import { up } from '../dist/cluster/up.js';
import { proxyModeDriver } from '../dist/plan/proxy/registry.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const positional = args.filter((a) => !a.startsWith('--'));
const nServices = Number(positional[0] ?? 1000);
const nEndpoints = Number(positional[1] ?? 10);
const engine = await connectEngine();
const images = await ensureImages(engine, () => {}, { only: ['base', 'pause', 'app', 'node', 'router', 'probe'] });
const at = { file: 'bench', line: 1, column: 1 };

function input(change = 0) {
  const services = [];
  for (let s = 0; s < nServices; s++) {
    const endpoints = [];
    for (let e = 0; e < nEndpoints; e++)
      endpoints.push({ ip: `10.0.${1 + (e % 2)}.${2 + ((s * nEndpoints + e) % 250)}`, port: 8080 + (s === 0 ? change : 0), node: 'node1' });
    services.push({
      namespace: 'bench',
      service: `svc-${s}`,
      portName: 'http',
      protocol: 'TCP',
      clusterIP: `10.96.${(s >> 8) & 255}.${(s & 255) + (s < 256 ? 20 : 0) > 255 ? s & 255 : s & 255}`,
      port: 80,
      endpoints,
    });
  }
  // Unique cluster IPs: 10.96.<hi>.<lo> from the index, skipping .0/.10 of the first block.
  for (const [i, sp] of services.entries()) sp.clusterIP = `10.96.${16 + (i >> 8)}.${i & 255}`;
  return { node: 'node1', nodeIP: '10.250.0.11', clusterCIDR: '10.0.0.0/16', serviceCIDR: '10.96.0.0/12', services };
}

/** One sync through netlab's sync path, in one exec: the state read (a partial sync), rules planned, loaded (and read back in full), the state kept. */
async function timeSync(mode, target, inp, full) {
  const t0 = performance.now();
  const start = beginProxySync(target.toolbox, [target.ref], full);
  const timings = {};
  let partial;
  let closed;
  try {
    ({ partial } = await syncProxyRules(engine, start, proxyModeDriver(mode), [{ ...target, input: inp }], { full, timings }));
  } finally {
    closed = start.close(); // as `netlab sync` does: the agent exits by itself, nothing waits for it
  }
  const ms = performance.now() - t0;
  await closed;
  if (process.env.SYNC_BENCH_PHASES)
    console.error(
      `${mode} ${full ? 'full' : 'partial'} ${ms.toFixed(0)} ms: ${Object.entries(timings)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}`,
    );
  if (partial !== (full ? 0 : 1)) throw new Error(`${mode}: expected a ${full ? 'full' : 'partial'} sync`);
  return ms;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

const rows = [];
for (const mode of ['iptables', 'nftables']) {
  const name = `bench-sync-${process.pid}-${mode.slice(0, 3)}`;
  const lab = {
    name,
    file: 'bench',
    dir: '.',
    deployments: [],
    pods: [],
    services: [],
    checks: [],
    topology: {
      routing: 'direct',
      external: false,
      serviceCIDR: '10.96.0.0/12',
      clusterCIDR: '10.0.0.0/16',
      proxyMode: mode,
      dns: false,
      publish: false,
      limits: DEFAULT_LIMITS,
      nodes: [{ name: 'node1', podCIDR: '10.0.1.0/24', at }],
    },
  };
  try {
    const { plan } = await up(engine, lab, () => {}, { images });
    const info = await engine.inspectContainer(plan.nodes[0].container.name);
    const node = { pid: info.State.Pid, container: info.Id };
    const target = {
      node: 'node1',
      container: plan.nodes[0].container.name,
      ref: node,
      start: nodeStart(info),
      toolbox: new Toolbox(engine, plan.toolbox.name),
    };
    await timeSync(mode, target, input(), true); // the first sync, into empty tables
    const full = [];
    const change = [];
    for (let r = 0; r < runs; r++) {
      full.push(await timeSync(mode, target, input(r % 2), true));
      change.push(await timeSync(mode, target, input((r + 1) % 2), false)); // one service's endpoints changed
    }
    const count = await engine.exec(plan.nodes[0].container.name, [
      'sh',
      '-c',
      mode === 'iptables' ? 'iptables-save | grep -c "^-A"' : 'nft list table ip kube-proxy | wc -l',
    ]);
    rows.push({ mode, full: stats(full), change: stats(change), size: count.stdout.trim() });
  } finally {
    await down(engine, name, () => {});
  }
}
const seconds = (ms) => Math.round(ms) / 1000;
if (json) {
  const out = {};
  for (const r of rows)
    out[r.mode] = {
      fullS: seconds(r.full.median),
      oneChangeS: seconds(r.change.median),
      fullMinS: seconds(r.full.min),
      fullMaxS: seconds(r.full.max),
      oneChangeMinS: seconds(r.change.min),
      oneChangeMaxS: seconds(r.change.max),
    };
  console.log(JSON.stringify(out));
} else {
  console.log(`kube-proxy sync of ${nServices} services x ${nEndpoints} endpoints on one node, ${runs} runs each (min / median / max)`);
  const ms = (s) => `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)} ms`;
  for (const r of rows)
    console.log(
      `  ${r.mode.padEnd(9)} full sync ${ms(r.full)}   one-service change (partial) ${ms(r.change)}, ${((100 * r.change.median) / r.full.median).toFixed(1)}% of full   (${r.size} ${r.mode === 'iptables' ? 'rules' : 'lines of nft table'})`,
    );
}
