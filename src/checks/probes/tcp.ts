// tcp: a TCP connect (nc -z) from the source's namespace; reachable = the connection opened.
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, fromSource, targetHost } from './steps.js';
import { reachedByExit } from './verdicts.js';

export const tcp: ProbeDriver = {
  kind: 'tcp',
  // Host and port after `--`: operands, never options.
  steps: (p) => [fromSource(p, ['nc', '-z', '-v', '-w', `${CONNECT_TIMEOUT_S}`, '--', targetHost(p), `${p.port}`])],
  judge: (p, [r]) => reachedByExit(p, r!),
  diagnosis: { proto: 'tcp' },
};
