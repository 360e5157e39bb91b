import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { useTint } from './theme.js';

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
export const SPINNER_INTERVAL_MS = 80;

/** One spinner frame; `frame` counts up forever. */
export function Spinner({ frame }: { frame: number }) {
  const tint = useTint();
  const glyph = SPINNER_FRAMES[frame % SPINNER_FRAMES.length];
  return <Text color={tint('cyan')}>{glyph}</Text>;
}

/** A counter that ticks every `ms` while `active`: drives spinners and elapsed times. */
export function useTick(active: boolean, ms: number = SPINNER_INTERVAL_MS): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return tick;
}
