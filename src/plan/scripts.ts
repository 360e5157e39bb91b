// Shell text still used by src/checks until its probes and diagnosis are agent steps too
// (plumbing and routes are agent steps: plumbing.ts). Pure text generation.

/** Single-quotes a value for sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One shell word for `value`, whatever it holds: as it is when it has only plain characters, else quoted. */
export function shArg(value: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(value) ? value : shq(value);
}

export interface ParallelJob {
  index: number;
  command: string;
}

export interface JobResult {
  index: number;
  exitCode: number;
  ms: number;
  output: string;
}

/**
 * Runs every job at once in one shell (one `docker exec` instead of one each), then prints
 * `<index> <exit code> <ms> <base64 output>` per job. `helpers` are shell functions jobs may call.
 */
export function parallelScript(jobs: ParallelJob[], helpers = ''): string {
  return [
    helpers,
    'd=$(mktemp -d)',
    `run() { i=$1; shift; s=$(date +%s%N); out=$(eval "$1" 2>&1); rc=$?; e=$(date +%s%N); ` +
      `printf '%s %s %s\\n' "$rc" "$(( (e - s) / 1000000 ))" "$(printf %s "$out" | head -c 4000 | base64 -w0)" > "$d/$i"; }`,
    ...jobs.map((j) => `run ${j.index} ${shq(j.command)} &`),
    'wait',
    `for f in "$d"/*; do printf '%s %s\\n' "\${f##*/}" "$(cat "$f")"; done`,
    'rm -rf "$d"',
  ].join('\n');
}

export function parseParallelOutput(stdout: string): JobResult[] {
  const results: JobResult[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (\d+) (\d+) ?(\S*)$/.exec(line.trim());
    if (!m) continue;
    results.push({ index: Number(m[1]), exitCode: Number(m[2]), ms: Number(m[3]), output: Buffer.from(m[4] ?? '', 'base64').toString('utf8') });
  }
  return results;
}
