// The names of kube-proxy's modes, the one list every layer reads: the lab-file language
// (model, schema), the proxy-mode drivers (src/plan/proxy/registry.ts has one driver per
// name, checked by the compiler), and the CLI. A mode's behaviour lives in its driver
// (src/plan/proxy/<mode>/driver.ts), never here.

/** Every proxy mode, in the order they are offered (the first is the default). */
export const PROXY_MODE_NAMES = ['iptables', 'nftables', 'userspace'] as const;

/** How kube-proxy programs the nodes. */
export type ProxyMode = (typeof PROXY_MODE_NAMES)[number];

/** A lab file that names no mode gets this one. */
export const DEFAULT_PROXY_MODE: ProxyMode = PROXY_MODE_NAMES[0];

export function isProxyMode(value: unknown): value is ProxyMode {
  return typeof value === 'string' && (PROXY_MODE_NAMES as readonly string[]).includes(value);
}
