// `netlab ui`: one lab at a glance. The command owns every Docker call; the dashboard gets the
// picture and the check results through props and callbacks, and says why it closed.
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef } from 'react';
import type { CheckResult } from '../../core/events.js';
import type { GraphPod, LabGraph } from '../graph/model.js';
import { toText } from '../graph/text.js';
import { CheckRow } from '../CheckList.js';
import { CheckTally } from '../Summary.js';
import { useTint } from '../theme.js';
import { PodsTable } from './PodsTable.js';
import { ServicesList } from './ServicesList.js';
import { dashboardReducer, initialDashboard, selectedPod, type DashboardState } from './state.js';

export type DashboardExit = { kind: 'quit'; state: DashboardState } | { kind: 'shell'; pod: GraphPod; state: DashboardState };

export interface DashboardProps {
  /** The first picture, or the state to resume (after a shell). */
  initial: LabGraph | DashboardState;
  /** A fresh picture: `full` re-reads the lab (r), otherwise only pod readiness (the timer). */
  refresh: (full: boolean) => Promise<LabGraph>;
  /** Runs the checks, calling `onResult` as each arrives. */
  runChecks: (onResult: (result: CheckResult) => void) => Promise<void>;
  /** Called once when the dashboard closes (q, or s to open a shell in the selected pod). */
  onExit: (exit: DashboardExit) => void;
  /** How often pod readiness is refreshed (ms); 0 turns the timer off. Default 2000. */
  intervalMs?: number;
}

function errorText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export function Dashboard({ initial, refresh, runChecks, onExit, intervalMs = 2000 }: DashboardProps) {
  const [state, dispatch] = useReducer(dashboardReducer, initial, (i) => ('graph' in i && 'selected' in i ? i : initialDashboard(i as LabGraph)));
  const { exit } = useApp();
  const { stdout } = useStdout();
  const columns = stdout.columns || 100;
  const tint = useTint();
  const stateRef = useRef(state);
  stateRef.current = state;
  const closed = useRef(false);
  const busy = useRef(false);
  /** `r` pressed while a timer refresh was in flight: done right after it, not dropped. */
  const fullPending = useRef(false);

  const doRefresh = (full: boolean) => {
    if (busy.current) {
      if (full) fullPending.current = true;
      return;
    }
    busy.current = true;
    if (full) dispatch({ type: 'refreshing' });
    refresh(full)
      .then((graph) => {
        if (!closed.current) dispatch({ type: 'graph', graph });
      })
      .catch((err) => {
        if (!closed.current) dispatch({ type: 'message', text: `refresh failed: ${errorText(err)}` });
      })
      .finally(() => {
        busy.current = false;
        if (fullPending.current && !closed.current) {
          fullPending.current = false;
          doRefresh(true);
        }
      });
  };

  useEffect(() => {
    if (!intervalMs) return;
    const timer = setInterval(() => doRefresh(false), intervalMs);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [intervalMs]);

  const close = (how: DashboardExit) => {
    if (closed.current) return;
    closed.current = true;
    onExit(how);
    exit();
  };

  useInput((input, key) => {
    if (closed.current) return;
    if (key.downArrow || input === 'j') dispatch({ type: 'move', by: 1 });
    else if (key.upArrow || input === 'k') dispatch({ type: 'move', by: -1 });
    else if (input === 'r') doRefresh(true);
    else if (input === 'q') close({ kind: 'quit', state: stateRef.current });
    else if (input === 's') {
      const pod = selectedPod(stateRef.current);
      if (pod) close({ kind: 'shell', pod, state: stateRef.current });
    } else if (input === 'c' && stateRef.current.checking !== 'running') {
      dispatch({ type: 'checks-start' });
      runChecks((result) => {
        if (!closed.current) dispatch({ type: 'check', result });
      })
        .catch((err) => {
          if (!closed.current) dispatch({ type: 'message', text: `checks failed to run: ${errorText(err)}` });
        })
        .finally(() => {
          if (!closed.current) dispatch({ type: 'checks-done' });
        });
    }
  });

  const { graph } = state;
  const drawing = toText(graph, { services: false, width: Math.min(columns - 1, 110) })
    .split('\n')
    .slice(2)
    .join('\n')
    .trimEnd();
  const drawingWidth = Math.max(...drawing.split('\n').map((l) => [...l].length));
  // The tables beside the drawing when the terminal is wide enough, under it otherwise.
  const beside = columns >= drawingWidth + 3 + 60;
  return (
    <Box flexDirection="column">
      <Box>
        <Text bold>{`netlab ui  ${graph.lab}`}</Text>
        <Text>{`  proxy ${graph.proxyMode ?? '?'}  underlay ${graph.underlay.subnet}`}</Text>
        {graph.planned ? <Text color={tint('yellow')}> (planned)</Text> : null}
        {state.refreshing ? <Text dimColor> refreshing…</Text> : null}
      </Box>
      <Box marginTop={1} flexDirection={beside ? 'row' : 'column'}>
        <Box flexDirection="column" marginRight={beside ? 3 : 0} marginBottom={beside ? 0 : 1} flexShrink={0}>
          <Text>{drawing}</Text>
        </Box>
        <Box flexDirection="column" flexShrink={1}>
          <PodsTable pods={graph.nodes.flatMap((n) => n.pods)} selected={state.selected} />
          <Box marginTop={1}>
            <ServicesList services={graph.services} />
          </Box>
        </Box>
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text bold>
          {'checks'}
          {state.checking === 'running' ? <Text dimColor>{`  running… ${state.checks.length} so far`}</Text> : null}
          {state.checking === 'idle' ? <Text dimColor> press c to run them</Text> : null}
        </Text>
        {state.checks.map((check, i) => (
          <CheckRow key={i} check={check} />
        ))}
        {state.checking === 'done' && state.checks.length > 0 ? <CheckTally checks={state.checks} /> : null}
      </Box>
      {state.message ? <Text color={tint('red')}>{state.message}</Text> : null}
      <Box marginTop={1}>
        <Text dimColor>↑/↓ j/k select · c checks · s shell in pod · r refresh · q quit</Text>
      </Box>
    </Box>
  );
}
