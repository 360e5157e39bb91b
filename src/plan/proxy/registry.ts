// Every proxy mode's driver, by name. A new mode: a folder with its driver.ts, its name in
// src/core/proxy-modes.ts, and one line in DRIVERS (the compiler asks for it).
import { NetlabError } from '../../core/errors.js';
import { isProxyMode, PROXY_MODE_NAMES, type ProxyMode } from '../../core/proxy-modes.js';
import type { ProxyModeDriver, ProxyModeDriverOf } from './driver.js';
import { iptablesDriver } from './iptables/driver.js';
import { nftablesDriver } from './nftables/driver.js';
import { userspaceDriver } from './userspace/driver.js';

export type { ProxyMode };
export type { ProxyModeDriver };

/** The modes' names, in the order they are offered (the first is the default). */
export const PROXY_MODES = PROXY_MODE_NAMES;

/** One driver per name, under its own name. */
const DRIVERS: { readonly [M in ProxyMode]: ProxyModeDriverOf<M> } = {
  iptables: iptablesDriver,
  nftables: nftablesDriver,
  userspace: userspaceDriver,
};

/** The driver of a mode; any other name is a usage error that lists the modes. */
export function proxyModeDriver(mode: string): ProxyModeDriver {
  if (isProxyMode(mode)) return DRIVERS[mode];
  throw new NetlabError(`Unknown proxy mode ${mode}.`, { hint: `Use one of ${PROXY_MODES.join(', ')}.`, exitCode: 2 });
}
