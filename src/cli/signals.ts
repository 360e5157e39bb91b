// Ctrl-C and SIGTERM. A command that handles Ctrl-C itself (`up` stops at a safe point, `watch`
// stops watching) registers with `onInterrupt`; otherwise a signal ends netlab at once, as it
// would with no handler at all, but after releasing the lab locks it holds (src/cluster/lock.ts),
// so that the next command does not find the lab busy.

/** Handlers registered with onInterrupt now. */
let own = 0;

/** `handler` takes Ctrl-C over until the returned function is called. */
export function onInterrupt(handler: () => void): () => void {
  own++;
  process.on('SIGINT', handler);
  return () => {
    own--;
    process.off('SIGINT', handler);
  };
}

/**
 * Ends the process now, after releasing the lab locks it holds (5 s at most: removing a lock
 * takes milliseconds, but an engine busy creating the lab's containers may answer late, and a
 * lock left behind makes the next command wait for the stale-lock check).
 */
export function exitReleasingLocks(code: number): void {
  void import('../cluster/lock.js')
    .then((lock) => lock.releaseHeldLocks(5000))
    .catch(() => undefined)
    .finally(() => process.exit(code));
}

/** For the length of one command: signals nobody else handles end it, locks released. */
export function handleSignals(): () => void {
  // Counted with onInterrupt, not by the process's listeners: Ink's exit hook listens too, and
  // stands back when another listener is there.
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' && own > 0) return;
    exitReleasingLocks(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
