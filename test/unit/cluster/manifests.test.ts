import { describe, expect, it } from 'vitest';
import { overlaid, readManifests } from '../../../src/cluster/manifests.js';
import { EMPTY_OVERLAY } from '../../../src/cluster/overlay.js';
import { LabFileError } from '../../../src/core/errors.js';
import { loadLab, resolveLabFile } from '../../../src/labfile/load.js';
import { withAddons } from '../../../src/plan/addons.js';

const lab = async () => withAddons((await loadLab(resolveLabFile('pod-to-service'))).lab);

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - { name: app, image: netlab/app, ports: [{ containerPort: 8080 }] }
`;

describe('manifests applied to a running lab', () => {
  it('are read in memory, on the lab topology, with every check the loader has', async () => {
    const read = await readManifests(await lab(), '/nowhere/web.yaml', deployment('web', 2));
    expect(read.pods.map((p) => p.name)).toEqual(['web-0', 'web-1']);
    expect(read.deployments.map((d) => d.name)).toEqual(['web']);
  });

  it('a mistake names the file as the user wrote it, and its line', async () => {
    const err = await readManifests(await lab(), '/nowhere/web.yaml', deployment('web', 2).replace('containerPort: 8080', 'containerPort: eighty')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabFileError);
    expect((err as LabFileError).message).toMatch(/\/nowhere\/web\.yaml:11:\d+/);
  });

  it('a file not given in memory is read from disk (and a missing one is named)', async () => {
    const err = await readManifests(await lab(), '/nowhere/missing.yaml').catch((e: unknown) => e);
    expect((err as Error).message).toContain('missing.yaml does not exist');
  });

  it('an overlay of applied manifests, deletions and replicas is merged over the lab file', async () => {
    const base = await lab();
    const out = await overlaid(base, {
      ...structuredClone(EMPTY_OVERLAY),
      applied: [{ name: 'web.yaml', text: deployment('web', 1) }],
      replicas: { 'default/web': 3 },
    });
    expect(out.pods.filter((p) => p.deployment === 'web').map((p) => p.name)).toEqual(['web-0', 'web-1', 'web-2']);
    expect(out.pods.length).toBe(base.pods.length + 3);
  });
});
