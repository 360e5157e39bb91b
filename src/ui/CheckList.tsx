import { Box, Text } from 'ink';
import type { CheckResult } from '../core/events.js';
import { CheckTally } from './Summary.js';
import { formatMs, oneLine } from './format.js';
import { useTint } from './theme.js';

export interface CheckListProps {
  checks: readonly CheckResult[];
  /** Once the run has finished, a `N passed, M failed` line follows the results. */
  finished?: boolean;
}

/** Check results as they arrive. */
export function CheckList({ checks, finished = false }: CheckListProps) {
  return (
    <Box flexDirection="column">
      {checks.map((check, i) => (
        <CheckRow key={i} check={check} />
      ))}
      {finished && checks.length > 0 ? <CheckTally checks={checks} /> : null}
    </Box>
  );
}

export function CheckRow({ check }: { check: CheckResult }) {
  const tint = useTint();
  const notes = [
    check.message ? check.message : '',
    !check.ok && check.diagnosis ? `why: ${check.diagnosis}` : '',
    !check.ok && check.hint ? `hint: ${check.hint}` : '',
  ].filter(Boolean);
  return (
    <Box flexDirection="column">
      <CheckLine check={check} tint={tint} />
      {notes.map((n) => (
        <Text key={n} dimColor>{`    ${oneLine(n)}`}</Text>
      ))}
    </Box>
  );
}

function CheckLine({ check, tint }: { check: CheckResult; tint: ReturnType<typeof useTint> }) {
  return (
    <Box>
      <Box flexShrink={0}>
        <Text color={tint(check.ok ? 'green' : 'red')}>{check.ok ? '✔ ' : '✖ '}</Text>
        <Text bold>{check.name}</Text>
        <Text>{`  ${check.from} → ${check.to}`}</Text>
        <Text dimColor>{`  (${check.expected ?? check.expect})`}</Text>
        <Text dimColor>{`  ${formatMs(check.ms)}`}</Text>
      </Box>
      {check.detail ? (
        <Box flexShrink={1} marginLeft={2}>
          {check.ok ? (
            <Text dimColor wrap="truncate-end">
              {oneLine(check.detail)}
            </Text>
          ) : (
            <Text color={tint('red')}>{oneLine(check.detail)}</Text>
          )}
        </Box>
      ) : null}
    </Box>
  );
}
