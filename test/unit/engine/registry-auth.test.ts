// Registry credentials found as the docker CLI finds them in ~/.docker/config.json: a helper for
// the registry, the default store, else the `auths` entry (Docker Hub under its v1 URL).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authSource, helperAuth, registryAuth } from '../../../src/engine/registry-auth.js';

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('authSource', () => {
  const config = {
    auths: {
      'https://index.docker.io/v1/': { auth: basic('hubuser', 'hub:pass') },
      '127.0.0.1:5000': { auth: basic('student', 's3cret') },
      'https://registry.example.com/v2/': { identitytoken: 'tok' },
    },
  };

  it('Docker Hub under its v1 URL; a password may hold ":"', () => {
    expect(authSource(config, 'docker.io')).toEqual({
      auth: { username: 'hubuser', password: 'hub:pass', serveraddress: 'https://index.docker.io/v1/' },
    });
  });

  it('a registry by host:port, and one whose key is written as a URL', () => {
    expect(authSource(config, '127.0.0.1:5000')).toEqual({ auth: { username: 'student', password: 's3cret', serveraddress: '127.0.0.1:5000' } });
    expect(authSource(config, 'registry.example.com')).toEqual({ auth: { identitytoken: 'tok', serveraddress: 'registry.example.com' } });
  });

  it('none for a registry the config does not name (an anonymous pull)', () => {
    expect(authSource(config, 'quay.io')).toBeUndefined();
    expect(authSource({}, 'docker.io')).toBeUndefined();
  });

  it('a credential helper for the registry, else the default store, comes first', () => {
    const helpers = { ...config, credsStore: 'desktop', credHelpers: { '127.0.0.1:5000': 'pass' } };
    expect(authSource(helpers, '127.0.0.1:5000')).toEqual({ helper: 'pass', serverAddress: '127.0.0.1:5000' });
    expect(authSource(helpers, 'docker.io')).toEqual({ helper: 'desktop', serverAddress: 'https://index.docker.io/v1/' });
  });

  it("a helper's answer: a user and secret, or an identity token (user <token>)", () => {
    expect(helperAuth('{"ServerURL":"r","Username":"u","Secret":"p"}', 'r')).toEqual({ username: 'u', password: 'p', serveraddress: 'r' });
    expect(helperAuth('{"Username":"<token>","Secret":"t"}', 'r')).toEqual({ identitytoken: 't', serveraddress: 'r' });
    expect(helperAuth('credentials not found in native keychain', 'r')).toBeUndefined();
  });
});

describe('registryAuth reads DOCKER_CONFIG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-auth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('from config.json there; nothing when there is no file', async () => {
    expect(await registryAuth('127.0.0.1:5000', { DOCKER_CONFIG: dir })).toBeUndefined();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { '127.0.0.1:5000': { auth: basic('student', 'pw') } } }));
    expect(await registryAuth('127.0.0.1:5000', { DOCKER_CONFIG: dir })).toEqual({ username: 'student', password: 'pw', serveraddress: '127.0.0.1:5000' });
  });

  it('a helper that is not installed gives no credentials, not an error', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ credsStore: 'netlab-test-absent' }));
    expect(await registryAuth('127.0.0.1:5000', { DOCKER_CONFIG: dir })).toBeUndefined();
  });
});
