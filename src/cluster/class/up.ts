// `class up`: every student of a roster gets their copy of a lab, spread evenly over the engines,
// each on an underlay of their own, a bounded number at a time per engine (engines in parallel).
// Decided before anything is created: every context answers, the roster reads, the labs fit.
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { limiter } from '../../core/concurrency.js';
import { NetlabError } from '../../core/errors.js';
import { ignoreEvents } from '../../core/events.js';
import { findExercise } from '../../labfile/find-exercise.js';
import { resolveLabFile } from '../../labfile/load.js';
import type { Lab } from '../../labfile/model.js';
import { capacityProblems, type EngineRoom } from '../../plan/class/capacity.js';
import { parseRoster, studentLab } from '../../plan/class/roster.js';
import { spreadStudents } from '../../plan/class/spread.js';
import { assignUnderlays } from '../../plan/class/underlays.js';
import { allContainers } from '../../plan/types.js';
import { listLabContainers } from '../../engine/state.js';
import { engineMessage } from '../../engine/errors.js';
import { ensureLabImages } from '../images.js';
import { plannedLab } from '../planned.js';
import { PreflightError, readSubnetHolders } from '../preflight.js';
import { DEFAULT_PARALLEL_PER_ENGINE } from './defaults.js';
import { type ClassEngine, engineTitle, reachContexts } from './engines.js';
import { findStudents, type StudentLab } from './find.js';
import { bringUpStudent, type StudentPlace } from './student.js';

export interface ClassUpOptions {
  roster: string;
  /** Docker contexts to spread over, in order (at least one). */
  contexts: string[];
  /** The class's name (its students' labs are `<name>-<student>`); default: the lab's. */
  name?: string;
  exercise?: string;
  /** Students' labs brought up at once per engine. */
  parallel?: number;
}

export type StudentOutcome = 'created' | 'repaired' | 'unchanged' | 'started' | 'kept' | 'failed';

export interface StudentUp {
  student: string;
  lab: string;
  context: string;
  underlay: string;
  outcome: StudentOutcome;
  seconds: number;
  error?: string;
}

export type ClassUpEvent = { kind: 'images'; engine: string; seconds: number } | { kind: 'student'; result: StudentUp };

export interface ClassUpResult {
  class: string;
  students: StudentUp[];
  seconds: number;
}

export async function classUp(labArg: string, opts: ClassUpOptions, on: (e: ClassUpEvent) => void = () => {}): Promise<ClassUpResult> {
  const started = performance.now();
  const parallel = opts.parallel ?? DEFAULT_PARALLEL_PER_ENGINE;
  if (!Number.isInteger(parallel) || parallel < 1) {
    throw new NetlabError(`--parallel takes a whole number of labs per engine (1 or more), not ${parallel}.`, { hint: 'e.g. --parallel 4', exitCode: 2 });
  }
  const file = resolveLabFile(labArg);
  const { lab, plan } = await plannedLab(file);
  const className = opts.name ?? lab.name;
  const students = parseRoster(await readRosterText(opts.roster), opts.roster, className).map((s) => s.name);
  const exercise = opts.exercise !== undefined ? findExercise(lab, opts.exercise).exercise.id : undefined;
  const contexts = [...new Set(opts.contexts)];
  const engines = await reachContexts(contexts, { required: true });

  const running = new Map((await findStudents(engines, className)).map((s) => [s.student, s]));
  const placed = spreadStudents(students, contexts, new Map([...running].map(([s, r]) => [s, r.context])));
  const engineOf = (student: string): ClassEngine => running.get(student)?.on ?? engines.find((e) => e.contexts.includes(placed.get(student)!))!;

  const containersPerLab = allContainers(plan).length;
  const problems = capacityProblems(
    await rooms(
      engines,
      students.filter((s) => !isUp(running.get(s))),
      engineOf,
    ),
    containersPerLab,
    lab.name,
  );
  if (problems.length) throw new PreflightError(problems, className, false);
  const underlays = assignUnderlays(
    students,
    new Map([...running].flatMap(([s, r]) => (r.underlay ? [[s, r.underlay] as const] : []))),
    await takenBlocks(engines, lab),
  );

  // Images once per engine, every engine at once; its students wait for their engine's only.
  const images = new Map(
    engines.map((e) => {
      const t = performance.now();
      const p = ensureLabImages(e.engine, lab, ignoreEvents).then(() => on({ kind: 'images', engine: engineTitle(e), seconds: since(t) }));
      p.catch(() => undefined);
      return [e.key, p] as const;
    }),
  );
  const limits = new Map(engines.map((e) => [e.key, limiter(parallel)]));
  const results = await Promise.all(
    students.map(async (student): Promise<StudentUp> => {
      const e = engineOf(student);
      const place: StudentPlace = {
        class: className,
        student,
        lab: studentLab(className, student),
        context: placed.get(student)!,
        underlay: underlays.get(student)!,
        ...(exercise !== undefined ? { exercise } : {}),
      };
      const base = { student, lab: place.lab, context: place.context, underlay: place.underlay };
      let t = performance.now();
      const result = await (async (): Promise<StudentUp> => {
        try {
          await images.get(e.key);
          return await limits.get(e.key)!(async () => {
            t = performance.now();
            const was = running.get(student);
            if (exercise !== undefined && isUp(was) && was!.exercise === exercise) return { ...base, outcome: 'kept', seconds: since(t) };
            const changed = await bringUpStudent(e.engine, file, place);
            const outcome: StudentOutcome = exercise !== undefined ? 'started' : !was ? 'created' : changed ? 'repaired' : 'unchanged';
            return { ...base, outcome, seconds: since(t) };
          });
        } catch (err) {
          return { ...base, outcome: 'failed', seconds: since(t), error: errorText(err) };
        }
      })();
      on({ kind: 'student', result });
      return result;
    }),
  );
  return { class: className, students: results, seconds: since(started) };
}

function isUp(s: StudentLab | undefined): boolean {
  return !!s && s.containers > 0 && s.running === s.containers && s.underlay !== undefined;
}

async function readRosterText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new NetlabError(`Cannot read the roster ${path}: ${(err as Error).message}`, {
      hint: 'give a file with one student name a line (--roster FILE)',
      exitCode: 2,
    });
  }
}

/** What no student's underlay may overlap: every network on every engine, this host's routes and addresses (local engines), the lab's own blocks. */
async function takenBlocks(engines: readonly ClassEngine[], lab: Lab): Promise<string[]> {
  const holders = (await Promise.all(engines.map((e) => readSubnetHolders(e.engine, '')))).flat();
  const local = engines.some((e) => e.engine.endpoint.local);
  const hostAddresses = local
    ? Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.cidr!)
        .filter(Boolean)
    : [];
  return [
    ...holders.map((h) => h.cidr),
    ...hostAddresses,
    ...lab.topology.nodes.map((n) => n.podCIDR),
    lab.topology.serviceCIDR,
    lab.topology.clusterCIDR,
  ].filter((c): c is string => !!c);
}

/**
 * Each machine's memory and what its engines hold: contexts reaching one engine, and engines on
 * one machine (which share its memory), count once. Engines name their machine (`docker info`'s
 * Name, the host name) and its memory; the two together tell machines apart.
 */
async function rooms(engines: readonly ClassEngine[], newStudents: readonly string[], engineOf: (s: string) => ClassEngine): Promise<EngineRoom[]> {
  const counts = await Promise.all(engines.map(async (e) => (await listLabContainers(e.engine)).length));
  const byMachine = new Map<string, EngineRoom>();
  engines.forEach((e, i) => {
    const newLabs = newStudents.filter((s) => engineOf(s).key === e.key).length;
    const machine = `${e.info.name}/${e.info.memTotalBytes}`;
    const room = byMachine.get(machine);
    if (room) {
      byMachine.set(machine, {
        ...room,
        contexts: [...room.contexts, ...e.contexts],
        netlabContainers: room.netlabContainers + counts[i]!,
        newLabs: room.newLabs + newLabs,
      });
    } else {
      byMachine.set(machine, { name: e.info.name || e.key, contexts: e.contexts, memTotalBytes: e.info.memTotalBytes, netlabContainers: counts[i]!, newLabs });
    }
  });
  return [...byMachine.values()];
}

function since(t: number): number {
  return Math.round((performance.now() - t) / 100) / 10;
}

function errorText(err: unknown): string {
  if (err instanceof NetlabError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  return engineMessage(err);
}
