// Runs the upstream side: builds (or reuses) the harness's test binaries with
// scripts/conformance-build.sh and runs one on an input, as scripts/conformance-run.sh does.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HarnessInput } from './cases.js';
import type { Mode } from './rules-diff.js';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the harness, or finds it in the cache; returns the folder of the test binaries. */
export async function buildHarness(): Promise<{ binDir: string; log: string }> {
  try {
    const { stdout, stderr } = await run('bash', [join(REPO_ROOT, 'scripts/conformance-build.sh')], { maxBuffer: 64 << 20 });
    const binDir = stdout.trim().split('\n').pop() ?? '';
    return { binDir, log: stderr };
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`scripts/conformance-build.sh failed:\n${err.stderr || err.stdout || err.message}`);
  }
}

/** Upstream kube-proxy's rules for one input: iptables-restore text, or the nft ruleset. */
export async function runUpstream(binDir: string, mode: Mode, input: HarnessInput): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-conformance-'));
  try {
    const inFile = join(dir, 'input.json');
    const outFile = join(dir, 'out.txt');
    writeFileSync(inFile, JSON.stringify({ ...input, netlab: undefined }));
    try {
      await run(join(binDir, `${mode}.test`), ['-test.run', '^TestNetlabConformanceDump$', '-test.count=1'], {
        env: { ...process.env, NETLAB_CONFORMANCE_INPUT: inFile, NETLAB_CONFORMANCE_OUTPUT: outFile },
        maxBuffer: 64 << 20,
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`upstream ${mode} harness failed:\n${err.stdout ?? ''}${err.stderr ?? ''}` || err.message);
    }
    return readFileSync(outFile, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
