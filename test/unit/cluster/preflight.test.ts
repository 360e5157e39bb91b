// Preflight's look at the host: a port some process holds on 127.0.0.1 is seen as held (netlab
// binds it and lets go at once), a free one as free; the routes table is read where there is one.
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hostHolds, readHostRoutes } from '../../../src/cluster/preflight.js';

describe('the host, as preflight asks it', () => {
  it('a TCP port a process listens on is held; once it is closed it is free (and netlab did not keep it)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as AddressInfo;
    expect(await hostHolds(port, 'tcp')).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await hostHolds(port, 'tcp')).toBe(false);
    expect(await hostHolds(port, 'tcp')).toBe(false);
  });

  it('a UDP port is asked as UDP', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    expect(await hostHolds(port, 'udp')).toBe(true);
    await new Promise<void>((resolve) => socket.close(resolve));
    expect(await hostHolds(port, 'udp')).toBe(false);
  });

  it.runIf(process.platform === 'linux')("reads this machine's routes", async () => {
    const routes = await readHostRoutes();
    for (const r of routes) expect(r.cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
  });
});
