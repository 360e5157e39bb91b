// `topology.impair` and an exercise's `impair` fault: which link, and what netem would do to it.
import { z } from 'zod';
import { readImpairment } from '../impair.js';
import { withHint } from '../read/issues.js';

const amount = (description: string, examples: (string | number)[]) => z.union([z.string(), z.number()]).optional().meta({ description, examples });

/** The impairment's fields (each checked with the others, at its own key). */
export const impairmentFields = {
  delay: amount('Hold every packet this long: 100ms, 1s (a bare number is milliseconds).', ['100ms', '1s']),
  jitter: amount("Spread the delay by up to this much either way, uniformly (netem's jitter); needs delay.", ['20ms']),
  loss: amount('Drop this share of the packets, each at random: 5%.', ['5%', '0.5%']),
  rate: amount("Shape the interface to this rate (tbf), in tc's units: 10mbit, 512kbit. Not on a link.", ['10mbit']),
};

export function checkImpairment(
  value: { delay?: string | number; jitter?: string | number; loss?: string | number; rate?: string | number },
  ctx: z.RefinementCtx,
): void {
  const read = readImpairment(value);
  if ('error' in read) {
    const field = 'field' in read && value[read.field] !== undefined ? [read.field] : [];
    ctx.addIssue({ code: 'custom', input: value, path: field, message: withHint(read.error, read.hint) });
  }
}

export const impairSchema = z
  .strictObject({
    target: z
      .string()
      .min(1)
      .meta({
        description:
          'What is impaired: a node (its eth0), node:iface (node1:cbr0), router, external, a pod (its eth0), or a link between nodes and the router (node1--router), impaired both ways.',
        examples: ['node1', 'node1--router', 'client'],
      }),
    ...impairmentFields,
  })
  .superRefine(checkImpairment)
  .meta({ description: 'An impaired link, applied at `up` (as `netlab impair` does): its egress delayed, jittered, lossy or shaped, as tc netem would.' });
