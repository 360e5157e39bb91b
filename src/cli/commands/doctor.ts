// `doctor`: can this machine run labs? Engine, kernel features, images, CNI plugins.
import { doctor } from '../../cluster/doctor.js';
import type { OutputOptions } from '../output.js';

export async function doctorCommand(opts: OutputOptions): Promise<number> {
  const findings = await doctor();
  const exit = findings.some((f) => !f.ok) ? 1 : 0;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ok: exit === 0, findings }, null, 2)}\n`);
  } else {
    for (const f of findings) process.stdout.write(`${f.ok ? '✔' : '✖'} ${f.name.padEnd(17)} ${f.detail}\n`);
  }
  return exit;
}
