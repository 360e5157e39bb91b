// `netlab explain <lab> <from> <to>`: one real request, narrated hop by hop.
import { explain, formatExplanation } from '../../checks/diagnose/explain.js';
import { engine, runningLab, type OutputOptions } from '../../cluster/context.js';

export async function explainCommand(labArg: string, from: string, to: string, opts: OutputOptions & { udp?: boolean; ping?: boolean }): Promise<number> {
  const docker = await engine();
  const { lab, plan } = await runningLab(docker, labArg);
  const e = await explain(docker, lab, plan, from, to, opts.ping ? 'icmp' : opts.udp ? 'udp' : 'tcp');
  process.stdout.write(opts.json ? `${JSON.stringify(e, null, 2)}\n` : formatExplanation(e));
  return e.ok ? 0 : 1;
}
