// Reading the engine's errors: status codes, and the message it sent.

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

/** 304: the container is already in the state asked for (started, stopped). */
export function isNotModified(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 304;
}

export function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 409;
}

/** The engine's own words for a failed call (its JSON `message`), else the error's message. */
export function engineMessage(err: unknown): string {
  return (err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err);
}
