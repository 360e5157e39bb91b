// Whether Ink components may use color. Chalk (under Ink) ignores NO_COLOR, so the
// components ask this context and drop their `color` props when it is off.

import { createContext, useContext } from 'react';

export const ColorContext = createContext<boolean>(true);

/** Returns `tint(color)`: the color when colors are on, otherwise undefined. */
export function useTint(): (color: string) => string | undefined {
  const enabled = useContext(ColorContext);
  return (color) => (enabled ? color : undefined);
}
