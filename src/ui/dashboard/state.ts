// The dashboard's state and its pure reducer: the latest picture of the lab, the selected pod,
// the check run (results as they stream in), and a status line.
import type { CheckResult } from '../../core/events.js';
import { graphPods, type GraphPod, type LabGraph } from '../graph/model.js';

export interface DashboardState {
  graph: LabGraph;
  /** Index into the pods, in node order. */
  selected: number;
  checks: CheckResult[];
  checking: 'idle' | 'running' | 'done';
  /** The last error or note (a failed refresh, a check run that could not start). */
  message?: string;
  refreshing: boolean;
}

export type DashboardAction =
  | { type: 'graph'; graph: LabGraph }
  | { type: 'move'; by: number }
  | { type: 'refreshing' }
  | { type: 'checks-start' }
  | { type: 'check'; result: CheckResult }
  | { type: 'checks-done' }
  | { type: 'message'; text?: string };

export function initialDashboard(graph: LabGraph): DashboardState {
  return { graph, selected: 0, checks: [], checking: 'idle', refreshing: false };
}

function podKey(p: GraphPod): string {
  return `${p.namespace}/${p.name}`;
}

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'graph': {
      // Keep the same pod selected when the list changes under it.
      const before = graphPods(state.graph)[state.selected];
      const pods = graphPods(action.graph);
      const same = before ? pods.findIndex((p) => podKey(p) === podKey(before)) : -1;
      const selected = same >= 0 ? same : Math.min(state.selected, Math.max(0, pods.length - 1));
      return { ...state, graph: action.graph, selected, refreshing: false };
    }
    case 'move': {
      const n = graphPods(state.graph).length;
      if (n === 0) return state;
      return { ...state, selected: Math.min(n - 1, Math.max(0, state.selected + action.by)) };
    }
    case 'refreshing':
      return { ...state, refreshing: true };
    case 'checks-start':
      return { ...state, checks: [], checking: 'running', message: undefined };
    case 'check':
      return { ...state, checks: [...state.checks, action.result] };
    case 'checks-done':
      return { ...state, checking: 'done' };
    case 'message':
      return { ...state, message: action.text, refreshing: false };
  }
}

export function selectedPod(state: DashboardState): GraphPod | undefined {
  return graphPods(state.graph)[state.selected];
}
