// Whether a pod container's image is pulled, as kubelet decides it: the API server defaults
// imagePullPolicy from the tag (`latest`, or no tag and no digest: Always; else IfNotPresent),
// and kubelet's image manager pulls on Always, pulls a missing image on IfNotPresent, and fails
// a missing image on Never (ErrImageNeverPull). netlab's own images (netlab/*) are built here,
// never pulled. The problems are said with the place the image is written and what to do.
import { formatLocation } from '../core/errors.js';
import { DOCKER_HUB, type ImageRef, isImageRefProblem, parseImageRef, pullReference } from '../core/image-ref.js';
import type { PullPolicy, SourceLocation } from '../labfile/model.js';
import type { PreflightProblem } from './preflight.js';

/** core/v1 defaulting (SetDefaults_Container): the tag kubelet would pull decides. */
export function defaultPullPolicy(ref: ImageRef): PullPolicy {
  const tag = ref.tag ?? (ref.digest ? undefined : 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The policy a container runs with: as written, else the default. */
export function effectivePullPolicy(ref: ImageRef, written: PullPolicy | undefined): PullPolicy {
  return written ?? defaultPullPolicy(ref);
}

/** A repository under netlab/ on Docker Hub: netlab's own name space, built here and never pulled. */
export function isNetlabRepository(ref: ImageRef): boolean {
  return ref.domain === DOCKER_HUB && ref.path.startsWith('netlab/');
}

export type PullDecision =
  /** The image on the engine is used as it is. */
  | { action: 'use' }
  | { action: 'pull' }
  /** The container cannot start: the image is missing and may not be pulled. */
  | { action: 'refuse'; reason: 'never' | 'netlab' };

/** kubelet's shouldPullImage, with netlab's own images never pulled. */
export function pullDecision(ref: ImageRef, policy: PullPolicy, present: boolean): PullDecision {
  if (isNetlabRepository(ref)) return present ? { action: 'use' } : { action: 'refuse', reason: 'netlab' };
  switch (policy) {
    case 'Always':
      return { action: 'pull' };
    case 'IfNotPresent':
      return present ? { action: 'use' } : { action: 'pull' };
    case 'Never':
      return present ? { action: 'use' } : { action: 'refuse', reason: 'never' };
  }
}

/** The problem of a container whose image may not be pulled; `where` names its place, pod and container. */
export function refusedProblem(where: string, image: string, reason: 'never' | 'netlab', netlabImages: readonly string[]): { message: string; hint: string } {
  if (reason === 'never') {
    return {
      // kubelet's own words (ErrImageNeverPull).
      message: `${where}: container image "${image}" is not present with pull policy of Never`,
      hint: `put the image on the engine first (docker load, docker build -t ${image}, or docker pull), or remove imagePullPolicy: Never so that netlab pulls it`,
    };
  }
  return {
    message: `${where}: image ${image} is not one netlab builds, and netlab/* images are never pulled`,
    hint: `netlab builds ${netlabImages.join(', ')}: name one of those, or build ${image} yourself (docker build -t ${image})`,
  };
}

/** The problem of a pull the engine could not do, with the engine's reason and what usually fixes it. */
export function pullFailedProblem(where: string, image: string, ref: ImageRef, reason: string): { message: string; hint: string } {
  const registry = ref.domain === DOCKER_HUB ? 'Docker Hub' : ref.domain;
  const login = ref.domain === DOCKER_HUB ? 'docker login' : `docker login ${ref.domain}`;
  const offline = 'or load the image onto the engine (docker load) and set imagePullPolicy: Never';
  let hint: string;
  if (/unauthorized|authentication required|denied|forbidden|no basic auth credentials/i.test(reason)) {
    hint = `log in to ${registry} (${login}: netlab pulls with the credentials in your docker config), and check that the repository exists`;
  } else if (/not found|manifest unknown|name unknown|does not exist/i.test(reason)) {
    hint = `${registry} has no ${image}: check the name and the tag, or push the image there first (docker push ${image})`;
  } else if (/no such host|dial tcp|connection refused|timeout|i\/o timeout|network is unreachable|TLS handshake|server gave HTTP response/i.test(reason)) {
    hint = `the Docker engine cannot reach ${registry}: start the registry or check the engine's network and proxy settings, ${offline}`;
  } else {
    hint = `check the image name, and that the Docker engine reaches ${registry}, ${offline}`;
  }
  return { message: `${where}: failed to pull image "${image}": ${reason.trim()}`, hint };
}

/** A container about to be started that names a pulled-or-not image (netlab's built images are not among them). */
export interface ImageUse {
  image: string;
  policy?: PullPolicy;
  /** Where the image is written; undefined for containers netlab made up. */
  at?: SourceLocation;
  pod: string;
  container: string;
}

/** One image to pull, and the containers waiting for it. */
export interface Pull {
  ref: ImageRef;
  /** The reference pulled and looked up: with kubelet's default tag, or the digest. */
  pullAs: string;
  uses: ImageUse[];
}

export interface PullPlan {
  pulls: Pull[];
  problems: PreflightProblem[];
}

/** `lab.yaml:8:11 (pod web, container app)`; replicas of one Deployment share their line: `(pods web-0, web-1, container app)`. */
function whereText(uses: readonly ImageUse[]): string {
  const first = uses[0]!;
  const pods = [...new Set(uses.map((u) => u.pod))];
  const place = first.at ? `${formatLocation(first.at)} ` : '';
  return `${place}(${pods.length > 1 ? `pods ${pods.join(', ')}` : `pod ${pods[0]}`}, container ${first.container})`;
}

/** Uses grouped by the place their image is written (one line per place in messages). */
function bySite(uses: readonly ImageUse[]): ImageUse[][] {
  const sites = new Map<string, ImageUse[]>();
  for (const u of uses) {
    const key = `${u.at ? formatLocation(u.at) : u.pod}\u0000${u.container}`;
    sites.set(key, [...(sites.get(key) ?? []), u]);
  }
  return [...sites.values()];
}

/** The reference each use's image is looked up and pulled as (one per image). */
export function pullTargets(uses: readonly ImageUse[]): Map<string, ImageRef> {
  const targets = new Map<string, ImageRef>();
  for (const u of uses) {
    const ref = parseImageRef(u.image);
    if (!isImageRefProblem(ref)) targets.set(u.image, ref);
  }
  return targets;
}

/**
 * What to pull, and which containers cannot start: `present` holds the images (as written) the
 * engine has. An image pulled for one container serves every container that names it.
 */
export function planPulls(uses: readonly ImageUse[], present: ReadonlySet<string>, netlabImages: readonly string[]): PullPlan {
  const pulls = new Map<string, Pull>();
  const refused: { use: ImageUse; reason: 'never' | 'netlab' }[] = [];
  const problems: PreflightProblem[] = [];
  for (const use of uses) {
    const ref = parseImageRef(use.image);
    if (isImageRefProblem(ref)) {
      // The lab file's reader refuses these first; a lab made in memory might still carry one.
      problems.push({ message: `${whereText([use])}: ${ref.problem}`, hint: ref.hint });
      continue;
    }
    const decision = pullDecision(ref, effectivePullPolicy(ref, use.policy), present.has(use.image));
    if (decision.action === 'pull') {
      const pull = pulls.get(use.image) ?? { ref, pullAs: pullReference(ref), uses: [] };
      pull.uses.push(use);
      pulls.set(use.image, pull);
    } else if (decision.action === 'refuse') {
      refused.push({ use, reason: decision.reason });
    }
  }
  const still = refused.filter((r) => !pulls.has(r.use.image));
  for (const reason of ['netlab', 'never'] as const) {
    for (const site of bySite(still.filter((r) => r.reason === reason).map((r) => r.use))) {
      problems.push(refusedProblem(whereText(site), site[0]!.image, reason, netlabImages));
    }
  }
  return { pulls: [...pulls.values()], problems };
}

/** Problems for a pull that failed: one per place that names the image. */
export function pullProblems(pull: Pull, reason: string): PreflightProblem[] {
  return bySite(pull.uses).map((site) => pullFailedProblem(whereText(site), site[0]!.image, pull.ref, reason));
}
