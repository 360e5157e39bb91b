// netlab side of the upstream-conformance harness, by hand (see conformance/README.md; the
// test that CI runs is test/conformance/upstream.test.ts, on the same modules):
//
//   node conformance/build/compare.mjs input LAB.yaml NODE OUT.json    -> the harness's JSON input
//   node conformance/build/compare.mjs netlab iptables|nftables IN.json -> netlab's generator output
//   node conformance/build/compare.mjs diff iptables|nftables UPSTREAM.txt NETLAB.txt -> the differences
//
// Bundled by scripts/conformance-compare.sh with esbuild; not part of dist/.

import { readFileSync, writeFileSync } from 'node:fs';
import { iptablesRestore } from '../../src/plan/proxy/iptables/rules.js';
import { nftablesScript } from '../../src/plan/proxy/nftables/rules.js';
import { type HarnessInput, labCases, toKubernetes, toNetlab } from './cases.js';
import { compareRules, harnessIptablesOptions } from './rules-diff.js';

async function main(argv: string[]): Promise<number> {
  const [cmd, a, b, c, d] = argv;
  if (cmd === 'input' && a && b && c) {
    const found = (await labCases(a, a)).find((x) => x.node === b);
    if (!found) throw new Error(`${a} has no node ${b}`);
    // RAW=1: upstream's fake as it is, without the settings that make it a netlab node.
    const harness: HarnessInput = { ...toKubernetes(found), netlab: toNetlab(found) };
    if (process.env.RAW !== '1') harness.iptables = harnessIptablesOptions();
    writeFileSync(c, `${JSON.stringify(harness, null, 2)}\n`);
    return 0;
  }
  if (cmd === 'netlab' && (a === 'iptables' || a === 'nftables') && b) {
    const input = (JSON.parse(readFileSync(b, 'utf8')) as HarnessInput).netlab;
    if (!input) throw new Error(`${b} has no netlab input`);
    process.stdout.write(a === 'iptables' ? iptablesRestore(input) : nftablesScript(input));
    return 0;
  }
  if (cmd === 'diff' && (a === 'iptables' || a === 'nftables') && b && c && !d) {
    const lines = compareRules(a, readFileSync(b, 'utf8'), readFileSync(c, 'utf8'));
    process.stdout.write(lines.length ? `${lines.join('\n')}\n` : 'same rules\n');
    return 0;
  }
  process.stderr.write('usage: compare input LAB.yaml NODE OUT.json | netlab iptables|nftables IN.json | diff iptables|nftables UPSTREAM NETLAB\n');
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
