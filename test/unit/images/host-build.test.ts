import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildBaseRootfs, findTool, goArch, runStreaming } from '../../../src/images/host-build.js';
import { NetlabError } from '../../../src/core/errors.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('host build steps', () => {
  it('asks for sudo before building the base image as a normal user', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const err = await buildBaseRootfs('/nonexistent', '/nonexistent/rootfs.tar').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetlabError);
    expect((err as NetlabError).hint).toContain('sudo netlab images build');
  });

  it('streams output lines and keeps the last ones', async () => {
    const seen: string[] = [];
    const result = await runStreaming('sh', ['-c', 'for i in $(seq 1 20); do echo line $i; done; echo oops >&2; exit 3'], {
      onLine: (l) => seen.push(l),
    });
    expect(result.code).toBe(3);
    expect(seen).toHaveLength(21);
    expect(result.tail).toHaveLength(15);
    expect(result.tail.at(-1)).toBe('oops');
  });

  it('finds tools on PATH and in the system directories a sudo PATH drops', async () => {
    expect(await findTool('sh', '')).toMatch(/\/sh$/);
    expect(await findTool('no-such-tool-netlab', '')).toBeUndefined();
  });

  it("names Node's architectures as Go and Docker do", () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
  });
});
