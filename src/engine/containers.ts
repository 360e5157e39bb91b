// Bringing one planned container to its planned state: keep, start, create or replace.
import { NetlabError } from '../core/errors.js';
import type { Engine } from './engine.js';
import { isConflict, isNotFound } from './errors.js';
import type { ContainerSummary } from './types.js';
import { LABEL_LAB, LABEL_SPEC } from '../core/labels.js';
import type { ContainerCreate } from '../core/container-create.js';

/** A container as planned: its name and how to create it (labels carry the spec's hash). */
export interface PlannedContainer {
  name: string;
  create: ContainerCreate;
}

export type ContainerAction = 'unchanged' | 'started' | 'created' | 'recreated';

export interface EnsuredContainer {
  id: string;
  /** Host PID of the container's first process: /proc/<pid>/ns/net is its network namespace. */
  pid: number;
  action: ContainerAction;
}

export interface EnsureOptions {
  /** Replace the container even if its spec is unchanged (its sandbox was replaced, say). */
  replace?: boolean;
  /** Extra test on an existing container: false = replace it. */
  keep?: (existing: ContainerSummary) => boolean;
  /** Read the PID (one more call); false for containers nothing enters by PID. */
  needPid?: boolean;
  /** Leave an exited container as it is (a pod's container whose restartPolicy does not restart it). */
  leaveExited?: boolean;
}

export async function ensureContainer(
  engine: Engine,
  plan: PlannedContainer,
  existing: ContainerSummary | undefined,
  options: EnsureOptions = {},
): Promise<EnsuredContainer> {
  return startPrepared(engine, plan, await prepareContainer(engine, plan, existing, options), options);
}

/** A container made to exist as planned (created or replaced when it must be), not yet started. */
export interface PreparedContainer {
  id: string;
  /** What starting it will have done: `unchanged` needs no start. */
  action: ContainerAction;
}

/**
 * The first half of ensureContainer: keeps, removes or creates, but starts nothing. A pod's app
 * containers are created while its sandbox is plumbed, and started after, as kubelet starts them.
 */
export async function prepareContainer(
  engine: Engine,
  plan: PlannedContainer,
  existing: ContainerSummary | undefined,
  options: EnsureOptions = {},
): Promise<PreparedContainer> {
  const sameSpec = existing?.Labels[LABEL_SPEC] === plan.create.Labels?.[LABEL_SPEC];
  if (existing && sameSpec && !options.replace && (options.keep?.(existing) ?? true)) {
    // Restarting: the engine is backing off before it starts the container again by its restart policy.
    const running = existing.State === 'running' || existing.State === 'restarting' || (options.leaveExited && existing.State === 'exited');
    return { id: existing.Id, action: running ? 'unchanged' : 'started' };
  }
  if (existing) await engine.removeContainer(existing.Id);
  return { id: await createContainer(engine, plan), action: existing ? 'recreated' : 'created' };
}

/** The second half of ensureContainer: starts what prepareContainer left to start, and reads its PID. */
export async function startPrepared(
  engine: Engine,
  plan: PlannedContainer,
  prepared: PreparedContainer,
  options: EnsureOptions = {},
): Promise<EnsuredContainer> {
  const { id, action } = prepared;
  if (action !== 'unchanged') await engine.startContainer(id);
  if (options.needPid === false) return { id, pid: 0, action };
  const info = await engine.inspectContainer(id);
  if (!info?.State.Running) {
    throw new NetlabError(`Container ${plan.name} stopped right after it started (exit code ${info?.State.ExitCode ?? '?'}).`, {
      hint: `See what it printed: docker logs ${plan.name}`,
    });
  }
  return { id, pid: info.State.Pid, action };
}

async function createContainer(engine: Engine, plan: PlannedContainer): Promise<string> {
  try {
    return await engine.createContainer(plan.name, plan.create);
  } catch (err) {
    if (isConflict(err)) {
      // The name is taken. Ours (a leftover the label query missed)? Replace it; else refuse.
      const other = await engine.inspectContainer(plan.name);
      if (!other) return engine.createContainer(plan.name, plan.create);
      if (other.Config.Labels?.[LABEL_LAB] !== plan.create.Labels?.[LABEL_LAB]) {
        throw new NetlabError(`A container named ${plan.name} exists and was not created by netlab for this lab.`, {
          hint: `netlab never touches what it did not create: remove or rename it (docker rm -f ${plan.name}), or use another lab name (--name).`,
        });
      }
      await engine.removeContainer(other.Id);
      return engine.createContainer(plan.name, plan.create);
    }
    if (isNotFound(err)) {
      throw new NetlabError(`Image ${plan.create.Image} for ${plan.name} is not on this Docker engine.`, {
        hint: plan.create.Image?.startsWith('netlab/')
          ? 'Build netlab images with `netlab images build`.'
          : 'It was removed while `up` ran: run `netlab up` again (it pulls what is missing, as imagePullPolicy allows).',
        cause: err,
      });
    }
    throw err;
  }
}
