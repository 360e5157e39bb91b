// One kube-proxy sync for the whole lab (and the cluster DNS's records): endpoints from the pods
// that are ready now (running, readiness probes passing), rules for every node written in one
// toolbox exec (a second only when the rules read back lack something), zones into CoreDNS.
import { NetlabError } from '../core/errors.js';
import type { Lab } from '../labfile/model.js';
import { corefile } from '../plan/dns/corefile.js';
import { clusterZone, reverseZone } from '../plan/dns/zone.js';
import { type EventSink, task } from '../core/events.js';
import { COREDNS_DIR, DNS_NAMESPACE, DNS_POD } from '../plan/addons.js';
import { podContainerName } from '../core/names.js';
import { type Engine, type StreamingExec, tarOf } from '../engine/engine.js';
import { lastWords, type NamespaceRef, type StepResult } from '../core/toolbox-request.js';
import type { Toolbox, ToolboxSession } from '../engine/toolbox.js';
import { proxySyncRequest, proxySyncRestRequest } from '../plan/requests.js';
import { deleteStaleUdpFlows, udpFlowListing } from './conntrack-cleanup.js';
import { withLabLock } from './lock.js';
import { beginProxySync, nodeStart, type ProxySyncStart, syncProxyRules } from './proxy-state.js';
import { syncIngress } from './ingress.js';
import { readPodSources, type RunningLab, withRunningLab } from './running-lab.js';
import { dnsInput, dnsIP, planServices, proxyInput, type PlannedService, type PodEndpointSource } from '../plan/services.js';
import { loadBalancerSetting } from '../plan/load-balancer.js';
import { HEALTH_CONFIG, HEALTH_START, healthCheckConfig, needsHealthChecks } from '../plan/health-check.js';
import { announcedBy, type Announcement, gratuitousArpStep, withAnnouncements } from '../plan/announce.js';
import type { LabPlan } from '../plan/types.js';
import type { ProbeVerdict } from '../plan/probes.js';
import type { NodeProxyState, NodeSync, ProxyNodeSetup } from '../plan/proxy/driver.js';
import { proxyModeDriver } from '../plan/proxy/registry.js';
import type { ProxyInput } from '../plan/proxy/types.js';
import { policyInput } from '../plan/policy/input.js';
import { policySync, withPolicies } from '../plan/policy/sync.js';

export interface SyncResult {
  services: PlannedService[];
  /** Endpoints in all, over all service ports. */
  endpoints: number;
  /** Nodes whose rules were synced partially (only what changed; KEP-3453). */
  partialNodes: number;
}

/** What a sync needs of a lab on the engine (a RunningLab, or a lab `up` is bringing up). */
export interface SyncTarget {
  engine: Engine;
  toolbox: Toolbox;
  lab: Lab;
  plan: LabPlan;
}

/** What programs one node's kube-proxy rules in the lab's proxy mode (its driver's agent steps). */
export function nodeProxySync(mode: Lab['topology']['proxyMode'], input: ProxyInput, node: NamespaceRef, previousPorts: NodeProxyState = {}): NodeSync {
  return proxyModeDriver(mode).sync(input, node, previousPorts);
}

/** Every node's sync: loaded and read back in one toolbox exec; what the reads show missing in a second. */
export async function runProxySync(toolbox: Toolbox, jobs: { node: string; sync: NodeSync }[]): Promise<void> {
  const left = (await toolbox.run(proxySyncRequest(jobs))).filter((l) => l.steps.length);
  if (left.length) await toolbox.run(proxySyncRestRequest(left));
}

/** `netlab sync`: under the lab's lock, the lab opened as it runs now, then one sync. */
export function syncLab(engine: Engine, labArg: string, emit: EventSink): Promise<{ result: SyncResult; running: RunningLab }> {
  // Asked for by name, a sync is a full one, as kube-proxy's first after a restart.
  return withRunningLab(engine, labArg, 'sync', async (running) => ({ result: await syncServices(running, emit, undefined, { full: true }), running }), {
    emit,
  });
}

export interface SyncOptions {
  /** Rewrite every rule (modes with partial syncs: whatever the nodes' sync states say). */
  full?: boolean;
  /** The sync's first half, begun earlier (beginSync) while the pods were changing. */
  begun?: BegunSync;
  /** A toolbox session open already (up's), for the sync's requests when it is not begun; its opener closes it. */
  session?: Promise<ToolboxSession>;
}

/**
 * A sync's first half, which needs nothing of the pods: the nodes looked at and, in a mode with
 * partial syncs, the sync's one exec opened and the nodes' states read in it. A change to a
 * running lab begins it while its pods are made, so that only the rules are left once they run.
 */
export interface BegunSync {
  nodes: Promise<{ node: LabPlan['nodes'][number]; ref: NamespaceRef; start: string }[]>;
  proxyStart?: ProxySyncStart;
  /** The CoreDNS container's reload script, started and waiting for the files on its stdin. */
  dns?: BegunDns;
  /** Ends the execs if the sync did not (a sync that never ran); never fails. */
  close(): Promise<void>;
}

export function beginSync(target: SyncTarget, full = false, session?: Promise<ToolboxSession>): BegunSync {
  const { engine, lab, plan } = target;
  const driver = proxyModeDriver(lab.topology.proxyMode);
  const nodes = Promise.all(
    plan.nodes.map(async (n) => {
      const info = await engine.inspectContainer(n.container.name);
      if (!info?.State.Running) throw new NetlabError(`Node ${n.name} is not running.`, { hint: `netlab up ${plan.lab} brings it back.` });
      return { node: n, ref: { pid: info.State.Pid, container: info.Id }, start: nodeStart(info) };
    }),
  );
  nodes.catch(() => undefined); // awaited by the sync
  const proxyStart =
    driver.partialSync && plan.nodes.length && (lab.services.length || lab.networkPolicies)
      ? beginProxySync(
          target.toolbox,
          nodes.then((ns) => ns.map((n) => n.ref)),
          full,
          session,
        )
      : undefined;
  const dns = lab.topology.dns ? beginDns(engine, plan) : undefined;
  return {
    nodes,
    ...(proxyStart ? { proxyStart } : {}),
    ...(dns ? { dns } : {}),
    close: async () => {
      await Promise.all([proxyStart?.close().catch(() => undefined), dns?.close()]);
    },
  };
}

/**
 * One sync, under the lab's lock (already held when it is part of `up`). `probes`: the readiness
 * probes' results a control loop keeps (by container); without them the probes run once.
 */
export function syncServices(target: SyncTarget, emit: EventSink, probes?: ReadonlyMap<string, ProbeVerdict>, options: SyncOptions = {}): Promise<SyncResult> {
  return withLabLock(target.engine, target.plan.lab, 'sync', () => syncLocked(target, emit, probes, options), { emit });
}

async function syncLocked(
  target: SyncTarget,
  emit: EventSink,
  probes: ReadonlyMap<string, ProbeVerdict> | undefined,
  options: SyncOptions,
): Promise<SyncResult> {
  const { engine, lab, plan } = target;
  // Opened here unless begun earlier; ended once the sync is done, whatever happened.
  const begun = options.begun ?? beginSync(target, !!options.full, options.session);
  return task(
    emit,
    'sync',
    `kube-proxy sync (${lab.topology.proxyMode})${lab.topology.dns ? ' and DNS' : ''}`,
    async () => {
      const driver = proxyModeDriver(lab.topology.proxyMode);
      // A mode with partial syncs opens the sync's one exec and reads the nodes' states in it while the pods are read (or did already).
      const inspected = begun.nodes;
      const proxyStart = begun.proxyStart;
      const sources = await readPodSources(target, probes);
      const planned = planServices(lab.services, sources, lab.topology.serviceCIDR, [], loadBalancerSetting(plan));
      const nodes = await inspected;
      // A mode that runs a process in the node (userspace: the proxy, which keeps the local ports
      // it listens on from sync to sync) reads what it keeps there first.
      const setup = driver.nodeSetup;
      const previousPorts = setup ? await Promise.all(nodes.map(({ node }) => readNodeProxy(engine, setup, node.container.name))) : [];
      const lb = loadBalancerSetting(plan);
      const added: { ref: NamespaceRef; dev: string; ip: string }[] = [];
      const inputs = nodes.map(({ node }) => proxyInput(planned, node.name, node.ip, lab.topology.clusterCIDR, lab.topology.serviceCIDR));
      // NetworkPolicies (src/plan/policy) ride along: their rules load in the same exec.
      const policies = lab.networkPolicies && policyInput(lab, sources);
      // MetalLB layer 2: the elected node holds each address (src/plan/announce.ts); every other node lets go of it.
      const announce = (proxy: NodeSync, index: number): NodeSync => {
        const { node, ref } = nodes[index]!;
        const sync = policies ? withPolicies(proxy, policySync(lab.topology.proxyMode, policies, node.name, ref)) : proxy;
        const announced = (a: Announcement) => added.push(...a.add.map((ip) => ({ ref, dev: a.dev, ip })));
        return lb ? withAnnouncements(sync, ref, node.ip, announcedBy(node.name, planned), lb.pool, announced) : sync;
      };
      const jobs = nodes.map(({ node, ref }, index) => ({
        node: node.name,
        container: node.container.name,
        sync: driver.partialSync ? undefined : announce(nodeProxySync(lab.topology.proxyMode, inputs[index]!, ref, previousPorts[index]), index),
      }));
      let partialNodes = 0;
      // The UDP conntrack listing (as kube-proxy cleans up after each sync) rides in the rules' exec.
      const listing = lab.services.length ? udpFlowListing(lab.topology.proxyMode, nodes, planned) : undefined;
      let listed: StepResult[][] = [];
      const rules = async (): Promise<void> => {
        if (!driver.partialSync)
          return runProxySync(
            target.toolbox,
            jobs.map((j) => ({ node: j.node, sync: j.sync! })),
          );
        const proxyNodes = nodes.map(({ node, ref, start }, i) => ({
          node: node.name,
          container: node.container.name,
          ref,
          start,
          input: inputs[i]!,
        }));
        ({ partial: partialNodes, post: listed } = await syncProxyRules(
          engine,
          proxyStart!, // opened above whenever there are rules to sync
          { name: driver.name, partialSync: driver.partialSync.bind(driver) },
          proxyNodes,
          {
            full: options.full,
            wrap: announce,
            beforeAttempt: () => {
              added.length = 0;
            },
            post: listing && ((i) => listing[i]!),
          },
        ));
      };
      // Its files go in first (the proxy's config), then the rules and the process (started, or told to re-read them) at once.
      await Promise.all(jobs.map((j) => (j.sync?.files ? engine.putFiles(j.container, j.sync.files.dir, j.sync.files.files) : undefined)));
      const work: Promise<unknown>[] = [];
      // Once the rules are in, the UDP flows they no longer send where conntrack does are forgotten (as kube-proxy does).
      const staleFlows = () =>
        deleteStaleUdpFlows(
          target.toolbox,
          nodes.map(({ node, ref }) => ({ node: node.name, ref })),
          planned,
          listed.map((l) => l[0]),
        );
      if (jobs.length && (lab.services.length || policies))
        work.push(rules().then(() => Promise.all([sendGratuitousArp(target.toolbox, added), listing ? staleFlows() : undefined])));
      if (setup) work.push(...jobs.map((j) => startNodeProxy(engine, setup, j.container, j.node)));
      if (!setup && needsHealthChecks(planned)) work.push(...nodes.map(({ node }) => startHealthChecks(engine, node.container.name, node.name, planned)));
      if (lab.topology.dns) work.push(writeDns(engine, plan, planned, sources, begun.dns, options.begun !== undefined));
      work.push(syncIngress(engine, lab, plan, planned));
      await Promise.all(work);
      return {
        services: planned,
        endpoints: planned.reduce((n, s) => n + s.ports.reduce((m, p) => m + p.endpoints.length, 0), 0),
        partialNodes,
      };
    },
    (r) => `${r.services.length} service(s), ${r.endpoints} endpoint(s) on ${plan.nodes.length} node(s)`,
  ).finally(() => {
    // Their stdin closed: the agent exits by itself once it has answered; nothing waits for that.
    void begun.close();
  });
}

/** kube-proxy's health-check server in a node (iptables and nftables modes): its config, then started or told to re-read it. */
async function startHealthChecks(engine: Engine, container: string, node: string, planned: PlannedService[]): Promise<void> {
  await engine.putFiles(container, '/', { [HEALTH_CONFIG.slice(1)]: JSON.stringify(healthCheckConfig(planned, node), null, 1) });
  const r = await engine.exec(container, [...HEALTH_START]);
  if (r.exitCode !== 0) throw new NetlabError(`Could not start the health-check server on ${node}: ${lastWords(r) || `exit code ${r.exitCode}`}`);
}

/** A speaker's gratuitous ARP for each address it took over, so that neighbours forget the last speaker's MAC (best effort, as a speaker's). */
async function sendGratuitousArp(toolbox: Toolbox, added: readonly { ref: NamespaceRef; dev: string; ip: string }[]): Promise<void> {
  if (!added.length) return;
  await toolbox.run({
    what: 'gratuitous ARP for load-balancer addresses',
    steps: added.map((a) => gratuitousArpStep(a.ref, a.dev, a.ip)),
    parallel: added.length,
    parse: () => undefined,
  });
}

/**
 * Run in the CoreDNS container (netlab's own image), with the folder and the new serial as its
 * arguments ($1, $2) and the files (the zones, Corefile.new) as a tar archive on its stdin: the
 * script itself is constant, and one exec does it all. It is started when the sync begins and
 * waits for the archive, so that the exec's own start-up is not on the sync's path. A changed
 * Corefile is moved in place. CoreDNS, when it runs already (it has a Corefile), is told to
 * reload (SIGUSR1: the Corefile and the zones, ~10 ms; its `file` plugin alone would notice the
 * new serial only on its next check). Then it waits (3 s at most) until CoreDNS serves the new
 * serial (netlab-dns-wait, in netlab's CoreDNS image), so records follow a change at once. An
 * archive that never comes (an empty stdin) changes nothing.
 */
const COREDNS_RELOAD = [
  'cd "$1" && tar -x --no-same-owner -f - || exit 1',
  '[ -s Corefile ] && running=1',
  'if cmp -s Corefile.new Corefile; then rm Corefile.new; else mv Corefile.new Corefile; fi',
  '[ -z "$running" ] || kill -USR1 1',
  // netlab-dns-wait asks every 5 ms in one process; a container made before it existed polls with dig.
  'command -v netlab-dns-wait >/dev/null && exec netlab-dns-wait cluster.local "$2"',
  `i=0; while [ $i -lt 60 ]; do [ "$(dig +short +time=1 +tries=1 @127.0.0.1 SOA cluster.local 2>/dev/null | awk '{print $3}')" = "$2" ] && exit 0; i=$((i+1)); sleep 0.05; done; echo "CoreDNS did not serve serial $2 within 3 s" >&2`,
].join('\n');

/** The reload script running in the CoreDNS container, waiting for its files. */
export interface BegunDns {
  container: string;
  serial: number;
  /** The exec, with the container it runs in (undefined: CoreDNS's container was not running). */
  exec: Promise<{ id: string; exec: StreamingExec } | undefined>;
  /** Ends the exec if nothing was written to it (an empty archive changes nothing); never fails. */
  close(): Promise<void>;
}

function beginDns(engine: Engine, plan: LabPlan): BegunDns | undefined {
  const dnsPod = plan.pods.find((p) => p.namespace === DNS_NAMESPACE && p.name === DNS_POD);
  if (!dnsPod) return undefined;
  const container = `${podContainerName(plan.lab, dnsPod)}-coredns`;
  // SOA serial: tenths of a second since 2025, so that quick successive syncs still raise it.
  const serial = Math.floor((Date.now() - Date.UTC(2025, 0, 1)) / 100);
  const exec = (async () => {
    const info = await engine.inspectContainer(container);
    if (!info?.State.Running) return undefined;
    return { id: info.Id, exec: await engine.stream(info.Id, ['sh', '-c', COREDNS_RELOAD, 'coredns-reload', COREDNS_DIR, String(serial)], '') };
  })();
  exec.catch(() => undefined); // awaited by writeDns, or by close
  return {
    container,
    serial,
    exec,
    close: async () => {
      const begun = await exec.catch(() => undefined);
      begun?.exec.closeStdin();
    },
  };
}

/**
 * Zone files into the CoreDNS container, through the reload script begun with the sync.
 * `beforePods`: begun before `up` made the pods, so the CoreDNS container it runs in may since
 * have been replaced (a sync begun with itself needs no such look).
 */
async function writeDns(
  engine: Engine,
  plan: LabPlan,
  planned: PlannedService[],
  sources: PodEndpointSource[],
  begun: BegunDns | undefined,
  beforePods: boolean,
): Promise<void> {
  let dns = begun;
  let started = await dns?.exec.catch(() => undefined);
  if (dns && started && beforePods && (await engine.inspectContainer(dns.container))?.Id !== started.id) {
    await dns.close();
    dns = undefined;
  }
  dns ??= beginDns(engine, plan);
  if (!dns) return;
  started = await dns.exec;
  if (!started) throw new NetlabError(`CoreDNS's container ${dns.container} is not running.`, { hint: `netlab up ${plan.lab} starts it again.` });
  const input = dnsInput(planned, sources, dns.serial, dnsIP(plan.serviceCIDR));
  const files = await tarOf({
    'db.cluster.local': clusterZone(input),
    'db.in-addr.arpa': reverseZone(input),
    'Corefile.new': corefile({ domain: 'cluster.local', zoneFile: `${COREDNS_DIR}/db.cluster.local`, reverseFile: `${COREDNS_DIR}/db.in-addr.arpa` }),
  });
  const { exec } = started;
  const out: string[] = [];
  exec.stdout.resume();
  exec.stderr.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  exec.write(files);
  exec.closeStdin();
  const code = await exec.exitCode();
  if (code !== 0) throw new NetlabError(`Could not update CoreDNS's configuration: ${out.join('').trim().split('\n').pop() || `exit code ${code}`}`);
}

/** What the mode's process keeps in a node from one sync to the next ({} before the first). */
async function readNodeProxy(engine: Engine, setup: ProxyNodeSetup, container: string): Promise<NodeProxyState> {
  const r = await engine.exec(container, [...setup.read]);
  return r.exitCode === 0 ? setup.state(r.stdout) : {};
}

/** Starts the mode's process in a node like kube-proxy ran there (userspace: started once, reloaded with SIGHUP). */
async function startNodeProxy(engine: Engine, setup: ProxyNodeSetup, container: string, node: string): Promise<void> {
  const r = await engine.exec(container, [...setup.start]);
  if (r.exitCode !== 0) throw new NetlabError(`Could not start ${setup.what} on ${node}: ${lastWords(r) || `exit code ${r.exitCode}`}`);
}
