// Preloaded by the benchmarks into each CLI run (node --import): on exit, the process's own CPU
// time (user + system, in ms) is written to $NETLAB_BENCH_USAGE, a measure the load of other
// work on the machine barely moves.
import { writeFileSync } from 'node:fs';

const file = process.env.NETLAB_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ cpuMs: (user + system) / 1000 }));
  });
}
