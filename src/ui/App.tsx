import { Box, Static, Text } from 'ink';
import { useSyncExternalStore } from 'react';
import { CheckList } from './CheckList.js';
import { MessageLine } from './MessageLine.js';
import { Summary } from './Summary.js';
import { TaskList } from './TaskList.js';
import { liveTasks, type LogEntry } from './state.js';
import type { UiStore } from './store.js';
import { ColorContext } from './theme.js';

export interface AppProps {
  store: UiStore;
  title?: string;
  /** False under NO_COLOR. */
  color?: boolean;
}

type Item = LogEntry | { kind: 'title'; key: string; text: string };

/**
 * The live view. Settled output (finished groups and tasks, check results, messages) is
 * printed once through <Static>, in the order it settled; only running tasks and, at
 * the end, the summary are redrawn, so the live frame stays shorter than the terminal.
 */
export function App({ store, title, color = true }: AppProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  const items: Item[] = title ? [{ kind: 'title', key: 'title', text: title }, ...state.log] : state.log;
  const live = liveTasks(state);
  return (
    <ColorContext.Provider value={color}>
      <Static items={items}>{(item) => <LogItem key={item.key} item={item} />}</Static>
      <Box flexDirection="column">
        {live.length > 0 ? <TaskList tasks={live} finished={state.finished} /> : null}
        {state.finished ? <Summary checks={state.checks} tasks={state.tasks} text={state.summary} /> : null}
      </Box>
    </ColorContext.Provider>
  );
}

function LogItem({ item }: { item: Item }) {
  switch (item.kind) {
    case 'title':
      return (
        <Text bold underline>
          {item.text}
        </Text>
      );
    case 'tasks':
      return <TaskList tasks={item.tasks} />;
    case 'check':
      return <CheckList checks={[item.result]} />;
    case 'message':
      return <MessageLine level={item.level} text={item.text} />;
  }
}
