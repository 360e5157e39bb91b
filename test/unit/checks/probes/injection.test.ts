// A value from a check file stays data: every probe command, run by a real shell with the
// tools stubbed, hands each hostile value to its tool as one intact argument, and no payload
// runs (the canary file is never created).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProbeKind } from '../../../../src/labfile/model.js';
import type { ResolvedProbe } from '../../../../src/checks/probes/driver.js';
import { probeCommand } from '../../../../src/checks/probes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-injection-'));
const canary = join(dir, 'canary');
const argsFile = join(dir, 'args');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payloads = [
  `x; touch ${canary}; echo .in-addr.arpa`,
  `$(touch ${canary}).in-addr.arpa`,
  `\`touch ${canary}\``,
  `a'b"c\\d`,
  `line\ntouch ${canary}`,
  `x && touch ${canary} || touch ${canary}`,
  `-- ; > ${canary}`,
  `ünïcødé\u0000?*[a]{b,c}~`.replace('\u0000', ''),
];

// Every tool a probe may call records its arguments, NUL-separated, one call per line.
const STUBS = ['in_pod', 'nsenter', 'dig', 'curl', 'nc', 'ping', 'traceroute', 'udp_probe', 'conntrack_probe', 'gateway_probe', 'repeat', 'readlink']
  .map((f) => `${f}() { printf '%s\\0' "${f}" "$@" >> '${argsFile}'; printf '\\n' >> '${argsFile}'; }`)
  .join('\n');

function run(p: ResolvedProbe): string[][] {
  rmSync(argsFile, { force: true });
  rmSync(canary, { force: true });
  execFileSync('sh', ['-c', `${STUBS}\n${probeCommand(p)}`], { stdio: 'pipe' });
  return readFileSync(argsFile, 'utf8')
    .split('\0\n')
    .filter(Boolean)
    .map((call) => call.split('\0'));
}

const base = { expect: 'reachable', sourcePid: 11, nodePid: 12, port: 80 } as const;
const cases: { kind: ProbeKind; field: 'targetName' | 'targetIp'; extra?: Partial<ResolvedProbe> }[] = [
  { kind: 'dns', field: 'targetName', extra: { record: 'PTR' } },
  { kind: 'dns', field: 'targetName', extra: { record: 'A' } },
  { kind: 'http', field: 'targetName' },
  { kind: 'http', field: 'targetIp' },
  { kind: 'tcp', field: 'targetName' },
  { kind: 'udp', field: 'targetName' },
  { kind: 'ping', field: 'targetIp' },
  { kind: 'traceroute', field: 'targetIp' },
  { kind: 'conntrack', field: 'targetIp' },
];

describe('probe commands keep check values as data', () => {
  for (const c of cases) {
    it(`${c.kind} ${c.field}${c.extra?.record ? ` (${c.extra.record})` : ''}`, () => {
      for (const payload of payloads) {
        const calls = run({ ...base, kind: c.kind, ...c.extra, [c.field]: payload } as ResolvedProbe);
        expect(existsSync(canary), payload).toBe(false);
        // The payload reached a tool as one argument (whole, or inside the URL for http).
        const args = calls.flat();
        expect(
          args.some((a) => a === payload || a === `http://${payload}:80/`),
          `${payload} -> ${JSON.stringify(calls)}`,
        ).toBe(true);
      }
    });
  }
});
