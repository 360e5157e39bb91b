// What checks need of a running lab (a RunningLab from src/cluster has it all): the lab as it
// runs, its plan, the engine, and its toolbox, from which every probe is sent.
import type { Engine } from '../engine/engine.js';
import type { Toolbox } from '../engine/toolbox.js';
import type { Lab } from '../labfile/model.js';
import type { LabPlan } from '../plan/types.js';

export interface LabTarget {
  readonly engine: Engine;
  readonly toolbox: Toolbox;
  readonly lab: Lab;
  readonly plan: LabPlan;
}
