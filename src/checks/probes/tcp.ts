// tcp: a TCP connect (nc -z) from the source's namespace; reachable = the connection opened.
import type { ProbeDriver } from './driver.js';
import { CONNECT_TIMEOUT_S, enterSource, IN_POD, targetHost } from './shell.js';
import { reachedByExit } from './verdicts.js';

export const tcp: ProbeDriver = {
  kind: 'tcp',
  helpers: [IN_POD],
  command: (p) => `${enterSource(p)} nc -z -v -w ${CONNECT_TIMEOUT_S} ${targetHost(p)} ${p.port}`,
  judge: reachedByExit,
  diagnosis: { proto: 'tcp' },
};
