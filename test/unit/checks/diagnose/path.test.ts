import { describe, expect, it } from 'vitest';
import { planPath } from '../../../../src/checks/diagnose/path.js';
import { loadLab, resolveLabFile } from '../../../../src/labfile/load.js';
import { withAddons } from '../../../../src/plan/addons.js';
import { planLab } from '../../../../src/plan/plan.js';
import { images } from '../../../helpers/plan-fixtures.js';

async function podToService() {
  const lab = withAddons((await loadLab(resolveLabFile('pod-to-service'))).lab);
  const plan = planLab(lab, { images, underlay: '10.250.0.0/24' });
  const ready = new Map(plan.pods.map((p) => [`${p.namespace}/${p.name}`, true]));
  return { lab, plan, ready };
}

describe('the path of a check to a service port', () => {
  it('a port number that a service has in UDP and TCP is the one in the probe protocol', async () => {
    const { lab, plan, ready } = await podToService();
    const tcp = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'tcp').facts;
    expect(tcp.service?.protocol).toBe('tcp');
    expect(tcp.service?.portName).toBe('kube-system/kube-dns:dns-tcp');
    const udp = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'udp').facts;
    expect(udp.service?.protocol).toBe('udp');
    expect(udp.target.proto).toBe('udp');
  });

  it('a port named in the check is that port, whatever the probe', async () => {
    const { lab, plan, ready } = await podToService();
    const named = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:dns-tcp', 'udp').facts;
    expect(named.service?.portName).toBe('kube-system/kube-dns:dns-tcp');
    expect(named.target.proto).toBe('tcp');
  });

  it('the cluster IP and a port number pick the port in the probe protocol too', async () => {
    const { lab, plan, ready } = await podToService();
    const ip = planPath(lab, plan, ready, 'client', 'kube-dns.kube-system:53', 'tcp').facts.service!.clusterIP;
    expect(planPath(lab, plan, ready, 'client', `${ip}:53`, 'tcp').facts.service?.protocol).toBe('tcp');
    expect(planPath(lab, plan, ready, 'client', `${ip}:53`, 'udp').facts.service?.protocol).toBe('udp');
  });
});
