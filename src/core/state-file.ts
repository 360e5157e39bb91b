// Files netlab keeps in a lab container from one command to the next (a node's kube-proxy sync
// state), read and written by the toolbox's agent as steps (docker/probe/statefile.go), so that
// they ride in the exec that needs them rather than costing calls of their own. The agent knows
// each file by name and touches nothing else.
import type { AgentStep, NamespaceRef, StepResult } from './toolbox-request.js';
import { lastWords } from './toolbox-request.js';

/** The files, by the name the agent knows them by. */
export type StateFile = 'kube-proxy-sync';

/** A step that reads the file in the container (its PID and ID: the agent checks they match). */
export const stateReadStep = (container: NamespaceRef, file: StateFile): AgentStep => ({ argv: ['netlab-state', 'read', file], netns: container });

/** A step that makes `bytes` the file, whole or not at all. */
export const stateWriteStep = (container: NamespaceRef, file: StateFile, bytes: Uint8Array): AgentStep => ({
  argv: ['netlab-state', 'write', file],
  netns: container,
  stdin: Buffer.from(bytes).toString('base64'),
});

/** A step that removes the file (it need not be there). */
export const stateRemoveStep = (container: NamespaceRef, file: StateFile): AgentStep => ({ argv: ['netlab-state', 'remove', file], netns: container });

/** What a read step gave: the file's bytes, undefined when there is none; throws when it could not be read. */
export function stateReadResult(result: StepResult): Buffer | undefined {
  if (result.exitCode === 1 && !result.error) return undefined;
  if (result.exitCode !== 0) throw new Error(lastWords(result) || `exit code ${result.exitCode}`);
  return Buffer.from(result.stdout, 'base64');
}
