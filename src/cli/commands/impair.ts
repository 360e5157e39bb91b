// `netlab impair <lab> <target>[:iface] [--delay D] [--jitter J] [--loss P%] [--rate R] [--clear]`.
import { connectEngine } from '../../cluster/connect.js';
import { impairLab } from '../../cluster/impair.js';
import { NetlabError } from '../../core/errors.js';
import { readImpairment } from '../../labfile/impair.js';
import type { Impairment } from '../../labfile/model.js';
import type { OutputOptions } from '../output.js';

export interface ImpairOptions extends OutputOptions {
  delay?: string;
  jitter?: string;
  loss?: string;
  rate?: string;
  clear?: boolean;
}

/** The impairment the flags ask for (undefined: --clear), or a usage error naming the flag. */
export function impairmentFromFlags(o: ImpairOptions): Impairment | undefined {
  const given = (['delay', 'jitter', 'loss', 'rate'] as const).filter((k) => o[k] !== undefined);
  if (o.clear) {
    if (given.length)
      throw new NetlabError(`--clear takes the impairment back; it goes with no --${given[0]}.`, { hint: 'clear first, then impair anew', exitCode: 2 });
    return undefined;
  }
  const read = readImpairment({ delay: o.delay, jitter: o.jitter, loss: o.loss, rate: o.rate });
  if ('error' in read) {
    const flag = 'field' in read ? ` (--${read.field})` : '';
    throw new NetlabError(`${read.error}${flag}.`, { hint: `${read.hint}; or --clear to take an impairment back`, exitCode: 2 });
  }
  return read.value;
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
