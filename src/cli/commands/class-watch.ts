// PLACEHOLDER (branch class): the report branch owns this file and its live grid; this minimal
// version grades every interval and prints one line per student (or the JSON) until interrupted.
import type { ClassGrade } from '../../checks/class-grade.js';

export async function classWatch(grade: () => Promise<ClassGrade>, opts: { intervalS: number; json?: boolean }): Promise<number> {
  for (;;) {
    const g = await grade();
    if (opts.json) process.stdout.write(`${JSON.stringify(g)}\n`);
    else for (const s of g.students) process.stdout.write(`${g.at} ${s.student} ${s.context} ${s.score}/${s.maxScore}${s.ok ? '' : ' failing'}\n`);
    await new Promise((r) => setTimeout(r, opts.intervalS * 1000));
  }
}
