// Writing small files into a container (like `docker cp`): one tar, one API call.
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

export async function putFiles(docker: Docker, container: string, dir: string, files: Record<string, string>): Promise<void> {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) tar.entry({ name, mode: 0o644 }, content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  await docker.getContainer(container).putArchive(Buffer.concat(chunks), { path: dir });
}
