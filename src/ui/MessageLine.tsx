import { Text } from 'ink';
import type { MessageState } from './state.js';
import { useTint } from './theme.js';

/** A free-form message: plain for info, yellow `warning:` / red `error:` otherwise. */
export function MessageLine({ level, text }: MessageState) {
  const tint = useTint();
  if (level === 'warn') return <Text color={tint('yellow')}>{`warning: ${text}`}</Text>;
  if (level === 'error') return <Text color={tint('red')}>{`error: ${text}`}</Text>;
  return <Text>{text}</Text>;
}
