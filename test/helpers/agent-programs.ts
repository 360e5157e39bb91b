// The programs netlab-agent runs, read off its source (docker/probe/main.go): what tests hold
// every toolbox step to.
import { readFileSync } from 'node:fs';

export const AGENT_PROGRAMS: ReadonlySet<string> = new Set(
  [...readFileSync(new URL('../../docker/probe/main.go', import.meta.url), 'utf8').matchAll(/^\t"([\w-]+)":\s+"\/[^"]+",$/gm)].map((m) => m[1]!),
);
