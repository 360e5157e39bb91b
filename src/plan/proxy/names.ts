// Names kube-proxy derives from a service port: the ServicePortName string and the
// hashed chain names of the iptables and nftables modes. Pure.
import * as crypto from 'node:crypto';
import type { EndpointState, ServicePortState } from './types.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding) of the first bytes of `data`, `chars` characters long. */
function base32Prefix(data: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < data.length && out.length < chars; i++) {
    value = ((value << 8) | data[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

// crypto.hash (Node >= 20.12) is a one-shot digest, about twice as fast as createHash
// for short inputs; hashing is most of the cost of a sync of thousands of endpoints.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
const sha256: (text: string) => Buffer = oneShot ? (text) => oneShot('sha256', text, 'buffer') : (text) => crypto.createHash('sha256').update(text).digest();

/** Hashes already computed, per length (a sync repeats nearly all of the previous one's names). */
const memos = new Map<number, Map<string, string>>();
const MEMO_MAX = 100_000;

/** The first `chars` characters of base32(sha256(text)), as kube-proxy hashes chain names. */
export function hashPrefix(text: string, chars: number): string {
  let memo = memos.get(chars);
  if (!memo) memos.set(chars, (memo = new Map()));
  let value = memo.get(text);
  if (value === undefined) {
    value = base32Prefix(sha256(text), chars);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(text, value);
  }
  return value;
}

/**
 * ServicePortName.String() of pkg/proxy: `ns/svc:port`, or `ns/svc` when the port has no
 * name (kube-proxy before about 1.9 printed `ns/svc:`; every later version omits the colon).
 */
export function servicePortName(sp: Pick<ServicePortState, 'namespace' | 'service' | 'portName'>): string {
  return sp.portName ? `${sp.namespace}/${sp.service}:${sp.portName}` : `${sp.namespace}/${sp.service}`;
}

/** `ip:port` as kube-proxy's BaseEndpointInfo.String() (IPv4). */
export function endpointString(ep: Pick<EndpointState, 'ip' | 'port'>): string {
  return `${ep.ip}:${ep.port}`;
}

/**
 * A service port's endpoints in kube-proxy's order (pkg/proxy's byEndpoint): by the
 * `ip:port` strings, not by number, so 10.0.1.10 comes before 10.0.1.2. The iptables
 * probabilities and the nftables numgen indices follow this order.
 */
export function kubeProxyEndpointOrder<T extends Pick<EndpointState, 'ip' | 'port'>>(endpoints: readonly T[]): T[] {
  const keyed = endpoints.map((e) => ({ e, key: endpointString(e) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.e);
}
