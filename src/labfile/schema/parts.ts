// Building blocks of the lab file's zod schemas: names, labels, CIDRs, port names,
// object metadata. Shared by schema.ts and service-schema.ts.
import { z } from 'zod';
import { formatCidr, mask, normalizeCidr, parseCidr, parseIp } from '../../core/cidr.js';
import { IGNORED_FIELDS, ignoring } from '../read/fields.js';
import { withHint } from '../read/issues.js';
import { DNS_LABEL, dnsLabelLike, dnsLabelProblem } from './dns-label.js';

// ---------------------------------------------------------------- names

export { DNS_LABEL, dnsLabelLike, dnsLabelProblem } from './dns-label.js';
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Why `text` is not a DNS-1035 label (a DNS label that starts with a letter: what
 * Kubernetes requires of Service names, which become DNS names), or undefined.
 */
export function dns1035Problem(text: string, what: string, max: number, example: string): { message: string; hint: string } | undefined {
  const withLetter = (name: string) => `svc-${name}`.slice(0, max).replace(/-+$/, '');
  const problem = dnsLabelProblem(text, what, max, example);
  if (problem) {
    const like = dnsLabelLike(text, max);
    return like && !/^[a-z]/.test(like)
      ? { message: problem.message, hint: `did you mean "${withLetter(like)}"? (a Service name starts with a letter)` }
      : problem;
  }
  if (/^[a-z]/.test(text)) return undefined;
  return {
    message: `${what} ${JSON.stringify(text)} must start with a letter`,
    hint: `Service names become DNS names (DNS-1035 labels): start with a lowercase letter, e.g. ${withLetter(text)}`,
  };
}

export function dnsLabel(what: string, max: number, example: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = dnsLabelProblem(text, what, max, example);
      if (problem) ctx.addIssue({ code: 'custom', message: withHint(problem.message, problem.hint), input: text });
    })
    .meta({ pattern: DNS_LABEL.source, maxLength: max });
}

export function dns1035Label(what: string, max: number, example: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = dns1035Problem(text, what, max, example);
      if (problem) ctx.addIssue({ code: 'custom', message: withHint(problem.message, problem.hint), input: text });
    })
    .meta({ pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$', maxLength: max });
}

/** Why `text` is not an IANA service name (a port name: 15 lowercase letters, digits, single "-", a letter), or undefined. */
export function portNameProblem(text: string): { message: string; hint: string } | undefined {
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(text) && /[a-z]/.test(text) && !text.includes('--') && text.length <= 15) return undefined;
  const like = dnsLabelLike(text, 15);
  return {
    message: `port name ${JSON.stringify(text)} is not valid`,
    hint: `use at most 15 lowercase letters, digits and single "-", with at least one letter${like ? `: did you mean "${like}"?` : ', e.g. http'}`,
  };
}

/** A port name (IANA_SVC_NAME), as containers and Services write them. */
export function portName() {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = portNameProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', input: text, message: withHint(problem.message, problem.hint) });
    })
    .meta({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 15 });
}

/** A label map (key: value), validated as Kubernetes validates labels and selectors. */
export function labelMap() {
  return z.record(z.string(), z.string()).superRefine((labels, ctx) => {
    for (const [key, value] of Object.entries(labels)) {
      const slash = key.lastIndexOf('/');
      const prefix = slash < 0 ? undefined : key.slice(0, slash);
      const name = slash < 0 ? key : key.slice(slash + 1);
      if (!LABEL_NAME.test(name) || name.length > 63 || (prefix !== undefined && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: withHint(
            `label key ${JSON.stringify(key)} is not valid`,
            'use letters, digits, "-", "_" and ".", starting and ending with a letter or digit (optionally prefixed by a DNS name and "/"), e.g. app',
          ),
        });
      if (value !== '' && (!LABEL_NAME.test(value) || value.length > 63))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: withHint(
            `label value ${JSON.stringify(value)} is not valid`,
            'use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit, e.g. web',
          ),
        });
    }
  });
}

export const labelsSchema = labelMap().meta({ description: 'Labels (key: value). Deployment and Service selectors match them.', examples: [{ app: 'web' }] });

// ---------------------------------------------------------------- addresses

/** A CIDR string check with a "did you mean" for host bits and a range of prefix lengths. */
export function cidr(what: string, minPrefix: number, maxPrefix: number, example: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const fail = (message: string, hint: string) => ctx.addIssue({ code: 'custom', message: withHint(message, hint), input: text });
      const loose = parseCidr(text, false);
      if (!loose) {
        const ip = parseIp(text);
        fail(
          `${what} ${JSON.stringify(text)} is not an IPv4 CIDR`,
          ip !== undefined ? `add the prefix length, e.g. ${formatCidr({ base: (ip & mask(24)) >>> 0, prefix: 24 })}` : `write a.b.c.d/n, e.g. ${example}`,
        );
        return;
      }
      if (loose.prefix < minPrefix || loose.prefix > maxPrefix) {
        const prefix = Math.min(maxPrefix, Math.max(minPrefix, 24));
        fail(
          `${what} ${text} has prefix /${loose.prefix}; netlab takes /${minPrefix} to /${maxPrefix}`,
          `write a block from /${minPrefix} to /${maxPrefix}, e.g. ${formatCidr({ base: ((parseIp(text.split('/')[0] ?? '') ?? loose.base) & mask(prefix)) >>> 0, prefix })}`,
        );
        return;
      }
      if (!parseCidr(text, true)) fail(`${what} ${text} has host bits set`, `did you mean ${normalizeCidr(text)}?`);
    })
    .meta({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$', examples: [example] });
}

// ---------------------------------------------------------------- manifests

export const apiVersion = (version: string, kind: string) =>
  z
    .literal(version, { error: withHint(`a ${kind} has apiVersion ${version}`, `write apiVersion: ${version}`) })
    .meta({ description: `${version} for a ${kind}.` });

export const metadataSchema = z
  .strictObject({
    name: dnsLabel('name', 63, 'web').meta({ description: 'The object\'s name (a DNS label: lowercase letters, digits and "-").', examples: ['web'] }),
    namespace: dnsLabel('namespace', 63, 'default')
      .optional()
      .meta({ description: 'Namespace; default "default". Checks name a pod or Service outside "default" as <name>.<namespace>.' }),
    labels: labelsSchema.optional(),
    ...ignoring(IGNORED_FIELDS.metadata),
  })
  .meta({ description: 'Object metadata: name, namespace, labels.' });
