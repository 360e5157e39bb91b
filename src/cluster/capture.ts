// `netlab capture`: tcpdump in one lab container's network namespace, run by the toolbox's
// netlab-agent (`netlab-agent stream`, docker/probe/stream.go) and streamed back through the
// engine's exec attach as it writes. Closing the exec's stdin stops it (SIGINT, so tcpdump
// writes out what it holds); so does netlab going away (the engine closes stdin for it) and the
// target's container going away (the agent watches its process).
import { parseCaptureTarget, tcpdumpArgv } from '../plan/capture.js';
import { NetlabError } from '../core/errors.js';
import { LABEL_LAB } from '../core/labels.js';
import { stepsRequest, type NamespaceRef } from '../core/toolbox-request.js';
import type { Engine, StreamingExec } from '../engine/engine.js';
import { RunningLab } from './running-lab.js';

export { parseCount } from '../plan/capture.js';

export interface CaptureOptions {
  interface?: string;
  count?: number;
  /** pcap on the stream's stdout; otherwise tcpdump's text lines. */
  pcap: boolean;
  filter: readonly string[];
}

export interface OpenCapture {
  /** `pod client eth0`, for messages. */
  what: string;
  exec: StreamingExec;
  /** Names the interfaces of the target's namespace (for an error about the one asked for). */
  interfaces(): Promise<string[]>;
}

/** Starts tcpdump on `targetText` (`client`, `node1:cbr0`...) of a running lab. */
export async function openCapture(engine: Engine, labArg: string, targetText: string, options: CaptureOptions): Promise<OpenCapture> {
  const spec = parseCaptureTarget(targetText, options.interface);
  const running = await RunningLab.open(engine, labArg);
  const named = running.containerFor(spec.target);
  // A pod's containers share its pause container's namespace, which lives as long as the pod: watched, not the app's.
  const container = running.plan.pods.find((p) => p.containers.some((c) => c.name === named))?.pause.name ?? named;
  const info = await engine.inspectContainer(container);
  if (!info || info.Config.Labels?.[LABEL_LAB] !== running.name || !info.State.Running || !info.State.Pid) {
    throw new NetlabError(`${spec.target} is not running, so there is nothing to capture on.`, { hint: `netlab up ${labArg} brings it back.` });
  }
  const netns: NamespaceRef = { pid: info.State.Pid, container: info.Id };
  const argv = tcpdumpArgv({
    interface: spec.interface,
    pcap: options.pcap,
    filter: options.filter,
    ...(options.count !== undefined ? { count: options.count } : {}),
  });
  const exec = await running.toolbox.stream({ argv, netns });
  return {
    what: `${spec.target} ${spec.interface}`,
    exec,
    interfaces: async () => {
      const [out] = await running.toolbox.run(stepsRequest(`interfaces of ${spec.target}`, [{ argv: ['ip', '-o', 'link', 'show'], netns }]));
      return [...(out ?? '').matchAll(/^\d+:\s+([^:@\s]+)/gm)].map((m) => m[1]!);
    },
  };
}
