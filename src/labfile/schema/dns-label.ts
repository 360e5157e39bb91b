// DNS label names and what is wrong with one: no zod here, so that a command whose lab comes
// from the kept load (labfile/cache) checks a `--name` without building the schemas.

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A valid name close to `text` (lowercased, other characters turned into "-"). */
export function dnsLabelLike(text: string, max: number): string | undefined {
  const fixed = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return fixed && fixed !== text && DNS_LABEL.test(fixed) ? fixed : undefined;
}

/** Why `text` is not a DNS label (lowercase letters, digits, "-"), or undefined if it is one. */
export function dnsLabelProblem(text: string, what: string, max: number, example: string): { message: string; hint: string } | undefined {
  if (DNS_LABEL.test(text) && text.length <= max) return undefined;
  const like = dnsLabelLike(text, max);
  const rule = `lowercase letters, digits and "-", starting and ending with a letter or digit, at most ${max} characters`;
  if (text.length > max && DNS_LABEL.test(text))
    return { message: `${what} ${JSON.stringify(text)} is longer than ${max} characters`, hint: `shorten it${like ? `, e.g. ${like}` : ''}` };
  return {
    message: `${what} ${JSON.stringify(text)} is not a valid name`,
    hint: like ? `did you mean "${like}"? (${rule})` : `use ${rule}, e.g. ${example}`,
  };
}

/** The longest lab name: containers and networks are named after it. */
export const LAB_NAME_MAX = 30;
