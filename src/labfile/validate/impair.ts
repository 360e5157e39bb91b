// `topology.impair` targets name parts of the lab (and links join nodes and the router).
import { formatLocation } from '../../core/errors.js';
import { resolveImpairTarget } from '../impair.js';
import type { ImpairSpec, Lab } from '../model.js';
import type { Problems } from '../read/problems.js';

export function validateImpairTargets(specs: ImpairSpec[], lab: Pick<Lab, 'pods' | 'services' | 'topology'>, problems: Problems): ImpairSpec[] {
  const seen = new Map<string, ImpairSpec>();
  return specs.filter((spec) => {
    const t = resolveImpairTarget(lab, spec.target);
    if ('error' in t) {
      problems.error(spec.at, `impair target ${spec.target}: ${t.error}`, t.hint);
      return false;
    }
    if (t.value.kind === 'link' && spec.impairment.rateBitsPerSecond !== undefined) {
      problems.error(
        spec.at,
        `impair target ${spec.target}: rate shapes a whole interface (tbf), not a link`,
        `impair an end's interface with rate (target: ${spec.target.split('--')[0]}), and the link with delay, jitter and loss`,
      );
      return false;
    }
    const first = seen.get(spec.target);
    if (first) {
      problems.error(spec.at, `${spec.target} is impaired twice (first at ${formatLocation(first.at)})`, 'write one entry per target, with all its values');
      return false;
    }
    seen.set(spec.target, spec);
    return true;
  });
}
