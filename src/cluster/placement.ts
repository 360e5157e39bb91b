// Where a running lab's pods are, as their sandboxes' labels say: what the planner keeps.
import { LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_IP, LABEL_ROLE } from '../core/labels.js';
import type { LabState } from '../engine/state.js';
import type { PodPlacement } from '../labfile/placement.js';

/** `ns/name` -> node, IP and whether the sandbox runs, for every pod sandbox of the lab. */
export function currentPlacement(state: LabState): Map<string, PodPlacement> {
  const placement = new Map<string, PodPlacement>();
  for (const c of state.containers.values()) {
    const { [LABEL_POD_IP]: ip, [LABEL_NODE]: node } = c.Labels;
    if (c.Labels[LABEL_ROLE] !== 'pause' || !ip || !node) continue;
    placement.set(`${c.Labels[LABEL_NAMESPACE]}/${c.Labels[LABEL_POD]}`, { node, ip, running: c.State === 'running' });
  }
  return placement;
}
