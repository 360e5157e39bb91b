// Isolation of a lab from the engine host: nothing on the lab's bridge reaches the host's own
// services (the host holds the network's gateway address, and answers for all its addresses
// there) or crosses the bridge to any other interface (another lab, docker0, the host's LAN).
// Docker's bridge networks give no such option (Docker 20.10 has no gateway modes, and
// `inhibit_ipv4` still lets a node deliver to any host address with an on-link route while it
// breaks --publish), so netlab keeps a small nftables table of its own per lab network, in the
// network namespace that holds the bridge. One table per bridge: installing is one atomic
// replace, removing is one `delete table`, and no rule netlab did not write is ever touched.
//
// The toolbox cannot reach that namespace (it may enter only lab containers). The rules are
// written by the lab's guard: a container of netlab's probe image on the engine's own network
// (`--network host`, so wherever the engine keeps its bridges: rootful, rootless, a VM, a
// remote host) holding only NET_ADMIN, whose netlab-agent runs the steps (nft, cat) by argv.
// Pure text, parsing and specs here; src/cluster runs them.
import type { ContainerCreate } from '../core/container-create.js';
import { NetlabError } from '../core/errors.js';
import { LABEL_LAB, LABEL_ROLE } from '../core/labels.js';
import { requireSuccess, type ToolboxRequest } from '../core/toolbox-request.js';
import { TOOLBOX_LIMITS } from '../labfile/limits.js';

/** Docker's `bridge.name` option: the bridge a network's creator chose, else `br-<id prefix>`. */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
/** Every table netlab keeps in the engine's network namespace is `inet netlab-<bridge>`. */
const TABLE_PREFIX = 'netlab-';
/** An interface name as the kernel takes it (at most 15 bytes), and safe inside nft quotes. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

const HINT =
  'netlab isolates every lab from the engine host with an nftables table of its own (inet netlab-<bridge>); ' +
  'the engine host needs nf_tables. Run `netlab doctor`; `netlab up` again retries.';

/** The host-side bridge of a lab's Docker network. */
export function labBridge(network: { Id: string; Options?: Record<string, string> | null }): string {
  const bridge = network.Options?.[BRIDGE_NAME_OPTION] || `br-${network.Id.slice(0, 12)}`;
  if (!IFNAME.test(bridge)) throw new NetlabError(`The lab network's bridge is named ${JSON.stringify(bridge)}: netlab cannot write rules for it.`);
  return bridge;
}

/** The table that isolates one bridge. */
export function isolationTable(bridge: string): string {
  return `${TABLE_PREFIX}${bridge}`;
}

/** The bridge a netlab isolation table is for, or undefined for any other table. */
export function tableBridge(table: string): string | undefined {
  const bridge = table.startsWith(TABLE_PREFIX) ? table.slice(TABLE_PREFIX.length) : '';
  return IFNAME.test(bridge) ? bridge : undefined;
}

/**
 * The lab's table, replaced as a whole in one transaction (so an `up` again is idempotent and a
 * half-written table never exists). The host keeps answering what it asked for itself (the
 * userland proxy behind --publish connects to the first node from the host); it accepts nothing
 * new from the bridge, and forwards nothing between the bridge and any other interface.
 */
export function isolationRuleset(lab: string, bridge: string): string {
  const table = `inet ${isolationTable(checkedBridge(bridge))}`;
  const tag = `netlab:${lab.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return [
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    `  comment "${tag}: nothing on ${bridge} reaches the engine host or crosses to another interface"`,
    // Never jumped to: loading it fails ("Interface does not exist") unless the bridge is in this
    // network namespace, so rules can never silently land where the lab is not.
    '  chain bridge-present {',
    `    iif "${bridge}" return`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    iifname "${bridge}" ct state established,related accept comment "${tag}"`,
    `    iifname "${bridge}" drop comment "${tag}"`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "${bridge}" oifname != "${bridge}" drop comment "${tag}"`,
    `    oifname "${bridge}" iifname != "${bridge}" drop comment "${tag}"`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Deletes these tables, each whether or not it exists (one transaction). */
export function liftRuleset(bridges: readonly string[]): string {
  return bridges.flatMap((b) => [`table inet ${isolationTable(checkedBridge(b))}`, `delete table inet ${isolationTable(b)}`, '']).join('\n');
}

function checkedBridge(bridge: string): string {
  if (!IFNAME.test(bridge)) throw new NetlabError(`${JSON.stringify(bridge)} is not a bridge name netlab writes rules for.`);
  return bridge;
}

/** `/proc/net/dev` -> the interfaces of the reader's network namespace. */
export function interfaces(netDev: string): string[] {
  return netDev
    .split('\n')
    .slice(2)
    .map((line) => /^\s*([^:\s]+):/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** `nft -j list tables` -> the bridges of the netlab tables (family inet) it lists. */
export function isolatedBridges(nftJson: string): string[] {
  let parsed: { nftables?: { table?: { family?: string; name?: string } }[] };
  try {
    parsed = JSON.parse(nftJson || '{}');
  } catch {
    throw new NetlabError(`nft listed its tables as something that is not JSON: ${nftJson.slice(0, 200)}`, { hint: HINT });
  }
  return (parsed.nftables ?? [])
    .map((entry) => (entry.table?.family === 'inet' && entry.table.name ? tableBridge(entry.table.name) : undefined))
    .filter((b): b is string => b !== undefined);
}

/** netlab tables whose bridge is gone (their network was removed while no toolbox could lift them). */
export function orphanBridges(isolated: readonly string[], present: readonly string[]): string[] {
  const here = new Set(present);
  return isolated.filter((b) => !here.has(b));
}

/** A guard: netlab's probe image on the engine's own network, NET_ADMIN only (all else dropped). */
export function guardContainer(lab: string, image: string): ContainerCreate {
  return {
    Image: image,
    Labels: { [LABEL_LAB]: lab, [LABEL_ROLE]: 'guard' },
    HostConfig: {
      NetworkMode: 'host',
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN'],
      RestartPolicy: { Name: 'no' },
      Memory: TOOLBOX_LIMITS.memoryBytes,
      NanoCpus: TOOLBOX_LIMITS.nanoCpus,
      PidsLimit: TOOLBOX_LIMITS.pids,
    },
  };
}

/** Installs (or replaces) the lab's isolation table. */
export function isolateRequest(lab: string, bridge: string): ToolboxRequest<void> {
  const what = `isolating lab ${lab} (bridge ${bridge}) from the engine host`;
  return {
    what,
    steps: [{ argv: ['nft', '-f', '-'], stdin: isolationRuleset(lab, bridge) }],
    parse: (results) => requireSuccess(what, results, HINT),
  };
}

/** netlab's tables and the interfaces there: tables first, so a table another `up` adds meanwhile has its bridge listed too. */
export function hostStateRequest(): ToolboxRequest<{ isolated: string[]; interfaces: string[] }> {
  const what = 'reading the isolation tables on the engine host';
  return {
    what,
    steps: [{ argv: ['nft', '-j', 'list', 'tables', 'inet'] }, { argv: ['cat', '/proc/net/dev'] }],
    parse(results) {
      requireSuccess(what, results, HINT);
      return { isolated: isolatedBridges(results[0]!.stdout), interfaces: interfaces(results[1]!.stdout) };
    },
  };
}

/** Removes these bridges' tables (absent ones are no error). */
export function liftRequest(bridges: readonly string[]): ToolboxRequest<void> {
  const what = `removing isolation tables (${bridges.map(isolationTable).join(', ')})`;
  return { what, steps: [{ argv: ['nft', '-f', '-'], stdin: liftRuleset(bridges) }], parse: (results) => requireSuccess(what, results, HINT) };
}
