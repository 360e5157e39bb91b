// A tiny external store around the reducer, for useSyncExternalStore.

import { initialState, reduce, type UiEvent, type UiState } from './state.js';

export interface UiStore {
  getState(): UiState;
  dispatch(event: UiEvent): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: UiState = initialState, clock: () => number = Date.now): UiStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(event) {
      const next = reduce(state, event, clock());
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
