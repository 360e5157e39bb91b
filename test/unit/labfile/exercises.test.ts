// Grading fields of checks (needs, wait, points, level, messages) and exercises:
// defaults, a good lab with two exercises, and every mistake at its line and column.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../../../src/labfile/load.js';
import { BAD, GOOD, problemsOf, shown, summary } from '../../helpers/labfile-fixtures.js';

describe('check grading fields', () => {
  it('default to no needs, no wait, 1 point, level error and no messages', async () => {
    const { lab } = await loadLab(join(GOOD, 'minimal', 'lab.yaml'));
    expect(lab.checks[0]).toMatchObject({ needs: [], wait: 0, points: 1, level: 'error' });
    expect(lab.checks[0]).not.toHaveProperty('pass');
    expect(lab.checks[0]).not.toHaveProperty('fail');
    expect(lab.checks[0]).not.toHaveProperty('hint');
    expect(lab.exercises).toEqual([]);
  });

  it('reads needs, wait (10 or 10s), points, level and the messages as written', async () => {
    const { lab, warnings } = await loadLab(join(GOOD, 'exercises', 'lab.yaml'));
    expect(warnings).toEqual([]);
    expect(lab.checks.map((c) => [c.name, c.needs, c.wait, c.points, c.level])).toEqual([
      ['client reaches web', [], 10, 2, 'error'],
      ['client reaches web by name', ['client reaches web'], 5, 1, 'warning'],
      ['client reaches the other node', [], 0, 1, 'error'],
    ]);
    expect(lab.checks[0]).toMatchObject({
      pass: 'The Service finds its pods.',
      fail: 'The Service does not answer.',
      hint: "Look at the Service's endpoints.",
    });
  });

  it('reports needs to unknown checks, a check needing itself, cycles spelled out, and wait, points and level out of range', async () => {
    expect(summary(await problemsOf('check-needs.yaml'))).toEqual([
      ['17:24', 'needs: no check named "a ping b"', 'did you mean "b pings a"?'],
      [
        '26:13',
        'needs "a pings b" makes a cycle: "b sees a" → "a pings b" → "b pings a" → "b sees a"',
        'checks in a cycle would each wait for the other: remove "a pings b" from this needs, or another need of the cycle',
      ],
      // Found although the check is broken (its wait is out of range).
      ['30:13', 'check "alone" needs itself', 'remove it from needs: a check can only need other checks'],
      ['31:11', 'wait 400 is more than 300 seconds', 'a check retries for at most 300 seconds (5 minutes): write e.g. wait: 60s, or wait: 300'],
      ['35:11', 'wait "2m" is not a number of seconds', 'write it in seconds: wait: 120s'],
      ['36:13', '`checks[4].points` must be at most 100, not the number 101', 'write a number up to 100'],
      ['37:12', '`checks[4].level` must be one of error, warning, not the text "fatal"', 'write one of: error, warning'],
    ]);
  });
});

describe('exercises', () => {
  const file = join(GOOD, 'exercises', 'lab.yaml');
  const at = (line: number, column: number) => ({ file: shown(file), line, column });

  it('reads two exercises: texts in both languages, hints, faults of every kind, checks and solution', async () => {
    const { lab } = await loadLab(file);
    expect(lab.exercises).toHaveLength(2);
    const [selector, path] = lab.exercises;
    expect(selector).toEqual({
      id: 'wrong-selector',
      title: { en: 'The Service lost its pods', ko: '서비스가 파드를 잃었습니다' },
      instructions: {
        en: 'client cannot reach web any more. Find out why and fix it.',
        ko: 'client가 더 이상 web에 닿지 못합니다. 원인을 찾아 고치세요.',
      },
      hints: [
        { en: 'Does the Service have endpoints?', ko: '서비스에 엔드포인트가 있나요?' },
        { en: "Compare the selector with the pods' labels.", ko: '셀렉터와 파드의 레이블을 비교하세요.' },
      ],
      faults: [
        {
          kind: 'apply',
          manifests: 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: wbe }\n  ports: [{ port: 80, targetPort: http }]\n',
          at: at(65, 9),
        },
      ],
      checks: ['client reaches web'],
      solution: ['netlab apply exercises -f labs/exercises/fixed-service.yaml'],
      at: at(53, 5),
    });
    expect(path).toEqual({
      id: 'broken-path',
      title: { en: 'Nothing gets through', ko: '아무것도 통과하지 못합니다' },
      instructions: { en: 'Several things broke at once.', ko: '여러 가지가 한꺼번에 고장 났습니다.' },
      hints: [{ en: "Start with the router's routes.", ko: '라우터의 경로부터 보세요.' }],
      faults: [
        { kind: 'exec', target: 'router', command: ['ip', 'route', 'del', '10.0.2.0/24'], at: at(81, 9) },
        { kind: 'exec', target: 'client/app', command: ['sh', '-c', 'echo nameserver 192.0.2.1 > /etc/resolv.conf'], at: at(82, 9) },
        // A file's manifests become the fault's text.
        { kind: 'apply', manifests: readFileSync(join(GOOD, 'exercises', 'faults', 'wrong-port.yaml'), 'utf8'), at: at(83, 9) },
        // svc/web as `netlab delete` takes it; namespace default.
        { kind: 'delete', object: 'service/web', namespace: 'default', at: at(84, 9) },
      ],
      checks: ['client reaches the other node', 'client reaches web'],
      // No solution written: an empty list.
      solution: [],
      at: at(75, 5),
    });
  });

  it('reports every mistake at its line and column, with what to write', async () => {
    const file = shown(join(BAD, 'exercises.yaml'));
    expect(summary(await problemsOf('exercises.yaml'))).toEqual([
      [
        '29:12',
        '`title` has no Korean text (`ko`)',
        "add `ko:` with the Korean text beside `en:`: the seed's readers are Korean, so every text is written in both languages",
      ],
      [
        '30:19',
        '`instructions` needs the text in English and Korean, not the text "Only English" alone',
        'write {en: "Only English", ko: <the same in Korean>}',
      ],
      ['32:9', '`hints[0]` has no English text (`en`)', 'add `en:` with the English text beside `ko:`: every text is written in both languages'],
      ['34:21', 'exec on: no pod, Service or node named "routr"', 'did you mean "router"?'],
      ['35:21', 'exec on: web is a Service; a command runs in router, a node, a pod or <pod>/<container>', 'name one of its pods, e.g. on: web-0'],
      ['36:17', 'delete: no Service "wbe" in namespace default', 'did you mean "web"?'],
      ['37:17', 'delete: no Pod "web-0" in namespace default', 'pod web-0 belongs to Deployment web, which would start it again: write delete: deployment/web'],
      ['38:34', 'no check named "client reaches wbe"', 'did you mean "client reaches web"?'],
      ['39:9', `exercise id "missing-korean" is used twice (first at ${file}:28:9)`, 'give each exercise its own id'],
      [
        '44:24',
        `manifests file faults/missing.yaml does not exist (looked for ${join(BAD, 'faults', 'missing.yaml')})`,
        "the path is relative to the lab file's folder",
      ],
      // Inside the `apply: |` block: the line and column of the lab file.
      ['51:45', '`spec.ports[0].targetPort` must be at most 65535, not the number 70000', 'write a number up to 65535'],
      [
        '53:9',
        'a fault does one thing, and this one has both `delete` and `exec`',
        'make each its own fault: start the second with "- " on a line of its own, under faults:',
      ],
      ['54:13', 'an exercise needs at least one check', "list the names of the lab's checks that prove the fix, e.g. checks: [client reaches web]"],
    ]);
  });

  it('says what a fault must be: one kind, objects as kind/name, parts without ports, manifests that read', async () => {
    expect(summary(await problemsOf('faults.yaml'))).toEqual([
      [
        '7:42',
        'Pod client: namespaces "team-a" not found',
        'namespaces here: default, kube-system, kube-public, kube-node-lease; or create it: add a manifest `apiVersion: v1, kind: Namespace, metadata: {name: team-a}`',
      ],
      [
        '20:17',
        'delete: netlab cannot delete a configmap: a lab has pods, Deployments, Services and NetworkPolicies',
        'write one of: pod, deployment, service, networkpolicy',
      ],
      ['21:17', 'delete: "client" is not kind/name', 'write service/<name>, deployment/<name> or pod/<name>, e.g. delete: service/web'],
      ['22:17', 'delete: no Pod "client" in namespace default', 'Pod client is in namespace team-a: add namespace: team-a'],
      ['23:21', 'exec on: client:8080 names a port, but a command runs in a pod, not on a port', 'write on: client'],
      ['24:21', 'exec on: this lab has no router (topology.routing is direct)', 'set topology.routing: router, or name a node'],
      ['25:9', 'unknown field `exce` in exercises[0].faults[5]', 'did you mean "exec"?'],
      [
        '26:16',
        '`apply` must be manifests (a block of text) or {file: <path>}, not the number 42',
        'write `apply: |` and the manifests indented on the lines below it, or `apply: {file: fault.yaml}`',
      ],
      // The block's first line (no apiVersion, no spec); pod/extra, made by the apply fault before it, may be deleted.
      ['28:11', 'a Pod has apiVersion v1', 'write apiVersion: v1'],
      ['28:11', '`spec` is missing', 'add `spec: {containers: [{name: app, image: netlab/app}]}`'],
    ]);
  });

  it('reports every problem in the lab file itself (none from other files)', async () => {
    const problems = await problemsOf('exercises.yaml');
    expect(new Set(problems.map((p) => p.at.file))).toEqual(new Set([shown(join(BAD, 'exercises.yaml'))]));
  });
});
