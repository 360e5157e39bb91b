// What checks need of a running lab (a RunningLab from src/cluster has it all): the lab as it
// runs, its plan, the engine, and its toolbox, from which every probe is sent.
import type { Engine } from '../engine/engine.js';
import type { Toolbox } from '../engine/toolbox.js';
import type { Lab } from '../labfile/model.js';
import type { ProbeVerdict } from '../plan/probes.js';
import type { LabPlan } from '../plan/types.js';

export interface LabTarget {
  readonly engine: Engine;
  readonly toolbox: Toolbox;
  readonly lab: Lab;
  readonly plan: LabPlan;
  /** The readiness probes of the running containers, run once now (by container); absent: probes are not looked at. */
  probeReadiness?(running: ReadonlySet<string>): Promise<ReadonlyMap<string, ProbeVerdict>>;
}
