// `needs` between checks: every name a check of the lab, none its own, no cycles.
import { valueAt, type Place } from '../read/positions.js';
import type { Problems } from '../read/problems.js';
import { suggestion } from '../../core/suggest.js';

/** A check's name, its needs as written, and where it was written. */
export interface NeedsEntry {
  name: string;
  needs: readonly string[];
  place: Place;
}

/**
 * Reports needs that name no check (unless `excused`: a check that could not be read
 * may have had that name), a check that needs itself, and every cycle, at the entry that
 * closes it, spelled out.
 */
export function validateNeeds(entries: readonly NeedsEntry[], problems: Problems, excused: (name: string) => boolean): void {
  const byName = new Map<string, NeedsEntry>();
  for (const entry of entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  const names = [...byName.keys()];

  /** The needs that name another check: the edges of the graph. */
  const edges = new Map<NeedsEntry, { to: NeedsEntry; index: number }[]>();
  for (const entry of entries) {
    const list: { to: NeedsEntry; index: number }[] = [];
    entry.needs.forEach((need, index) => {
      const at = valueAt(entry.place, 'needs', index);
      const target = byName.get(need);
      if (need === entry.name) problems.error(at, `check "${need}" needs itself`, 'remove it from needs: a check can only need other checks');
      else if (target) list.push({ to: target, index });
      else if (!excused(need))
        problems.error(
          at,
          `needs: no check named "${need}"`,
          suggestion(
            need,
            names.filter((n) => n !== entry.name),
            "the lab's checks",
          ) ?? 'this lab has no other checks: remove needs',
        );
    });
    edges.set(entry, list);
  }

  // Depth first, in file order: an edge back to a check on the path closes a cycle.
  const done = new Set<NeedsEntry>();
  const path: NeedsEntry[] = [];
  const visit = (entry: NeedsEntry): void => {
    path.push(entry);
    for (const { to, index } of edges.get(entry) ?? []) {
      const start = path.indexOf(to);
      if (start >= 0) {
        const cycle = [entry, ...path.slice(start)].map((e) => JSON.stringify(e.name));
        problems.error(
          valueAt(entry.place, 'needs', index),
          `needs "${to.name}" makes a cycle: ${cycle.join(' → ')}`,
          `checks in a cycle would each wait for the other: remove "${to.name}" from this needs, or another need of the cycle`,
        );
      } else if (!done.has(to)) visit(to);
    }
    path.pop();
    done.add(entry);
  };
  for (const entry of entries) if (!done.has(entry)) visit(entry);
}
