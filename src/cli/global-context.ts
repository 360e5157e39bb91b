// `netlab --context NAME <command> ...`: the docker context every command of this run uses, as
// `docker --context NAME` (it wins over DOCKER_HOST and DOCKER_CONTEXT). Taken before the command
// name only, so a command's own --context (class up --context a --context b) stays that command's.
import { NetlabError } from '../core/errors.js';
import { selectContext } from '../cluster/context.js';

export const CONTEXT_HELP = `
Global option (before the command):
  --context <name>  the docker context to use, as docker --context does (else DOCKER_HOST, DOCKER_CONTEXT,
                    the docker config's current context, then this machine's sockets)`;

/** argv without the global --context; the context it names is set for the run (DOCKER_CONTEXT). */
export function takeGlobalContext(argv: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const rest = argv.slice(0, 2);
  let i = 2;
  let name: string | undefined;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--' || !arg.startsWith('-')) break;
    if (arg === '--context' || arg.startsWith('--context=')) {
      const value = arg === '--context' ? argv[++i] : arg.slice('--context='.length);
      if (!value || value.startsWith('-')) {
        throw new NetlabError('--context needs the name of a docker context.', {
          hint: 'e.g. netlab --context myserver up pod-to-pod (docker context ls lists them)',
          exitCode: 2,
        });
      }
      name = value;
      continue;
    }
    rest.push(arg);
  }
  if (name !== undefined) selectContext(name, env);
  return [...rest, ...argv.slice(i)];
}
