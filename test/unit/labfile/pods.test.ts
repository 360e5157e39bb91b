// Pods as Kubernetes runs them, read from manifests: Namespace documents, env from the pod's
// fields, workingDir and restartPolicy, and each mistake at its line.
import { describe, expect, it } from 'vitest';
import { LabFileError, type LabFileProblem } from '../../../src/core/errors.js';
import { loadLab } from '../../../src/labfile/load.js';
import { summary } from '../../helpers/labfile-fixtures.js';

const FILE = '/labs/pods-test/lab.yaml';

function labText(workloads: string): string {
  return `name: pods-test\nworkloads:\n${workloads}`;
}

async function load(workloads: string) {
  return loadLab(FILE, { files: new Map([[FILE, labText(workloads)]]) });
}

async function problems(workloads: string): Promise<LabFileProblem[]> {
  try {
    await load(workloads);
  } catch (err) {
    if (err instanceof LabFileError) return err.problems;
    throw err;
  }
  throw new Error('loaded without errors');
}

const pod = (meta: string, spec = 'containers: [{ name: app, image: netlab/app }]') => `  - apiVersion: v1
    kind: Pod
    metadata: ${meta}
    spec: ${spec.includes('\n') ? `\n${spec}` : `{ ${spec} }`}
`;

describe('Namespace manifests', () => {
  it('are read into the lab; objects may then be in them (a default one needs none)', async () => {
    const { lab } = await load(
      `  - { apiVersion: v1, kind: Namespace, metadata: { name: shop, labels: { team: a } } }\n${pod('{ name: api, namespace: shop }')}${pod(
        '{ name: dns-client, namespace: kube-system }',
      )}`,
    );
    expect(lab.namespaces.map((n) => [n.name, n.labels, n.at.line])).toEqual([['shop', { team: 'a' }, 3]]);
    expect(lab.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['shop/api', 'kube-system/dns-client']);
  });

  it('a namespace written twice, or a default one, is there once', async () => {
    const { lab } = await load(
      `  - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }\n  - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }\n  - { apiVersion: v1, kind: Namespace, metadata: { name: default } }\n`,
    );
    expect(lab.namespaces.map((n) => n.name)).toEqual(['shop']);
  });

  it("refuses an object in a namespace nothing creates, at its namespace, in kubectl's words, with the fix", async () => {
    expect(
      summary(
        await problems(
          `  - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }\n${pod('{ name: api, namespace: shopp }')}  - apiVersion: v1\n    kind: Service\n    metadata: { name: api, namespace: team }\n    spec: { selector: { app: api }, ports: [{ port: 80 }] }\n`,
        ),
      ),
    ).toEqual([
      [
        '6:39',
        'Pod api: namespaces "shopp" not found',
        'did you mean "shop"?; or create it: add a manifest `apiVersion: v1, kind: Namespace, metadata: {name: shopp}`',
      ],
      [
        '10:39',
        'Service api: namespaces "team" not found',
        'namespaces here: default, kube-system, kube-public, kube-node-lease, shop; or create it: add a manifest `apiVersion: v1, kind: Namespace, metadata: {name: team}`',
      ],
    ]);
  });
});

describe('containers: env, workingDir, restartPolicy', () => {
  it('reads fieldRef env vars, workingDir and restartPolicy', async () => {
    const { lab } = await load(
      pod(
        '{ name: web }',
        `      restartPolicy: Never
      containers:
        - name: app
          image: netlab/app
          workingDir: /tmp
          env:
            - { name: A, value: one }
            - { name: IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }
            - { name: APP, valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }`,
      ),
    );
    const [p] = lab.pods;
    expect(p!.restartPolicy).toBe('Never');
    expect(p!.containers[0]!.workingDir).toBe('/tmp');
    expect(p!.containers[0]!.env).toEqual([
      { name: 'A', value: 'one' },
      { name: 'IP', value: '', fieldPath: 'status.podIP' },
      { name: 'APP', value: '', fieldPath: "metadata.labels['app']" },
    ]);
  });

  it('refuses what netlab cannot give a container, each at its line', async () => {
    const found = await problems(
      `${pod(
        '{ name: web }',
        `      containers:
        - name: app
          image: netlab/app
          workingDir: tmp
          env:
            - { name: A, value: x, valueFrom: { fieldRef: { fieldPath: status.podIP } } }
            - { name: B, valueFrom: { secretKeyRef: { name: s, key: k } } }
            - { name: C, valueFrom: { fieldRef: { fieldPath: status.podIp } } }`,
      )}  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: d }
    spec:
      selector: { matchLabels: { app: d } }
      template:
        metadata: { labels: { app: d } }
        spec: { restartPolicy: Never, containers: [{ name: app, image: netlab/app }] }
`,
    );
    expect(summary(found)).toEqual([
      ['10:23', 'workingDir "tmp" is not an absolute path', 'write a path from /, e.g. workingDir: /tmp'],
      ['12:47', 'env A: valueFrom may not be specified when `value` is not empty', 'keep one of value and valueFrom'],
      [
        '13:39',
        'env B: netlab does not support valueFrom.secretKeyRef (a lab has no Secrets, ConfigMaps, resource limits per container or volumes)',
        'write the value itself (`value: ...`), or take a field of the pod with valueFrom.fieldRef.fieldPath',
      ],
      [
        '14:62',
        'env C: fieldPath: Unsupported value: "status.podIp": supported values: "metadata.name", "metadata.namespace", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs", "metadata.labels[\'<key>\']"',
        'did you mean "status.podIP"?',
      ],
      [
        '22:32',
        'Deployment d: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        'remove restartPolicy (a Deployment restarts its containers always), or make this a Pod to have it run once',
      ],
    ]);
  });
});
