// netlab's command line.
import { Command, CommanderError } from 'commander';
import { enableDebug } from '../core/debug.js';
import { LabFileError, NetlabError } from '../core/errors.js';
import { addClassCommands } from './class-commands.js';
import { CONTEXT_HELP, takeGlobalContext } from './global-context.js';
import { handleSignals } from './signals.js';

// Commands load on demand: `netlab --help` should not pay for the engine client or Ink.
const lifecycle = () => import('./commands/lifecycle.js');
const inspect = () => import('./commands/inspect.js');
const images = () => import('./commands/images.js');
const doctor = () => import('./commands/doctor.js');
const cluster = () => import('./commands/cluster.js');
const explainCmd = () => import('./commands/explain.js');
const captureCmd = () => import('./commands/capture.js');
const graph = () => import('./commands/graph.js');
const ui = () => import('./commands/ui.js');
const exercise = () => import('./commands/exercise.js');
const grade = () => import('./commands/grade.js');
const impair = () => import('./commands/impair.js');

export const DEFAULT_LAB = 'pod-to-service';

type Run = (fn: () => Promise<number>) => () => Promise<void>;

const JSON_OPTION = ['--json', 'print JSON instead of the terminal UI'] as const;

function program(setExit: (code: number) => void): Command {
  const cli = new Command('netlab')
    .description('Kubernetes networking labs on real Docker containers: pods, nodes, CNI bridges, a router, checks.')
    .version('0.1.0')
    .option('--debug', 'print every Docker API call and toolbox request on stderr, with durations (also NETLAB_DEBUG=1)')
    .addHelpText('after', CONTEXT_HELP)
    .showHelpAfterError()
    .exitOverride();
  const run: Run = (fn) => async () => setExit(await fn());
  for (const add of [lifecycleCommands, kubectlCommands, learningCommands, maintenanceCommands, addClassCommands]) add(cli, run);
  return cli;
}

/** A lab's life: list, up, check, status, exec, down. */
function lifecycleCommands(cli: Command, run: Run): void {
  const json = JSON_OPTION;
  cli
    .command('list')
    .description('the labs netlab ships, and which are up')
    .option(...json)
    .action((o) => run(async () => (await inspect()).listCommand(o))());
  cli
    .command('up')
    .argument('[lab]', 'lab name (netlab list) or path to a lab file', DEFAULT_LAB)
    .description('bring a lab up (idempotent: a second up changes nothing; a broken lab is repaired)')
    .option('--name <name>', 'run this lab under another name, side by side with other copies')
    .option('--publish', "also publish every nodePort on 127.0.0.1 of the engine's host, this machine for a local engine (through the first node)")
    .option('--proxy-mode <mode>', "kube-proxy's mode: iptables, nftables or userspace (default: the lab's)")
    .option('--wait <seconds>', 'wait this long for every pod to be ready (containers running, readiness probes passing); 0: do not wait', '60')
    .option(...json)
    .action((lab: string, o) => run(async () => (await lifecycle()).upCommand(lab, o))());
  cli
    .command('check')
    .argument('[lab]', 'a lab that is up', DEFAULT_LAB)
    .description("run the lab's checks from netlab's own probe container; exit 1 if any fails")
    .option('--only <names...>', 'run only these checks')
    .option('--exercise <n|id>', "run only this exercise's checks (its number, from 1, or its id)")
    .option('--checks <file>', "an instructor's check file: its checks and exercises (a `checks:` list, or a whole lab file or folder) replace the lab's own")
    .option(...json)
    .action((lab: string, o) => run(async () => (await lifecycle()).checkCommand(lab, o))());
  cli
    .command('status')
    .argument('[lab]', 'a lab that is up (default: all labs)')
    .description('what is running: nodes, router, pods, their IPs and states')
    .option(...json)
    .action((lab: string | undefined, o) => run(async () => (await inspect()).statusCommand(lab, o))());
  cli
    .command('exec')
    .argument('<lab>')
    .argument('<target>', 'a pod (or ns/pod, pod.ns), pod/container, a node, router, external')
    .argument('[cmd...]', 'command to run (after --); none = an interactive shell')
    .option('-n, --namespace <ns>', "the pod's namespace (default: default)")
    .option('-c, --container <name>', "which of the pod's containers (default: its first)")
    .option('-i, --stdin', "pass this command's stdin to it, as kubectl exec -i (with a terminal it always is)")
    .description('run a command (or a shell) inside a part of a lab')
    .addHelpText(
      'after',
      `
Targets:
  web                      pod web in namespace default (its first container)
  web -c sidecar           container sidecar of pod web
  web/sidecar              the same
  shop/api                 pod api in namespace shop (when shop is a namespace of the lab)
  -n shop api              the same; also api.shop
  node1, router, external  a node, the router, the external client

Examples:
  netlab exec mylab web -- ip addr
  netlab exec mylab -n shop api -c app -- cat /etc/resolv.conf
  netlab exec mylab web -i -- sh -s < script.sh`,
    )
    .action((lab: string, target: string, cmd: string[], o: { namespace?: string; container?: string; stdin?: boolean }) =>
      run(async () => (await inspect()).execCommand(lab, target, cmd, o))(),
    );
  cli
    .command('logs')
    .argument('<lab>')
    .argument('<pod>', 'a pod (<pod>, <pod>.<namespace>) or <pod>/<container>')
    .option('-c, --container <name>', "the pod's container (default: its first)")
    .option('-f, --follow', 'keep printing what it prints until Ctrl-C')
    .option('--tail <lines>', 'only the last lines')
    .description("what a pod's container printed (the engine's log), like kubectl logs")
    .action((lab: string, pod: string, o) => run(async () => (await inspect()).logsCommand(lab, pod, o))());
  cli
    .command('capture')
    .argument('<lab>')
    .argument('<target>', 'a pod (or pod/container), a node (node1, node1:cbr0, node1:vethXXXX), router, external')
    .argument('[filter...]', "tcpdump's filter, e.g. tcp port 80")
    .option('-i, --interface <if>', 'the interface in its network namespace (default: eth0)')
    .option('-c, --count <n>', 'stop after this many packets')
    .option('-w, --write <file>', 'write pcap to this file, or to stdout with - (| wireshark -k -i -)')
    .description('capture packets with tcpdump in a part of the lab: pcap to a file or stdout, else one line a packet; Ctrl-C stops')
    .action((lab: string, target: string, filter: string[], o) => run(async () => (await captureCmd()).captureCommand(lab, target, filter, o))());
  cli
    .command('down')
    .argument('[lab]')
    .option('--all', 'every lab on this engine')
    .option(...json)
    .description('remove everything of a lab (also after a crash half-way through up)')
    .action((lab: string | undefined, o) => run(async () => (await lifecycle()).downCommand(lab, o))());
  cli
    .command('unlock')
    .argument('<lab>')
    .option('--force', 'also when the command holding it still runs on this machine')
    .description("break a lab's lock, left by a command that no longer runs (one command changes a lab at a time)")
    .action((lab: string, o) => run(async () => (await lifecycle()).unlockCommand(lab, o))());
  cli
    .command('impair')
    .argument('<lab>', 'a lab that is up')
    .argument('<target>', 'a node (node1, or node1:cbr0 for another interface than eth0), router, external, a pod, or a link: node1--router')
    .description("impair a link's egress as netem does: delay, jitter, loss (netlab's delay line) and rate (tbf); --clear takes it back")
    .option('--delay <time>', 'hold every packet this long: 100ms, 1s')
    .option('--jitter <time>', 'spread the delay by up to this much either way (uniform): 20ms')
    .option('--loss <percent>', 'drop this share of the packets at random: 5%')
    .option('--rate <rate>', "shape to this rate (tc's units): 10mbit, 512kbit")
    .option('--clear', 'take the impairment back')
    .option(...json)
    .action((lab: string, target: string, o) => run(async () => (await impair()).impairCommand(lab, target, o))());
}

/** Changing and reading a running lab as kubectl would. */
function kubectlCommands(cli: Command, run: Run): void {
  const json = JSON_OPTION;
  cli
    .command('get')
    .argument('<lab>')
    .argument('<what>', 'pods, services, endpoints, namespaces, ingresses or networkpolicies')
    .description('pods, services, endpoints, namespaces, ingresses and networkpolicies of a running lab, as kubectl prints them')
    .option('-n, --namespace <ns>', 'only this namespace (default: default)')
    .option('-A, --all-namespaces', 'every namespace (a NAMESPACE column)')
    .option(...json)
    .action((lab: string, what: string, o) => run(async () => (await cluster()).getCommand(lab, what, o))());
  cli
    .command('apply')
    .argument('<lab>')
    .requiredOption('-f, --file <file>', 'a YAML file of Pod, Deployment and Service manifests')
    .description('create or update pods, deployments, services and networkpolicies in a running lab, like kubectl apply')
    .option(...json)
    .action((lab: string, o) => run(async () => (await cluster()).applyCommand(lab, o))());
  cli
    .command('delete')
    .argument('<lab>')
    .argument('<object>', 'kind/name: pod/x, deployment/x, service/x, networkpolicy/x, namespace/x')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option(...json)
    .description('delete a pod, deployment, service, networkpolicy or namespace (with everything in it) from a running lab')
    .action((lab: string, object: string, o) => run(async () => (await cluster()).deleteCommand(lab, object, o))());
  cli
    .command('scale')
    .argument('<lab>')
    .argument('<object>', 'deployment/name')
    .requiredOption('--replicas <n>', 'how many pods')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option(...json)
    .description("change a deployment's replicas; endpoints, rules and DNS follow")
    .action((lab: string, object: string, o) => run(async () => (await cluster()).scaleCommand(lab, object, o))());
  cli
    .command('sync')
    .argument('[lab]', 'a lab that is up', DEFAULT_LAB)
    .description('one kube-proxy sync now: endpoints from the pods that are ready (readiness probes run once), rules on every node, DNS records')
    .option(...json)
    .action((lab: string, o) => run(async () => (await cluster()).syncCommand(lab, o))());
  cli
    .command('watch')
    .argument('[lab]', 'a lab that is up', DEFAULT_LAB)
    .description(
      "the lab's control loop: run readiness and liveness probes on their periods (restarting containers whose liveness fails), and keep endpoints, rules and DNS following ready pods",
    )
    .option('--interval <ms>', 'how often to look', '1000')
    .option(...json)
    .action((lab: string, o) => run(async () => (await cluster()).watchCommand(lab, o))());
}

/** Exercises, grading, explanations and pictures. */
function learningCommands(cli: Command, run: Run): void {
  const json = JSON_OPTION;
  cli
    .command('grade')
    .argument('<lab>', 'a lab that is up')
    .description(
      "grade a running lab (or one exercise): its checks from netlab's own probe container, a score; exit 0 all passed, 1 a check failed, 2 no checks, 3 only warnings failed",
    )
    .option('--exercise <n|id>', "only this exercise's checks (its number, from 1, or its id; from --checks when given)")
    .option('--checks <file>', "an instructor's check file: its checks and exercises (a `checks:` list, or a whole lab file or folder) replace the lab's own")
    .option('--json', 'print the grade as JSON')
    .option('--junit <file>', 'also write JUnit XML to this file')
    .option('--gradescope <file>', "also write Gradescope's autograder results.json to this file")
    .option('--tap', 'print TAP version 14')
    .option('--classroom', "GitHub Classroom's autograding result: base64 JSON, as `result=` in $GITHUB_OUTPUT when set, else on stdout")
    .action((lab: string, o) => run(async () => (await grade()).gradeCommand(lab, o))());
  cli
    .command('exercise')
    .argument('<lab>')
    .argument('[n]', 'exercise number or id (none: list them)')
    .description('start a guided exercise: a fresh lab, broken on purpose, to find and fix')
    .option('--lang <lang>', 'en or ko (한국어)', 'en')
    .option('--name <name>', 'run it under another lab name')
    .option(...json)
    .action((lab: string, n: string | undefined, o) => run(async () => (await exercise()).exerciseCommand(lab, n, o))());
  cli
    .command('explain')
    .argument('<lab>', 'a lab that is up')
    .argument('<from>', 'a pod or a node')
    .argument('<to>', 'a pod[:port], a service[:port] or IP:port')
    .description('send one real request and show its path hop by hop: routes, bridges, kube-proxy rules and counters, conntrack')
    .option('--udp', 'send a UDP datagram instead of an HTTP request')
    .option('--ping', 'send one ping')
    .option('--capture', 'also capture the request on each hop (tcpdump) and show its packets: before DNAT, after, at the server')
    .option(...json)
    .action((lab: string, from: string, to: string, o) => run(async () => (await explainCmd()).explainCommand(lab, from, to, o))());
  cli
    .command('graph')
    .argument('[lab]', 'a lab that is up, or a lab file (drawn with planned addresses)', DEFAULT_LAB)
    .description('a picture of a lab: router, nodes, pods, services and their endpoints')
    .option('--format <format>', 'text, mermaid, dot or svg (default: text, or from the -o file name)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action((lab: string, o) => run(async () => (await graph()).graphCommand(lab, o))());
  cli
    .command('ui')
    .argument('[lab]', 'a lab that is up (default: pick from the labs that are up)')
    .description('the dashboard: topology, pods, services, checks (c), a shell in a pod (s)')
    .action((lab: string | undefined) => run(async () => (await ui()).uiCommand(lab))());
}

/** netlab's images, and whether this machine can run labs. */
function maintenanceCommands(cli: Command, run: Run): void {
  const json = JSON_OPTION;
  const imagesCmd = cli.command('images').description("netlab's images (built locally: no registry needed)");
  imagesCmd
    .command('list')
    .option(...json)
    .action((o) => run(async () => (await images()).imagesListCommand(o))());
  imagesCmd
    .command('build')
    .argument('[names...]', 'base, pause, app, node, router, probe (default: all)')
    .option('--rebuild', 'build even if present')
    .option(...json)
    .action((names: string[], o) => run(async () => (await images()).imagesBuildCommand(names, o))());
  imagesCmd
    .command('save')
    .argument('<file>', 'a tar file')
    .description('save the images, for a machine without network')
    .action((file: string) => run(async () => (await images()).imagesSaveCommand(file))());
  imagesCmd
    .command('load')
    .argument('<file>')
    .description('load images saved with `images save`')
    .action((file: string) => run(async () => (await images()).imagesLoadCommand(file))());
  cli
    .command('doctor')
    .description('check the engine, kernel features and images')
    .option(...json)
    .action((o) => run(async () => (await doctor()).doctorCommand(o))());
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  // --debug anywhere before `--` (so `netlab up x --debug` works as well as `netlab --debug up x`).
  const end = argv.indexOf('--');
  const debugAt = argv.findIndex((a, i) => a === '--debug' && (end < 0 || i < end));
  if (debugAt >= 2) {
    enableDebug();
    argv = argv.filter((_, i) => i !== debugAt);
  }
  // A global --context picks the engine for the whole run (before any command looks for one).
  try {
    argv = takeGlobalContext(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as NetlabError).message}\nhint: ${(err as NetlabError).hint}\n`);
    return 2;
  }
  // `netlab` alone on a terminal opens the dashboard.
  if (argv.length <= 2 && process.stdin.isTTY && process.stdout.isTTY) argv = [...argv, 'ui'];
  // A signal the command does not handle itself ends netlab, releasing the lab locks it holds first.
  const restoreSignals = handleSignals();
  try {
    await program((c) => (code = c)).parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof LabFileError) {
      process.stderr.write(`${err.message}\n`);
      process.stderr.write(`${err.problems.length} problem(s); nothing was created.\n`);
      return err.exitCode;
    }
    if (err instanceof NetlabError) {
      process.stderr.write(`error: ${err.message}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
      return err.exitCode;
    }
    const docker = err as { statusCode?: number; json?: { message?: string }; reason?: string };
    if (docker.statusCode) {
      // An engine refusal that no netlab code turned into a NetlabError: say it plainly.
      process.stderr.write(`error: the Docker engine answered ${docker.statusCode}: ${docker.json?.message ?? docker.reason ?? String(err)}\n`);
      return 1;
    }
    throw err;
  } finally {
    restoreSignals();
  }
}
