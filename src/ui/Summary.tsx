import { Box, Text } from 'ink';
import type { CheckResult } from '../core/events.js';
import { failedTasksText, repeatsTally, tallyText } from './format.js';
import { tally, type TaskState } from './state.js';
import { useTint } from './theme.js';

/** `N passed, M failed`, green when nothing failed. */
export function CheckTally({ checks }: { checks: readonly CheckResult[] }) {
  const tint = useTint();
  const { passed, failed } = tally(checks);
  return (
    <Text bold color={tint(failed > 0 ? 'red' : 'green')}>
      {tallyText(passed, failed)}
    </Text>
  );
}

export interface SummaryProps {
  checks: readonly CheckResult[];
  tasks: readonly TaskState[];
  /** The caller's closing line, from finish(summary). */
  text?: string;
}

/** The closing lines: check tally, failed tasks, the caller's summary. */
export function Summary({ checks, tasks, text }: SummaryProps) {
  const tint = useTint();
  const failedTasks = tasks.filter((t) => t.status === 'failed').length;
  const { passed, failed } = tally(checks);
  const repeats = checks.length > 0 && repeatsTally(passed, failed, text);
  const showTally = checks.length > 0 && !repeats;
  if (!showTally && failedTasks === 0 && !text) return null;
  return (
    <Box flexDirection="column" marginTop={1}>
      {showTally ? <CheckTally checks={checks} /> : null}
      {failedTasks > 0 ? <Text color={tint('red')}>{failedTasksText(failedTasks)}</Text> : null}
      {text ? (
        // A summary that is itself the tally gets the tally's color.
        <Text bold={repeats} color={repeats ? tint(failed > 0 ? 'red' : 'green') : undefined}>
          {text}
        </Text>
      ) : null}
    </Box>
  );
}
