// `netlab class watch` on a terminal: the class as a live grid, one row per student and one
// column per check, regraded every interval, with where each student is stuck and since when.
// The command owns the engines; this gets a `grade` callback.
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef, useState } from 'react';
import { columnTallies, type Outcome, outcomeOf, resultsByName } from '../../core/class-grid.js';
import { useTint } from '../theme.js';
import { ageText, clockText, labTitle, progressText } from './lines.js';
import { cellText, clip, type GridLayout, gridLayout, legendLines, MARK } from './layout.js';
import { runRounds } from './rounds.js';
import { errorFor, initialWatch, type StudentRow, stuckOf, type WatchedGrade, type WatchState, watchReducer } from './state.js';

const COLOR: Record<Outcome | 'missing', string | undefined> = { pass: 'green', fail: 'red', blocked: 'gray', warning: 'yellow', missing: undefined };

export interface ClassWatchProps {
  grade: () => Promise<WatchedGrade>;
  intervalMs: number;
  /** Called once when the person quits (q, Ctrl-C). */
  onExit?: () => void;
  /** The terminal's size; default what the terminal says. */
  width?: number;
  height?: number;
}

export function ClassWatch({ grade, intervalMs, onExit, width, height }: ClassWatchProps) {
  const [state, dispatch] = useReducer(watchReducer, initialWatch);
  const [top, setTop] = useState(0);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const closed = useRef(false);

  useEffect(() => {
    const rounds = runRounds(grade, intervalMs, dispatch);
    return () => rounds.stop();
    // One loop for the component's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const columns = Math.max(40, (width ?? stdout.columns) || 100);
  const rows = Math.max(12, (height ?? stdout.rows) || 30);
  const view = layoutFor(state, columns);
  const legend = legendLines(state.columns, view.layout.shown, columns - 1);
  // Title, status (two lines when it wraps), failure, blank, header lines, "passed", blank, legend, keys (two when it wraps).
  const reserved = 6 + (state.failure ? 1 : 0) + view.layout.header.length + 2 + legend.length;
  const visible = Math.max(3, rows - reserved);
  const maxTop = Math.max(0, state.students.length - visible);
  const first = Math.min(top, maxTop);

  // Read by the input handler, which may be one render behind.
  const scroll = useRef({ first, visible, maxTop });
  scroll.current = { first, visible, maxTop };

  useInput((input, key) => {
    if (closed.current) return;
    const { first: at, visible: page, maxTop: last } = scroll.current;
    if (input === 'q' || (key.ctrl && input === 'c')) {
      closed.current = true;
      onExit?.();
      exit();
    } else if (key.downArrow || input === 'j') setTop(Math.min(at + 1, last));
    else if (key.upArrow || input === 'k') setTop(Math.max(at - 1, 0));
    else if (key.pageDown) setTop(Math.min(at + page, last));
    else if (key.pageUp) setTop(Math.max(at - page, 0));
  });

  return (
    <Box width={columns} flexDirection="column">
      <WatchView state={state} view={view} legend={legend} first={first} visible={visible} intervalMs={intervalMs} />
    </Box>
  );
}

interface View {
  layout: GridLayout;
  scores: string[];
}

function scoreText(s: StudentRow): string {
  return s.error !== undefined ? '–' : `${s.score}/${s.maxScore}`;
}

function layoutFor(state: WatchState, columns: number): View {
  const scores = state.students.map(scoreText);
  return {
    layout: gridLayout(
      columns - 1,
      state.students.map((s) => s.student),
      scores,
      state.columns.length,
    ),
    scores,
  };
}

interface WatchViewProps {
  state: WatchState;
  view: View;
  legend: string[];
  first: number;
  visible: number;
  intervalMs: number;
}

/** The picture for a state (no timers, no input): what the tests and the live view render. */
export function WatchView({ state, view, legend, first, visible, intervalMs }: WatchViewProps) {
  const tint = useTint();
  const { layout } = view;
  const lead = ' '.repeat(layout.nameWidth + 1 + layout.scoreWidth + 2);
  const shownRows = state.students.slice(first, first + visible);
  const tallies = columnTallies(state.students, state.columns).slice(0, layout.shown);
  const passed = tallies.map((t) => String(t.pass));
  const passedFits = passed.every((p) => p.length <= layout.cellWidth - 1);
  const above = first;
  const below = Math.max(0, state.students.length - first - visible);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>netlab class watch</Text>
        {`  ${labTitle(state)}`}
      </Text>
      <Text>
        {state.round === 0 ? (
          <Text dimColor>grading the class for the first time…</Text>
        ) : (
          <>
            <Text bold>{`round ${state.round}`}</Text>
            {` · ${clockText(state.at)} · every ${ageText(intervalMs)} · ${progressText(state)}`}
            {state.grading ? <Text dimColor>{`  grading round ${state.round + 1}…`}</Text> : null}
          </>
        )}
      </Text>
      {state.failure ? (
        <Text
          color={tint('red')}
          wrap="truncate-end"
        >{`round ${state.round + 1} at ${clockText(state.failure.at)}: could not grade the class: ${state.failure.error} (trying again)`}</Text>
      ) : null}
      <Text> </Text>
      {layout.header.map((h, i) => (
        <Text key={`h${i}`} dimColor={i < layout.header.length - 1}>
          {i === layout.header.length - 1 ? `${'student'.padEnd(layout.nameWidth)} ${'score'.padStart(layout.scoreWidth)}  ` : lead}
          {h}
          {i === layout.header.length - 1 ? ' stuck on' : ''}
        </Text>
      ))}
      {shownRows.map((s) => (
        <StudentLine key={s.student} state={state} student={s} layout={layout} tint={tint} />
      ))}
      {state.round > 0 && passedFits ? (
        <Text dimColor>
          {`${'passed'.padEnd(layout.nameWidth)} ${''.padStart(layout.scoreWidth)}  `}
          {passed.map((p) => p.padStart(layout.cellWidth - 1).padEnd(layout.cellWidth)).join('')}
        </Text>
      ) : null}
      <Text> </Text>
      {legend.map((l) => (
        <Text key={l} dimColor>
          {l}
        </Text>
      ))}
      <Text dimColor>
        {`${MARK.pass} passed  ${MARK.fail} failed  ${MARK.blocked} blocked  ${MARK.warning} warning  ${MARK.missing} not run  · `}
        {above > 0 || below > 0 ? `${above} above, ${below} below: ↑/↓ scroll · ` : ''}q quit
      </Text>
    </Box>
  );
}

function StudentLine({ state, student: s, layout, tint }: { state: WatchState; student: StudentRow; layout: GridLayout; tint: ReturnType<typeof useTint> }) {
  const name = clip(s.student, layout.nameWidth).padEnd(layout.nameWidth);
  const rest = layout.shown * layout.cellWidth + 1 + layout.stuckWidth;
  if (s.error !== undefined) {
    const since = `not graded since round ${s.errorSince?.round} (${ageText(errorFor(state, s))}): `;
    return (
      <Text>
        {`${name} ${scoreText(s).padStart(layout.scoreWidth)}  `}
        <Text color={tint('red')}>{clip(since + s.error.replace(/\s+/g, ' '), rest)}</Text>
      </Text>
    );
  }
  const full = s.maxScore > 0 && s.score >= s.maxScore;
  const results = resultsByName(s.checks);
  // Neighbouring cells of one outcome drawn as one run (fewer nodes for a big class).
  const runs: { outcome: Outcome | 'missing'; text: string }[] = [];
  for (const col of state.columns.slice(0, layout.shown)) {
    const r = results.get(col);
    const outcome = r ? outcomeOf(r) : 'missing';
    const text = cellText(MARK[outcome], layout.cellWidth);
    const last = runs[runs.length - 1];
    if (last?.outcome === outcome) last.text += text;
    else runs.push({ outcome, text });
  }
  const stuck = stuckOf(state, s);
  let note = <Text color={tint('green')}>{full ? 'all passed' : ''}</Text>;
  if (stuck) {
    const head = `${MARK[stuck.outcome]} ${stuck.column} `;
    const long = ` · since round ${stuck.since.round} (${ageText(stuck.forMs)})`;
    // A narrow terminal keeps a dozen characters of the check's name: `· r3 2m30s`.
    const tail = layout.stuckWidth - head.length - long.length >= 12 ? long : ` · r${stuck.since.round} ${ageText(stuck.forMs)}`;
    const nameRoom = Math.max(4, layout.stuckWidth - head.length - tail.length);
    note = (
      <Text>
        <Text color={tint(COLOR[stuck.outcome] ?? 'red')}>{head}</Text>
        {clip(stuck.check, nameRoom)}
        <Text dimColor>{tail}</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end">
      {`${name} `}
      <Text color={full ? tint('green') : undefined} bold={full}>
        {scoreText(s).padStart(layout.scoreWidth)}
      </Text>
      {'  '}
      {runs.map((run, i) => (
        <Text key={i} color={COLOR[run.outcome] ? tint(COLOR[run.outcome]!) : undefined} dimColor={run.outcome === 'missing'}>
          {run.text}
        </Text>
      ))}{' '}
      {note}
    </Text>
  );
}
