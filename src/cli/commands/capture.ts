// `netlab capture <lab> <target> [--interface IF] [-c N] [-w FILE|-] [filter...]`: tcpdump in
// a lab container's network namespace. pcap to a file or to stdout (`-w -`, for
// `| wireshark -k -i -`: packets as they come, nothing else on stdout), else tcpdump's text
// lines. Stops at -c N, at Ctrl-C (which stops tcpdump in the lab too) or when the lab goes.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { openCapture, parseCount } from '../../cluster/capture.js';
import { connectEngine } from '../../cluster/connect.js';
import { NetlabError } from '../../core/errors.js';
import { onInterrupt } from '../signals.js';

export interface CaptureCommandOptions {
  interface?: string;
  count?: string;
  write?: string;
}

export async function captureCommand(lab: string, target: string, filter: string[], o: CaptureCommandOptions): Promise<number> {
  const count = parseCount(o.count);
  if (o.write === '-' && process.stdout.isTTY) {
    throw new NetlabError('-w - writes pcap, which is no text for a terminal.', {
      hint: `Pipe it (netlab capture ${lab} ${target} -w - | wireshark -k -i -), write a file (-w capture.pcap), or leave -w out for one line a packet.`,
      exitCode: 2,
    });
  }
  const pcap = o.write !== undefined;
  const capture = await openCapture(await connectEngine(), lab, target, {
    pcap,
    filter,
    ...(o.interface !== undefined ? { interface: o.interface } : {}),
    ...(count !== undefined ? { count } : {}),
  });
  const { exec } = capture;
  const toFile = pcap && o.write !== '-';
  const out: Writable = toFile ? createWriteStream(o.write!) : process.stdout;
  process.stderr.write(`capturing on ${capture.what} in lab ${lab}${toFile ? ` into ${o.write}` : ''}${count ? `, ${count} packet(s)` : ''}; Ctrl-C stops\n`);
  let interrupted = 0;
  const release = onInterrupt(() => {
    interrupted++;
    if (interrupted === 1) exec.closeStdin();
    else exec.destroy();
  });
  // A reader that went away (`| head`, wireshark closed): stop the capture in the lab.
  const onOutError = () => exec.closeStdin();
  out.on('error', onOutError);
  let stderr = '';
  exec.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    process.stderr.write(chunk);
  });
  exec.stdout.pipe(out, { end: toFile });
  try {
    const code = await exec.exitCode();
    if (toFile) await new Promise<void>((resolve) => (out.writableFinished ? resolve() : out.once('finish', resolve).once('error', () => resolve())));
    if (code === 0 || (interrupted && (code === 130 || code === 143))) return 0;
    if (/No such device|doesn't exist/.test(stderr)) {
      const names = await capture.interfaces().catch(() => []);
      throw new NetlabError(`No interface ${capture.what.split(' ').at(-1)} on ${capture.what.split(' ')[0]}.`, {
        hint: names.length
          ? `Its interfaces: ${names.join(', ')} (--interface IF, or ${target.split(':')[0]}:IF)`
          : 'List them: netlab exec <lab> <target> -- ip link',
        exitCode: 2,
      });
    }
    if (/syntax error|illegal|can't parse filter|unknown host/i.test(stderr)) {
      throw new NetlabError(`tcpdump refused the filter ${JSON.stringify(filter.join(' '))}.`, {
        hint: "The filter is tcpdump's (pcap-filter(7)): e.g. tcp port 80, host 10.0.1.3 and not arp",
        exitCode: 2,
      });
    }
    if (code === 124 || stderr === '')
      throw new NetlabError(`The capture on ${capture.what} ended (exit code ${code}).`, { hint: 'Is the lab still up? netlab status' });
    return code;
  } finally {
    out.off('error', onOutError);
    release();
  }
}
