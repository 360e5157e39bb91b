import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../../src/core/errors.js';
import { DEFAULT_LIMITS, memoryBytes, nanoCpus } from '../../../src/labfile/limits.js';
import { loadLab } from '../../../src/labfile/load.js';
import { planLab } from '../../../src/plan/plan.js';
import { allContainers } from '../../../src/plan/types.js';
import { images } from '../../helpers/plan-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-limits-'));
const lab = (topology: string) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `name: limits\ntopology:\n${topology}\nworkloads:\n  - { apiVersion: v1, kind: Pod, metadata: { name: web }, spec: { containers: [{ name: app, image: netlab/app }] } }\n`,
  );
  return file;
};

describe('resource limits', () => {
  it('reads quantities as Kubernetes writes them', () => {
    expect(memoryBytes('256Mi')).toBe(256 * 1024 * 1024);
    expect(memoryBytes('1G')).toBe(1e9);
    expect(memoryBytes('1.5Gi')).toBe(1.5 * 1024 ** 3);
    expect(memoryBytes('lots')).toBeUndefined();
    expect(nanoCpus('500m')).toBe(0.5e9);
    expect(nanoCpus('2')).toBe(2e9);
    expect(nanoCpus(0.25)).toBe(0.25e9);
    expect(nanoCpus('-1')).toBeUndefined();
  });

  it('every container of a lab has limits: defaults, or what the lab file writes', async () => {
    const plain = (await loadLab(lab('  external: true'))).lab;
    expect(plain.topology.limits).toEqual(DEFAULT_LIMITS);
    const written = (await loadLab(lab('  external: true\n  limits: { pod: { memory: 64Mi, cpu: 250m }, node: { pids: 4096 } }'))).lab;
    expect(written.topology.limits.pod).toEqual({ memoryBytes: 64 * 1024 * 1024, nanoCpus: 0.25e9, pids: DEFAULT_LIMITS.pod.pids });
    expect(written.topology.limits.node.pids).toBe(4096);
    const plan = planLab(written, { images, underlay: '10.250.0.0/24' });
    for (const c of allContainers(plan)) {
      const h = c.create.HostConfig!;
      expect([c.name, h.Memory! > 0, h.NanoCpus! > 0, h.PidsLimit! > 0]).toEqual([c.name, true, true, true]);
    }
    const app = allContainers(plan).find((c) => c.name === 'limits-web-app')!;
    expect(app.create.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, NanoCpus: 0.25e9, PidsLimit: 256 });
    expect(plan.nodes[0]!.container.create.HostConfig).toMatchObject({ PidsLimit: 4096 });
  });

  it('a wrong limit names its line and says how to write it', async () => {
    const err = await loadLab(lab('  limits:\n    pod: { memory: 1Mi, cpu: lots }')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFileError);
    const problems = (err as LabFileError).problems.map((p) => [p.at.line, p.message, p.hint]);
    expect(problems).toEqual([
      [4, expect.stringContaining('is not a memory limit of 16Mi or more'), expect.stringContaining('memory: 256Mi')],
      [4, expect.stringContaining('is not a CPU limit'), expect.stringContaining('cpu: 500m')],
    ]);
  });
});
