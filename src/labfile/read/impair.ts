// `topology.impair` as read (each entry's values were checked by the schema).
import { readImpairment, type WrittenImpairment } from '../impair.js';
import type { ImpairSpec } from '../model.js';
import { child, valueAt, type Place } from './positions.js';

export function impairSpecs(written: (WrittenImpairment & { target: string })[], topology: Place): ImpairSpec[] {
  return written.flatMap((w, i) => {
    const read = readImpairment(w);
    return 'error' in read ? [] : [{ target: w.target, impairment: read.value, at: valueAt(child(topology, 'impair', i), 'target') }];
  });
}
