// Which context each student's lab runs on: evenly over the contexts, in the order given.
// A student whose lab is up already keeps their context; the others go, in roster order, to the
// context holding the fewest students so far (ties: the earlier context). For a new class that
// is round-robin: 6 students over a, b, c give a b c a b c.

export function spreadStudents(
  students: readonly string[],
  contexts: readonly string[],
  current: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  if (!contexts.length) throw new Error('spreadStudents: no context');
  const load = new Map(contexts.map((c) => [c, 0]));
  const placed = new Map<string, string>();
  for (const s of students) {
    const was = current.get(s);
    if (was === undefined) continue;
    placed.set(s, was);
    if (load.has(was)) load.set(was, load.get(was)! + 1);
  }
  for (const s of students) {
    if (placed.has(s)) continue;
    let best = contexts[0]!;
    for (const c of contexts) if (load.get(c)! < load.get(best)!) best = c;
    placed.set(s, best);
    load.set(best, load.get(best)! + 1);
  }
  return new Map(students.map((s) => [s, placed.get(s)!]));
}
