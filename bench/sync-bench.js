#!/usr/bin/env node
// Benchmark (not a test): one kube-proxy sync of 1000 services x 10 endpoints on one node, in
// iptables and in nftables mode, through netlab's real sync path (rules generated, then loaded
// into a real node's netfilter by the toolbox's agent, and read back), and the time to apply a
// one-service change at that size.   node bench/sync-bench.js [services=1000] [endpoints=10]
import { down } from '../dist/cluster/down.js';
import { DEFAULT_LIMITS } from '../dist/labfile/limits.js';
import { connectEngine } from '../dist/engine/connect.js';
import { ensureImages } from '../dist/images/index.js';
import { Toolbox } from '../dist/engine/toolbox.js';
import { nodeProxySync, runProxySync } from '../dist/cluster/sync.js';
import { up } from '../dist/cluster/up.js';

const nServices = Number(process.argv[2] ?? 1000);
const nEndpoints = Number(process.argv[3] ?? 10);
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

async function timeSync(mode, node, toolbox, inp) {
  const t0 = performance.now();
  const sync = nodeProxySync(mode, inp, node);
  const t1 = performance.now();
  await runProxySync(new Toolbox(engine, toolbox), [{ node: 'node1', sync }]);
  const t2 = performance.now();
  return { generate: t1 - t0, load: t2 - t1, total: t2 - t0, lines: sync.steps[0].stdin.split('\n').length };
}

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
    const first = await timeSync(mode, node, plan.toolbox.name, input());
    const again = await timeSync(mode, node, plan.toolbox.name, input(1)); // one service's endpoints changed
    const count = await engine.exec(plan.nodes[0].container.name, [
      'sh',
      '-c',
      mode === 'iptables' ? 'iptables-save | grep -c "^-A"' : 'nft list table ip kube-proxy | wc -l',
    ]);
    rows.push({ mode, first, again, size: count.stdout.trim() });
  } finally {
    await down(engine, name, () => {});
  }
}
console.log(`kube-proxy sync of ${nServices} services x ${nEndpoints} endpoints on one node (rules generated, loaded and read back)`);
for (const r of rows) {
  const target = r.mode === 'iptables' ? 1000 : 300;
  console.log(
    `  ${r.mode.padEnd(9)} full sync ${r.first.total.toFixed(0).padStart(5)} ms (generate ${r.first.generate.toFixed(0)} ms, load ${r.first.load.toFixed(0)} ms; target < ${target} ms)` +
      `   one-service change ${r.again.total.toFixed(0)} ms   (${r.size} ${r.mode === 'iptables' ? 'rules' : 'lines of nft table'})`,
  );
}
