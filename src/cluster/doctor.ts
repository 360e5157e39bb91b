// `netlab doctor`: can this engine run labs? Engine, images, and the kernel features a lab leans
// on, probed from inside a short-lived node container (removed again at once).
import { LABEL_LAB, LABEL_ROLE } from '../core/labels.js';
import { connectEngine } from '../engine/connect.js';
import { imageRefs, listImages } from '../images/index.js';

export interface Finding {
  name: string;
  ok: boolean;
  detail: string;
}

/** Probed from inside a short-lived node container: the kernel features a lab leans on. */
const KERNEL_SCRIPT = [
  'ok() { printf "%s\\t%s\\t%s\\n" "$1" "$2" "$3"; }',
  'if [ -d /proc/sys/net/bridge ]; then ok bridge-netfilter yes "br_netfilter present"; else ok bridge-netfilter no "no /proc/sys/net/bridge: same-node service traffic may skip netfilter"; fi',
  'if nft add table ip netlab_doctor 2>/tmp/e && nft delete table ip netlab_doctor; then ok nf_tables yes "nft can create tables"; else ok nf_tables no "$(cat /tmp/e)"; fi',
  'if iptables -t nat -N NETLAB-DOCTOR 2>/tmp/e && iptables -t nat -X NETLAB-DOCTOR; then ok iptables yes "$(iptables --version)"; else ok iptables no "$(cat /tmp/e)"; fi',
  'if iptables -t nat -A OUTPUT -m statistic --mode random --probability 0.5 -m comment --comment doctor -j RETURN 2>/tmp/e; then ok iptables-matches yes "statistic and comment matches"; else ok iptables-matches no "$(cat /tmp/e)"; fi',
  'if conntrack -L >/dev/null 2>/tmp/e; then ok conntrack yes "conntrack table readable"; else ok conntrack no "$(cat /tmp/e)"; fi',
  'missing=""; for p in bridge host-local loopback; do [ -x /usr/lib/cni/$p ] || missing="$missing $p"; done',
  'if [ -z "$missing" ]; then ok cni-plugins yes "bridge, host-local in /usr/lib/cni"; else ok cni-plugins no "missing:$missing"; fi',
  'if [ -d /proc/net/ip_vs ] || grep -q ip_vs /proc/modules 2>/dev/null; then ok ipvs yes "ip_vs loaded"; else ok ipvs info "no IPVS in this kernel: labs use iptables or nftables"; fi',
].join('\n');

export async function doctor(): Promise<Finding[]> {
  const findings: Finding[] = [];
  try {
    const engine = await connectEngine();
    const [v, info] = await Promise.all([engine.version(), engine.info()]);
    const where = engine.endpoint.local
      ? 'on this machine'
      : `on ${info.name} over ${engine.endpoint.transport}, not this machine: ports --publish binds are on that host's 127.0.0.1`;
    findings.push({ name: 'engine', ok: true, detail: `Docker ${v.Version} (API ${v.ApiVersion}) at ${engine.endpoint.source}, ${where}` });
    const images = await listImages(engine);
    const missing = images.filter((i) => !i.present).map((i) => i.name);
    findings.push({
      name: 'images',
      ok: missing.length === 0,
      detail: missing.length ? `not built: ${missing.join(', ')} (netlab images build, or netlab up builds them)` : 'all built',
    });
    const refs = await imageRefs();
    if (!missing.includes('node')) {
      const id = await engine.createContainer(`netlab-doctor-${process.pid}`, {
        Image: refs.node,
        Cmd: ['sleep', '30'],
        Labels: { [LABEL_LAB]: `doctor-${process.pid}`, [LABEL_ROLE]: 'node' },
        HostConfig: { CapAdd: ['NET_ADMIN', 'NET_RAW'], NetworkMode: 'none' },
      });
      try {
        await engine.startContainer(id);
        const r = await engine.exec(id, ['sh', '-c', KERNEL_SCRIPT]);
        for (const line of r.stdout.trim().split('\n')) {
          const [name = '?', ok, detail = ''] = line.split('\t');
          findings.push({ name, ok: ok !== 'no', detail });
        }
      } finally {
        await engine.removeContainer(id);
      }
    }
  } catch (err) {
    const e = err as { message: string; hint?: string };
    findings.push({ name: 'engine', ok: false, detail: `${e.message}${e.hint ? ` ${e.hint}` : ''}` });
  }
  return findings;
}
