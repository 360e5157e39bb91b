// Pull decisions as kubelet makes them (defaulting from the tag, then Always / IfNotPresent /
// Never against what the engine holds), netlab's own images never pulled, and the problems said
// with the place the image is written and what to do.
import { describe, expect, it } from 'vitest';
import { type ImageRef, isImageRefProblem, parseImageRef } from '../../../src/core/image-ref.js';
import type { PullPolicy } from '../../../src/labfile/model.js';
import { defaultPullPolicy, type ImageUse, planPulls, pullDecision, pullFailedProblem, pullProblems, pullTargets } from '../../../src/plan/pull.js';

function ref(text: string): ImageRef {
  const r = parseImageRef(text);
  if (isImageRefProblem(r)) throw new Error(r.problem);
  return r;
}

const at = (line: number, file = 'labs/web/lab.yaml') => ({ file, line, column: 16 });
const NETLAB = ['netlab/app', 'netlab/pause'];

describe('imagePullPolicy defaults as the API server sets it (from the tag)', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['127.0.0.1:5000/course/web', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['127.0.0.1:5000/course/web:1', 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    [`nginx:latest@sha256:${'a'.repeat(64)}`, 'Always'],
  ])('%s: %s', (image, policy) => {
    expect(defaultPullPolicy(ref(image))).toBe(policy);
  });
});

describe('pull or not (kubelet’s shouldPullImage)', () => {
  const cases: [string, PullPolicy, boolean, ReturnType<typeof pullDecision>][] = [
    ['nginx:1.27', 'IfNotPresent', true, { action: 'use' }],
    ['nginx:1.27', 'IfNotPresent', false, { action: 'pull' }],
    ['nginx:1.27', 'Always', true, { action: 'pull' }],
    ['nginx:1.27', 'Always', false, { action: 'pull' }],
    ['nginx:1.27', 'Never', true, { action: 'use' }],
    ['nginx:1.27', 'Never', false, { action: 'refuse', reason: 'never' }],
    // netlab's own name space: built here, never pulled, whatever the policy.
    ['netlab/app', 'Always', true, { action: 'use' }],
    ['netlab/app:v2', 'IfNotPresent', false, { action: 'refuse', reason: 'netlab' }],
    ['docker.io/netlab/tools', 'Always', false, { action: 'refuse', reason: 'netlab' }],
    // Another registry's netlab/ is just a repository there.
    ['127.0.0.1:5000/netlab/app', 'IfNotPresent', false, { action: 'pull' }],
  ];
  it.each(cases)('%s %s present=%s', (image, policy, present, decision) => {
    expect(pullDecision(ref(image), policy, present)).toEqual(decision);
  });
});

describe('planPulls: what a lab pulls before anything is created', () => {
  const web = (pod: string, extra: Partial<ImageUse> = {}): ImageUse => ({ image: '127.0.0.1:5000/course/web:1', at: at(8), pod, container: 'app', ...extra });

  it('one pull per image, however many replicas name it; present images with IfNotPresent are used', () => {
    const uses = [web('web-0'), web('web-1'), { image: 'nginx:1.27', at: at(20), pod: 'proxy', container: 'nginx' }];
    const plan = planPulls(uses, new Set(['nginx:1.27']), NETLAB);
    expect(plan.problems).toEqual([]);
    expect(plan.pulls.map((p) => [p.pullAs, p.uses.map((u) => u.pod)])).toEqual([['127.0.0.1:5000/course/web:1', ['web-0', 'web-1']]]);
  });

  it('Always pulls a present image; no tag means :latest and Always', () => {
    const plan = planPulls(
      [web('a', { policy: 'Always' }), { image: 'busybox', at: at(12), pod: 'b', container: 'c' }],
      new Set(['127.0.0.1:5000/course/web:1', 'busybox']),
      NETLAB,
    );
    expect(plan.pulls.map((p) => p.pullAs)).toEqual(['127.0.0.1:5000/course/web:1', 'busybox:latest']);
  });

  it('Never with a missing image is refused in kubelet’s words, once per place, with the fix', () => {
    const plan = planPulls([web('web-0', { policy: 'Never' }), web('web-1', { policy: 'Never' })], new Set(), NETLAB);
    expect(plan.pulls).toEqual([]);
    expect(plan.problems).toEqual([
      {
        message:
          'labs/web/lab.yaml:8:16 (pods web-0, web-1, container app): container image "127.0.0.1:5000/course/web:1" is not present with pull policy of Never',
        hint: 'put the image on the engine first (docker load, docker build -t 127.0.0.1:5000/course/web:1, or docker pull), or remove imagePullPolicy: Never so that netlab pulls it',
      },
    ]);
  });

  it('a Never container is satisfied by the pull another container of the lab makes', () => {
    const plan = planPulls([web('a', { policy: 'Never' }), web('b', { at: at(30) })], new Set(), NETLAB);
    expect(plan.problems).toEqual([]);
    expect(plan.pulls.map((p) => p.uses.map((u) => u.pod))).toEqual([['b']]);
  });

  it('a netlab/* image netlab does not build is refused, naming the ones it builds', () => {
    const plan = planPulls([{ image: 'netlab/ap', at: at(9), pod: 'web', container: 'app' }], new Set(), NETLAB);
    expect(plan.problems).toEqual([
      {
        message: 'labs/web/lab.yaml:9:16 (pod web, container app): image netlab/ap is not one netlab builds, and netlab/* images are never pulled',
        hint: 'netlab builds netlab/app, netlab/pause: name one of those, or build netlab/ap yourself (docker build -t netlab/ap)',
      },
    ]);
  });

  it('an invalid reference in a lab made in memory is a problem, never an engine call', () => {
    const uses = [{ image: 'APP_IMAGE', pod: 'web', container: 'app' }];
    expect(pullTargets(uses).size).toBe(0);
    expect(planPulls(uses, new Set(), NETLAB).problems[0]!.message).toBe(
      '(pod web, container app): image "APP_IMAGE" is not a valid image reference: repository name must be lowercase',
    );
  });
});

describe('a failed pull, said with its place and what usually fixes it', () => {
  const image = '127.0.0.1:5000/course/web:nope';
  it('the registry has no such tag', () => {
    const pull = { ref: ref(image), pullAs: image, uses: [{ image, at: at(8), pod: 'web', container: 'app' }] };
    expect(pullProblems(pull, 'manifest for 127.0.0.1:5000/course/web:nope not found: manifest unknown: manifest unknown')).toEqual([
      {
        message:
          'labs/web/lab.yaml:8:16 (pod web, container app): failed to pull image "127.0.0.1:5000/course/web:nope": manifest for 127.0.0.1:5000/course/web:nope not found: manifest unknown: manifest unknown',
        hint: '127.0.0.1:5000 has no 127.0.0.1:5000/course/web:nope: check the name and the tag, or push the image there first (docker push 127.0.0.1:5000/course/web:nope)',
      },
    ]);
  });

  it('credentials: docker login to that registry', () => {
    expect(
      pullFailedProblem(
        'x',
        'team/private:1',
        ref('team/private:1'),
        "pull access denied for team/private, repository does not exist or may require 'docker login'",
      ).hint,
    ).toMatch(/^log in to Docker Hub \(docker login: netlab pulls with the credentials in your docker config\)/);
    expect(pullFailedProblem('x', 'r.example/p:1', ref('r.example/p:1'), 'unauthorized: authentication required').hint).toMatch(
      /^log in to r\.example \(docker login r\.example:/,
    );
  });

  it('an unreachable registry: start it, or carry the image there and use Never', () => {
    const hint = pullFailedProblem('x', image, ref(image), 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused').hint;
    expect(hint).toBe(
      "the Docker engine cannot reach 127.0.0.1:5000: start the registry or check the engine's network and proxy settings, or load the image onto the engine (docker load) and set imagePullPolicy: Never",
    );
  });
});
