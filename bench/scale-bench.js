#!/usr/bin/env node
// Benchmark (not a test): `netlab scale` of one Deployment by one replica, up and down, through
// the CLI as a user runs it, on a lab of its own; says the median times and whether any
// container the change does not own was touched.
//   node bench/scale-bench.js [lab=pod-to-service] [deployment=server] [rounds=5]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectEngine } from '../dist/engine/connect.js';

const [labArg = 'pod-to-service', deployment = 'server', roundsText = '5'] = process.argv.slice(2);
const rounds = Number(roundsText);
const name = `bench-scale-${randomBytes(3).toString('hex')}`;
const bin = join(import.meta.dirname, '..', 'bin', 'netlab.js');
const engine = await connectEngine();
const env = { ...process.env, CI: '1', NO_COLOR: '1' };
const netlab = (...args) => execFileSync('node', [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });

/** Container name -> ID, without the lock and without the pods of the scaled Deployment. */
async function others() {
  const containers = await engine.listContainers({ label: [`netlab.lab=${name}`] });
  const own = new RegExp(`^/${name}-${deployment}-\\d+(-|$)`);
  return new Map(containers.filter((c) => !own.test(c.Names[0]) && !c.Names[0].endsWith('.lock')).map((c) => [c.Names[0], c.Id]));
}

const timed = (args) => {
  const t0 = performance.now();
  netlab(...args);
  return (performance.now() - t0) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  netlab('up', labArg, '--name', name);
  const replicas = JSON.parse(netlab('get', name, 'pods', '--json').toString()).filter((p) => p.name.startsWith(`${deployment}-`)).length;
  const before = await others();
  const upTimes = [];
  const downTimes = [];
  for (let i = 0; i < rounds; i++) {
    upTimes.push(timed(['scale', name, `deployment/${deployment}`, '--replicas', String(replicas + 1)]));
    downTimes.push(timed(['scale', name, `deployment/${deployment}`, '--replicas', String(replicas)]));
  }
  const after = await others();
  const touched = [...before].filter(([n, id]) => after.get(n) !== id).map(([n]) => n);
  console.log(`${labArg}: scale deployment/${deployment} ${replicas} -> ${replicas + 1}: median ${median(upTimes).toFixed(2)} s`);
  console.log(`${labArg}: scale deployment/${deployment} ${replicas + 1} -> ${replicas}: median ${median(downTimes).toFixed(2)} s`);
  console.log(`containers the change does not own that were replaced: ${touched.length ? touched.join(', ') : 'none'}`);
} finally {
  netlab('down', name);
}
