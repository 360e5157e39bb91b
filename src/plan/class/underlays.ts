// A class's underlays: engines on one host share its routing table, and a student's lab network
// is a bridge route there, so every student gets a /24 of their own across the whole class,
// clear of every network on every engine (and of this host's routes when an engine is local).
import { NetlabError } from '../../core/errors.js';
import { CANDIDATE_BLOCKS, pickUnderlay } from '../addresses.js';

/**
 * A class takes its /24s from 10.251.0.0/16 first: a single `netlab up` starts at 10.250.0.0/16,
 * so labs brought up beside a class while it starts rarely race it for the same block.
 */
export const CLASS_BLOCKS = ['10.251.0.0/16', ...CANDIDATE_BLOCKS.filter((b) => b !== '10.251.0.0/16')];

/**
 * Each student's underlay: the one their running lab has (`current`), else the first /24 free of
 * `taken` (every engine's networks, the host's routes, the lab's own blocks) and of the other
 * students' underlays.
 */
export function assignUnderlays(students: readonly string[], current: ReadonlyMap<string, string>, taken: readonly string[]): Map<string, string> {
  const used = [...taken, ...students.flatMap((s) => (current.has(s) ? [current.get(s)!] : []))];
  const out = new Map<string, string>();
  for (const s of students) {
    const was = current.get(s);
    if (was !== undefined) {
      out.set(s, was);
      continue;
    }
    let subnet: string;
    try {
      subnet = pickUnderlay(used, CLASS_BLOCKS);
    } catch (err) {
      throw new NetlabError(`No free /24 is left for student ${s}'s lab network (${out.size} students placed).`, {
        hint: 'Remove unused Docker networks on the engines, or split the class over engines on other hosts.',
        cause: err,
      });
    }
    used.push(subnet);
    out.set(s, subnet);
  }
  return out;
}
