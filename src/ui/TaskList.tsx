import { Box, Text } from 'ink';
import { Spinner, useTick } from './Spinner.js';
import { formatElapsed, formatMs, oneLine } from './format.js';
import { groupTasks, type TaskState } from './state.js';
import { useTint } from './theme.js';

export interface TaskListProps {
  tasks: readonly TaskState[];
  /** Clock override for elapsed times (tests); defaults to Date.now() on each tick. */
  now?: number;
  /** The run is over: tasks still running are shown as interrupted, not spinning. */
  finished?: boolean;
}

/** Tasks, under group headers when they have groups. */
export function TaskList({ tasks, now, finished = false }: TaskListProps) {
  const spinning = !finished && tasks.some((t) => t.status === 'running');
  const frame = useTick(spinning);
  const clock = now ?? Date.now();
  return (
    <Box flexDirection="column">
      {groupTasks(tasks).map((section, i) => (
        <Box key={section.group ?? `loose-${i}`} flexDirection="column">
          {section.group !== undefined && <Text bold>{section.group}</Text>}
          <Box flexDirection="column" paddingLeft={section.group !== undefined ? 2 : 0}>
            {section.tasks.map((task) => (
              <TaskRow key={task.id} task={task} frame={frame} now={clock} finished={finished} />
            ))}
          </Box>
        </Box>
      ))}
    </Box>
  );
}

function TaskRow({ task, frame, now, finished }: { task: TaskState; frame: number; now: number; finished: boolean }) {
  const tint = useTint();
  if (task.status === 'done') {
    return (
      <Box>
        <Text color={tint('green')}>✔ </Text>
        <Text>{task.title}</Text>
        {task.detail ? <Text>{`  ${task.detail}`}</Text> : null}
        <Text dimColor>{`  ${formatMs(task.ms ?? 0)}`}</Text>
      </Box>
    );
  }
  if (task.status === 'failed') {
    return (
      <Box flexDirection="column">
        <Box>
          <Text color={tint('red')}>✖ </Text>
          <Text>{task.title}</Text>
          <Text dimColor>{`  ${formatMs(task.ms ?? 0)}`}</Text>
        </Box>
        <Box paddingLeft={2} flexDirection="column">
          <Text color={tint('red')}>{task.error ?? 'failed'}</Text>
          {task.hint ? <Text dimColor>{`hint: ${task.hint}`}</Text> : null}
        </Box>
      </Box>
    );
  }
  const elapsed = formatElapsed(now - task.startedAt);
  if (finished) {
    return (
      <Box>
        <Text color={tint('yellow')}>■ </Text>
        <Text>{task.title}</Text>
        <Text dimColor>{`  interrupted after ${elapsed}`}</Text>
      </Box>
    );
  }
  return (
    <Box>
      <Spinner frame={frame} />
      <Text>{` ${task.title}`}</Text>
      <Text dimColor>{`  ${elapsed}`}</Text>
      {task.progress ? (
        <Box flexShrink={1} marginLeft={2}>
          <Text dimColor wrap="truncate-end">
            {oneLine(task.progress)}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}
