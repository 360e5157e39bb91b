// `explain --capture`: tcpdump on each hop of the path (the source's eth0, every node's eth0,
// the router's, each possible destination pod's eth0), started and listening before explain
// sends its one request, stopped once explain has read the lab again. Each capture is one
// `netlab-agent stream` exec (src/engine's Toolbox.stream); what they caught is filtered to the
// request's flow (flow.ts) so other traffic stays out.
import type { NamespaceRef } from '../../core/toolbox-request.js';
import type { StreamingExec } from '../../engine/engine.js';
import { nodeLabel, podLabel, type PathFacts, type PathPlan } from '../diagnose/path.js';
import type { LabTarget } from '../target.js';
import { type CaptureView, flowView, type HopCapture, requestFlow } from './flow.js';
import { readPcap } from './pcap.js';
import { DEFAULT_INTERFACE, tcpdumpArgv } from '../../plan/capture.js';

/** Headers are all a hop's line needs. */
const SNAPLEN = 128;
/** How long a capture may take to start listening (a busy machine starts execs slowly). */
const LISTEN_TIMEOUT_MS = 15_000;
/** A capture left running by a netlab that died stops by itself (the engine closing stdin stops it first). */
const CAPTURE_LIMIT_MS = 120_000;
/** The connection's last packets (FIN, ACK) pass just after the request returns. */
const SETTLE_MS = 150;

interface HopSpec {
  where: string;
  container: string;
}

/** The hops to capture on, in the path's order: source, its node, the other nodes, the router, the destination pods. */
export function captureHops(path: PathPlan): HopSpec[] {
  const f = path.facts;
  const hops: HopSpec[] = [];
  const add = (where: string, label: string) => {
    const container = path.containers.get(label);
    if (container && !hops.some((h) => h.container === container)) hops.push({ where, container });
  };
  add(f.source.name, path.sourceLabel);
  const nodes = [...f.nodes].sort((a, b) => Number(b.name === f.source.node) - Number(a.name === f.source.node));
  for (const n of nodes) add(n.name, nodeLabel(n.name));
  if (f.router) add('router', 'router');
  for (const p of destinationPods(f)) add(p.name, podLabel(p));
  return hops;
}

function destinationPods(f: PathFacts): PathFacts['pods'] {
  return f.pods.filter((p) => p.ip !== f.source.ip);
}

interface Running {
  hop: HopSpec;
  exec?: StreamingExec;
  chunks: Buffer[];
  stderr: string;
  error?: string;
}

export interface ExplainCapture {
  /** Awaits `work` (explain's reads and request), then stops every capture, whatever it gave. */
  during<T>(work: Promise<T>): Promise<T>;
  /** The flow's packets per hop (after `during`). */
  view(f: PathFacts, sections: ReadonlyMap<string, string>): CaptureView;
}

/** Starts a capture on each hop and waits until each listens (or failed to start). */
export async function startExplainCapture(
  target: LabTarget,
  path: PathPlan,
  ns: (container: string) => Promise<NamespaceRef | undefined>,
): Promise<ExplainCapture> {
  const proto = path.facts.target.proto;
  const argv = tcpdumpArgv({ interface: DEFAULT_INTERFACE, pcap: true, snaplen: SNAPLEN, filter: [proto] });
  const running: Running[] = await Promise.all(
    captureHops(path).map(async (hop): Promise<Running> => {
      const r: Running = { hop, chunks: [], stderr: '' };
      const netns = await ns(hop.container);
      if (!netns) return { ...r, error: 'not running' };
      try {
        r.exec = await target.toolbox.stream({ argv, netns, timeoutMs: CAPTURE_LIMIT_MS });
      } catch (err) {
        return { ...r, error: (err as Error).message };
      }
      r.exec.stdout.on('data', (c: Buffer) => r.chunks.push(c));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          r.error = 'tcpdump did not start listening';
          resolve();
        }, LISTEN_TIMEOUT_MS);
        r.exec!.stderr.on('data', (c: Buffer) => {
          r.stderr += c.toString('utf8');
          if (/listening on/.test(r.stderr)) {
            clearTimeout(timer);
            resolve();
          }
        });
        void r.exec!.exitCode().then((code) => {
          clearTimeout(timer);
          if (!/listening on/.test(r.stderr)) r.error = r.stderr.trim().split('\n').at(-1) || `tcpdump ended (exit code ${code})`;
          resolve();
        });
      });
      return r;
    }),
  );
  let hops: HopCapture[] = [];
  const stop = async () => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    for (const r of running) r.exec?.closeStdin();
    hops = await Promise.all(
      running.map(async (r): Promise<HopCapture> => {
        const base = { where: r.hop.where, interface: DEFAULT_INTERFACE };
        if (r.exec) {
          const killed = setTimeout(() => r.exec!.destroy(), 5000);
          await r.exec.exitCode();
          clearTimeout(killed);
        }
        if (r.error) return { ...base, packets: [], error: r.error };
        try {
          return { ...base, packets: readPcap(Buffer.concat(r.chunks)).packets };
        } catch (err) {
          return { ...base, packets: [], error: `unreadable capture: ${(err as Error).message}` };
        }
      }),
    );
  };
  return {
    async during(work) {
      try {
        return await work;
      } finally {
        await stop();
      }
    },
    view: (f, sections) => flowView(hops, requestFlow(f, sections)),
  };
}
