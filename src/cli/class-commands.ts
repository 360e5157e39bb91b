// The `class` command group (src/cli/commands/class.ts).
import type { Command } from 'commander';

const classCmd = () => import('./commands/class.js');

type Run = (fn: () => Promise<number>) => () => Promise<void>;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The --context flags of a class command. A global --context on the program takes the flag
 * wherever it is written (commander parses program options after a subcommand too): its value,
 * one or several, counts as given here.
 */
function withContexts<T extends { context?: string[] }>(o: T, cmd: Command): T {
  const global = (cmd.optsWithGlobals() as { context?: string | string[] }).context;
  const all = [...(o.context ?? []), ...(global === undefined ? [] : Array.isArray(global) ? global : [global])];
  return { ...o, context: [...new Set(all)] };
}
const CONTEXT = [
  '--context <name>',
  'a docker context (repeat for several); default: the current one for up; for the others, the ones given plus default, or every context docker knows',
  collect,
] as const;

export function addClassCommands(cli: Command, run: Run): void {
  const group = cli.command('class').description('a class: every student of a roster gets a copy of a lab, spread over docker contexts, graded as one');
  group
    .command('up')
    .argument('<lab>', 'lab name (netlab list) or path to a lab file')
    .requiredOption('--roster <file>', 'the students, one name a line (# comments)')
    .option(...CONTEXT)
    .option('--exercise <n|id>', 'start this exercise for every student')
    .option('--parallel <n>', 'labs brought up at once per engine (engines work in parallel)', '2')
    .option('--name <class>', "the class's name (students' labs are <class>-<student>; default: the lab's name)")
    .option('--json', 'print the result as JSON')
    .description("bring up every student's lab (idempotent: a second run changes nothing, and retries who failed)")
    .action((lab: string, o, cmd: Command) => run(async () => (await classCmd()).classUpCommand(lab, withContexts(o, cmd)))());
  group
    .command('status')
    .argument('[class]', 'the class (default: every class)')
    .option(...CONTEXT)
    .option('--json', 'print JSON')
    .description('who runs where: every student lab found by its labels')
    .action((cls: string | undefined, o, cmd: Command) => run(async () => (await classCmd()).classStatusCommand(cls, withContexts(o, cmd)))());
  group
    .command('grade')
    .argument('<class>')
    .option(...CONTEXT)
    .option('--checks <file>', "an instructor's check file: its checks replace the lab's own")
    .option('--exercise <n|id>', "this exercise's checks (default: the exercise the class runs)")
    .option('--json', 'print the grade as JSON')
    .option('--junit <dir>', 'also write one JUnit XML file per student into this folder')
    .option('--html <file>', 'also write the class report: one self-contained page')
    .description('grade every student as `netlab grade` does; exit 0 when all pass')
    .action((cls: string, o, cmd: Command) => run(async () => (await classCmd()).classGradeCommand(cls, withContexts(o, cmd)))());
  group
    .command('reset')
    .argument('<class>')
    .argument('<student>')
    .option(...CONTEXT)
    .description("put a student's lab back to its starting state (or the exercise's), on the same context and underlay")
    .action((cls: string, student: string, o, cmd: Command) => run(async () => (await classCmd()).classResetCommand(cls, student, withContexts(o, cmd)))());
  group
    .command('watch')
    .argument('<class>')
    .option(...CONTEXT)
    .option('--interval <s>', 'seconds between gradings', '10')
    .option('--checks <file>', "an instructor's check file")
    .option('--exercise <n|id>', "this exercise's checks")
    .option('--json', 'print each grading as JSON')
    .description('a live grid of every student and check, graded every interval')
    .action((cls: string, o, cmd: Command) => run(async () => (await classCmd()).classWatchCommand(cls, withContexts(o, cmd)))());
  group
    .command('down')
    .argument('[class]', 'the class (default: every class)')
    .option(...CONTEXT)
    .description("remove every student's lab of the class, on every context")
    .action((cls: string | undefined, o, cmd: Command) => run(async () => (await classCmd()).classDownCommand(cls, withContexts(o, cmd)))());
}
