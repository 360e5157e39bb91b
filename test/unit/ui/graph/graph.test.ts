import { describe, expect, it } from 'vitest';
import { graphPods, toDot, toMermaid, toSvg, toText } from '../../../../src/ui/graph/index.js';
import { podToService } from '../../../helpers/graph-fixture.js';

/** Well-formedness, simply: one root, tags nest and close, attributes quoted, entities known. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body))) {
    const [, close, name, , selfClose, textPart, stray] = m;
    if (stray) problems.push(`stray < at ${m.index}`);
    else if (textPart !== undefined) {
      if (stack.length === 0 && textPart.trim()) problems.push(`text outside the root: ${textPart.trim().slice(0, 20)}`);
      for (const e of textPart.match(/&[^;\s]*;?/g) ?? []) if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);$/i.test(e)) problems.push(`bad entity ${e}`);
    } else if (name) {
      if (close) {
        if (stack.pop() !== name) problems.push(`</${name}> closes the wrong element`);
      } else if (!selfClose) {
        if (stack.length === 0) roots++;
        stack.push(name);
      } else if (stack.length === 0) roots++;
    }
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

describe('labGraph', () => {
  it('groups pods under their nodes, with cbr0, pod CIDR and readiness', async () => {
    const g = await podToService(['server-1']);
    expect(g.router?.ip).toBe('10.250.0.2');
    expect(g.underlay.subnet).toBe('10.250.0.0/24');
    expect(g.nodes.map((n) => [n.name, n.ip, n.bridgeIP, n.podCIDR, n.pods.map((p) => `${p.name}=${p.ip}`)])).toEqual([
      ['node1', '10.250.0.11', '10.0.1.1', '10.0.1.0/24', ['server-0=10.0.1.2', 'client=10.0.1.3', 'coredns=10.0.1.4']],
      ['node2', '10.250.0.12', '10.0.2.1', '10.0.2.0/24', ['server-1=10.0.2.2']],
    ]);
    expect(graphPods(g).find((p) => p.name === 'server-1')?.ready).toBe(false);
    expect(g.external?.ip).toBe('10.250.0.3');
    // Not ready: not an endpoint.
    const svc = g.services.find((s) => s.name === 'service-test')!;
    expect(svc.clusterIP).toBe('10.3.241.152');
    expect(svc.endpoints.map((e) => e.pod)).toEqual(['server-0']);
  });

  it('merges the ports of one endpoint pod', async () => {
    const dns = (await podToService()).services.find((s) => s.name === 'kube-dns')!;
    expect(dns.endpoints).toEqual([{ pod: 'kube-system/coredns', ip: '10.0.1.4', ports: [53, 9153], node: 'node1' }]);
  });
});

describe('toText', () => {
  it('draws the router on top, nodes as boxes with cbr0 and pods, services with endpoints', async () => {
    const text = toText(await podToService());
    const lines = text.split('\n');
    const routerLine = lines.findIndex((l) => l.includes('─ router '));
    const node1Line = lines.findIndex((l) => l.includes('─ node1 '));
    expect(routerLine).toBeGreaterThan(0);
    expect(node1Line).toBeGreaterThan(routerLine);
    expect(lines[node1Line]).toContain('─ node2 ');
    expect(lines[node1Line]).toContain('─ external ');
    expect(text).toContain('cbr0 10.0.1.1  pods 10.0.1.0/24');
    expect(text).toContain('10.0.1.0/24 via 10.250.0.11');
    expect(text).toMatch(/├─ ✔ server-0 +10\.0\.1\.2/);
    expect(text).toMatch(/└─ ✔ server-1 +10\.0\.2\.2/);
    expect(text).toContain('underlay 10.250.0.0/24');
    expect(text).toContain('  service-test  10.3.241.152  80/TCP→8080\n    ├─→ server-0  10.0.1.2:8080  on node1\n    └─→ server-1  10.0.2.2:8080  on node2\n');
    // Boxes close: every box line of node1 has the same width.
    const right = [...lines[node1Line]!].indexOf('┐');
    const boxLines = lines.slice(node1Line).filter((l) => l.startsWith('│') || l.startsWith('└'));
    expect(boxLines.length).toBeGreaterThan(4);
    for (const l of boxLines) expect([...l][right]).toMatch(/[│┘]/);
  });

  it('marks a planned lab and can leave the services out', async () => {
    const g = { ...(await podToService()), planned: true };
    const text = toText(g, { services: false });
    expect(text.split('\n')[0]).toContain('(planned: not up)');
    expect(text).not.toContain('services');
  });

  it('wraps nodes onto more rows when narrow', async () => {
    const text = toText(await podToService(), { width: 60 });
    for (const line of text.split('\n').filter((l) => /[┌└│]/.test(l[0] ?? ''))) expect([...line].length).toBeLessThanOrEqual(60);
  });
});

describe('toMermaid and toDot', () => {
  it('hold every pod and every edge', async () => {
    const g = await podToService();
    const mermaid = toMermaid(g);
    const dot = toDot(g);
    expect(mermaid.startsWith('flowchart TB\n')).toBe(true);
    expect(dot.startsWith('graph "pod-to-service" {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    for (const p of graphPods(g)) {
      const id = `pod_${p.namespace}_${p.name}`.replace(/-/g, '_');
      expect(mermaid).toContain(`${id}(`);
      expect(mermaid).toContain(p.ip);
      expect(mermaid).toContain(`cbr0_${p.node} --- ${id}`);
      expect(dot).toContain(`${id} [label=`);
      expect(dot).toContain(`cbr0_${p.node} -- ${id};`);
    }
    for (const edge of ['router --- underlay', 'external --- underlay', 'underlay --- cbr0_node1', 'underlay --- cbr0_node2']) expect(mermaid).toContain(edge);
    for (const edge of ['router -- underlay;', 'external -- underlay;', 'underlay -- cbr0_node1;', 'underlay -- cbr0_node2;']) expect(dot).toContain(edge);
    for (const s of g.services) {
      const id = `svc_${s.namespace}_${s.name}`.replace(/-/g, '_');
      for (const e of s.endpoints) {
        const target = `pod_${e.pod.includes('/') ? e.pod.replace('/', '_') : `default_${e.pod}`}`.replace(/-/g, '_');
        expect(mermaid).toContain(`${id} -.->|${e.ports.join(',')}| ${target}`);
        expect(dot).toContain(`${id} -- ${target} [style=dashed`);
      }
    }
    expect(mermaid).toContain('10.3.241.152');
    // Balanced braces and subgraphs.
    expect(dot.split('{').length).toBe(dot.split('}').length);
    expect(mermaid.match(/^\s*subgraph /gm)?.length).toBe(mermaid.match(/^\s*end$/gm)?.length);
  });
});

describe('toSvg', () => {
  it('is well-formed XML holding every pod, node, the router and the services', async () => {
    const svg = toSvg(await podToService());
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const s of ['server-0', 'server-1', 'client', 'kube-system/coredns', 'node1', 'node2', 'router', 'svc service-test', '10.3.241.152', 'cbr0 10.0.1.1'])
      expect(svg).toContain(s);
    // One dashed line per endpoint pod: service-test (2) and kube-dns (1).
    expect(svg.match(/class="endpoint"/g)).toHaveLength(3);
  });

  it('escapes what XML must not hold raw', async () => {
    const g = { ...(await podToService()), lab: 'a<b>&"c"' };
    const svg = toSvg(g);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('a&lt;b&gt;&amp;&quot;c&quot;');
  });

  it('the checker itself catches broken XML', () => {
    expect(xmlProblems('<svg><g></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg>a & b</svg>')).not.toEqual([]);
    expect(xmlProblems('<svg></svg><svg></svg>')).not.toEqual([]);
  });
});
