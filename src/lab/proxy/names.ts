// Names kube-proxy derives from a service port: the ServicePortName string and the
// hashed chain names of the iptables and nftables modes. Pure.
import { createHash } from 'node:crypto';
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

/** The first `chars` characters of base32(sha256(text)), as kube-proxy hashes chain names. */
export function hashPrefix(text: string, chars: number): string {
  return base32Prefix(createHash('sha256').update(text).digest(), chars);
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
