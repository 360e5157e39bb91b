// tcp:// engines with TLS, against a real TLS server standing in for the engine (certificates made
// with openssl): DOCKER_TLS_VERIFY with DOCKER_CERT_PATH, a context's TLS files, a CA that does not
// match refused, and SkipTLSVerify.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngineAt } from '../../../src/engine/connect.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-tls-'));
let server: Server;
let port = 0;
const clients: string[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A key and a certificate signed by `ca` (or self-signed as a CA). */
/** openssl req's arguments for a new P-256 key, unencrypted, written to <name>-key.pem. */
const newKey = (name: string) => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`];

function certificate(name: string, cn: string, ca?: string, ext?: string): void {
  if (!ca) {
    openssl('req', '-x509', ...newKey(name), '-out', `${name}.pem`, '-subj', `/CN=${cn}`, '-days', '1');
    return;
  }
  openssl('req', ...newKey(name), '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  if (ext) writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '1',
    ...(ext ? ['-extfile', `${name}.ext`] : []),
  );
}

const read = (name: string) => readFileSync(join(dir, name));

/** A docker config folder with context `name` (host, TLS files, SkipTLSVerify), as `docker context create` writes it. */
function context(config: string, name: string, host: string, files: Record<string, Buffer>, skip = false): void {
  const id = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(config, 'contexts', 'meta', id), { recursive: true });
  writeFileSync(
    join(config, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: skip } } }),
  );
  mkdirSync(join(config, 'contexts', 'tls', id, 'docker'), { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(config, 'contexts', 'tls', id, 'docker', file), content);
}

beforeAll(async () => {
  certificate('ca', 'netlab test CA');
  certificate('server', 'engine', 'ca', 'subjectAltName=IP:127.0.0.1\n');
  certificate('client', 'student', 'ca');
  certificate('other-ca', 'another CA');
  // The engine's TLS: its certificate, and a client certificate required (as dockerd --tlsverify).
  server = createServer(
    { key: read('server-key.pem'), cert: read('server.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      clients.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '?'));
      res.setHeader('Content-Type', 'text/plain');
      res.end(req.url?.endsWith('/_ping') ? 'OK' : '{}');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tcp:// engines with TLS', () => {
  it('DOCKER_HOST with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH: verified, with the client certificate', async () => {
    const certs = join(dir, 'env-certs');
    mkdirSync(certs);
    writeFileSync(join(certs, 'ca.pem'), read('ca.pem'));
    writeFileSync(join(certs, 'cert.pem'), read('client.pem'));
    writeFileSync(join(certs, 'key.pem'), read('client-key.pem'));
    const engine = await connectEngineAt('default', {
      DOCKER_HOST: `tcp://127.0.0.1:${port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certs,
      DOCKER_CONFIG: join(dir, 'none'),
    });
    expect(engine.endpoint).toMatchObject({ transport: 'tcp', local: true, options: { protocol: 'https', port } });
    expect(await engine.ping()).toBeTruthy();
    expect(clients.at(-1)).toBe('student');
  });

  it("a context's TLS files; a CA that did not sign the engine's certificate is refused; SkipTLSVerify is not verified", async () => {
    const config = join(dir, 'config');
    const client = { 'cert.pem': read('client.pem'), 'key.pem': read('client-key.pem') };
    context(config, 'tls-good', `tcp://127.0.0.1:${port}`, { 'ca.pem': read('ca.pem'), ...client });
    context(config, 'tls-wrong-ca', `tcp://127.0.0.1:${port}`, { 'ca.pem': read('other-ca.pem'), ...client });
    context(config, 'tls-skip', `tcp://127.0.0.1:${port}`, { 'ca.pem': read('other-ca.pem'), ...client }, true);
    const env = { DOCKER_CONFIG: config };
    expect(await (await connectEngineAt('tls-good', env)).ping()).toBeTruthy();
    await expect(connectEngineAt('tls-wrong-ca', env)).rejects.toMatchObject({
      message: expect.stringContaining('No Docker engine answered (tried docker context tls-wrong-ca'),
      hint: expect.stringMatching(/certificate/),
    });
    expect(await (await connectEngineAt('tls-skip', env)).ping()).toBeTruthy();
    expect(clients.slice(-2)).toEqual(['student', 'student']);
  });
});
