// `netlab explain <lab> <from> <to>`: one real request, narrated hop by hop.
import { explain, formatExplanation } from '../../checks/diagnose/explain.js';
import { connectEngine } from '../../cluster/connect.js';
import { RunningLab } from '../../cluster/running-lab.js';
import { formatCapture } from '../../checks/capture/flow.js';
import type { OutputOptions } from '../output.js';

export async function explainCommand(
  labArg: string,
  from: string,
  to: string,
  opts: OutputOptions & { udp?: boolean; ping?: boolean; capture?: boolean },
): Promise<number> {
  const running = await RunningLab.open(await connectEngine(), labArg);
  const e = await explain(running, from, to, opts.ping ? 'icmp' : opts.udp ? 'udp' : 'tcp', { capture: opts.capture === true });
  process.stdout.write(opts.json ? `${JSON.stringify(e, null, 2)}\n` : formatExplanation(e) + (e.capture ? formatCapture(e.capture) : ''));
  return e.ok ? 0 : 1;
}
