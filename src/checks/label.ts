// What a check expects, in a few words, for its line in every output ("resolves to 10.96.0.10",
// "NXDOMAIN", "same netns", "reachable ×20 by 2+ pods"): the expectation as the probe kind
// means it, with the fields that sharpen it (answers, contains, via, count, by). Pure.
import type { CheckSpec } from '../labfile/model.js';

type Labelled = Pick<CheckSpec, 'probe' | 'expect'> & Partial<Pick<CheckSpec, 'via' | 'contains' | 'answers' | 'record' | 'count' | 'distinct' | 'by'>>;

const quoted = (text: string) => JSON.stringify(text);

export function expectationLabel(c: Labelled): string {
  switch (c.probe) {
    case 'dns':
      return dnsLabel(c);
    case 'netns':
      return c.expect === 'different-netns' ? 'different netns' : 'same netns';
    case 'gateway':
      return `default route via ${c.via ?? 'cbr0'}`;
    case 'conntrack':
      return 'translated (conntrack entry)';
    case 'traceroute':
      return c.expect === 'unreachable' ? 'unreachable' : `reachable${c.via ? ` via ${c.via}` : ''}`;
    default:
      return reachLabel(c);
  }
}

/** http, tcp, udp, ping: reached or not, how many times by how many pods, what the answer holds. */
function reachLabel(c: Labelled): string {
  if (c.expect === 'unreachable') return `unreachable${c.count && c.count > 1 ? ` ×${c.count}` : ''}${c.by === 'dns' ? ' by name' : ''}`;
  const parts = ['reachable'];
  if (c.count && c.count > 1) parts.push(`×${c.count}${c.distinct && c.distinct > 1 ? ` by ${c.distinct}+ pods` : ''}`);
  if (c.by === 'dns') parts.push('by name');
  const label = parts.join(' ');
  return c.contains !== undefined ? `${label}, answer contains ${quoted(c.contains)}` : label;
}

function dnsLabel(c: Labelled): string {
  if (c.expect === 'nxdomain') return 'NXDOMAIN';
  const record = c.record ?? 'A';
  const kind = record === 'A' ? '' : ` ${record}`;
  const base = c.answers ? `resolves to${kind} ${c.answers.join(', ')}` : `resolves${record === 'A' ? '' : ` (${record})`}`;
  return c.contains !== undefined ? `${base}, an answer contains ${quoted(c.contains)}` : base;
}
