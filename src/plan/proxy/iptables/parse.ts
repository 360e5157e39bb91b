// Reading iptables rules back: `iptables-save -c` output as rules with their counters, for
// the diagnosis and `explain` of the iptables and userspace modes (both write nat rules). Pure.

export interface IptRule {
  chain: string;
  packets: number;
  bytes: number;
  /** The rule after `-A CHAIN `. */
  spec: string;
  /** `-j TARGET`. */
  target?: string;
  comment?: string;
}

/** Rules of one table of `iptables-save -c` (`[pkts:bytes] -A CHAIN ...`). Counters are 0 without -c. */
export function parseIptablesSave(out: string, table = 'nat'): IptRule[] {
  const rules: IptRule[] = [];
  let current = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('*')) current = line.slice(1).trim();
    if (current !== table) continue;
    const m = /^(?:\[(\d+):(\d+)\]\s+)?-A (\S+) (.*)$/.exec(line.trim());
    if (!m) continue;
    const spec = m[4]!;
    rules.push({
      chain: m[3]!,
      packets: Number(m[1] ?? 0),
      bytes: Number(m[2] ?? 0),
      spec,
      target: /(?:^|\s)-[jg] (\S+)/.exec(spec)?.[1],
      comment: /--comment (?:"([^"]*)"|(\S+))/
        .exec(spec)
        ?.slice(1)
        .find((x) => x !== undefined),
    });
  }
  return rules;
}

/** Whether a KUBE-SERVICES-style rule matches destination ip:port/proto. */
export function ruleMatchesDestination(rule: IptRule, ip: string, port: number, proto: 'tcp' | 'udp'): boolean {
  return (
    new RegExp(`(^|\\s)-d ${ip.replace(/\./g, '\\.')}(/32)?(\\s|$)`).test(rule.spec) &&
    new RegExp(`--dport ${port}(\\s|$)`).test(rule.spec) &&
    new RegExp(`-p ${proto}(\\s|$)`).test(rule.spec)
  );
}

/** The first rule of `chain` that sends ip:port/proto somewhere (a service's entry rule). */
export function entryRule(rules: readonly IptRule[], chain: string, s: { clusterIP: string; port: number; protocol: 'tcp' | 'udp' }): IptRule | undefined {
  return rules.find((r) => r.chain === chain && ruleMatchesDestination(r, s.clusterIP, s.port, s.protocol));
}

/** Rules as `iptables-save -c` prints them (evidence lines). */
export function rulesText(rules: readonly IptRule[]): string[] {
  return rules.map((r) => `[${r.packets}:${r.bytes}] -A ${r.chain} ${r.spec}`);
}
