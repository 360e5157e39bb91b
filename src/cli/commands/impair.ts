// `netlab impair <lab> <target>[:iface] [--delay D] [--jitter J] [--loss P%] [--rate R] [--clear]`.
import { connectEngine } from '../../cluster/connect.js';
import { impairLab, impairmentFromFlags, type WrittenImpairment } from '../../cluster/impair.js';
import type { OutputOptions } from '../output.js';

export interface ImpairOptions extends OutputOptions, WrittenImpairment {
  clear?: boolean;
}

export async function impairCommand(labArg: string, target: string, o: ImpairOptions): Promise<number> {
  const imp = impairmentFromFlags(o);
  const outcome = await impairLab(await connectEngine(), labArg, target, imp);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ ...outcome, impairment: imp ?? null }, null, 2)}\n`);
    return 0;
  }
  for (const end of outcome.ends) process.stdout.write(`${end.part} ${end.label}: ${outcome.description}\n`);
  return 0;
}
