import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidateEndpoints, isLocalEngine } from '../../../src/engine/connect.js';

describe('finding the engine as the docker CLI does', () => {
  it('DOCKER_HOST wins, in each of its forms', () => {
    expect(candidateEndpoints({ DOCKER_HOST: 'unix:///run/d2/docker.sock' })).toEqual([
      { source: 'DOCKER_HOST=unix:///run/d2/docker.sock', options: { socketPath: '/run/d2/docker.sock' }, local: true },
    ]);
    expect(candidateEndpoints({ DOCKER_HOST: 'tcp://10.1.2.3:2375' })[0]!.options).toMatchObject({ host: '10.1.2.3', port: 2375, protocol: 'http' });
    expect(candidateEndpoints({ DOCKER_HOST: 'tcp://engine:2376' })[0]!.options).toMatchObject({ host: 'engine', port: 2376, protocol: 'https' });
  });

  it('then the current docker context, from the docker config folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netlab-docker-config-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    const meta = join(dir, 'contexts', 'meta', createHash('sha256').update('colima').digest('hex'));
    mkdirSync(meta, { recursive: true });
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Endpoints: { docker: { Host: 'unix:///tmp/colima.sock' } } }));
    const found = candidateEndpoints({ DOCKER_CONFIG: dir });
    expect(found[0]).toEqual({ source: 'docker context colima', options: { socketPath: '/tmp/colima.sock' }, local: true });
    // DOCKER_CONTEXT names another context: that one, or none when it has no endpoint.
    expect(candidateEndpoints({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'default' })[0]?.source).not.toBe('docker context colima');
  });

  it('knows an engine on this machine (a socket, a loopback address) from a remote one', () => {
    const local = (host: string) => candidateEndpoints({ DOCKER_HOST: host })[0]!.local;
    expect(local('unix:///var/run/docker.sock')).toBe(true);
    expect(local('tcp://127.0.0.1:2375')).toBe(true);
    expect(local('tcp://localhost:2375')).toBe(true);
    expect(local('tcp://[::1]:2375')).toBe(true);
    expect(local('tcp://10.1.2.3:2375')).toBe(false);
    expect(local('tcp://engine.example:2376')).toBe(false);
    expect(isLocalEngine({ socketPath: '//./pipe/docker_engine' })).toBe(true);
  });
});
