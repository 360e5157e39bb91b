// netlab's own trusted container in every lab: it enters nodes' and pods' namespaces to plumb,
// program and probe them. Requests are typed (what to do, and how to read the answer); the
// Toolbox carries them out in one exec each and hands back the parsed result.
import { traced } from '../core/debug.js';
import type { ToolboxRequest } from '../core/toolbox-request.js';
import type { Engine } from './engine.js';

export class Toolbox {
  constructor(
    readonly engine: Engine,
    /** The toolbox container's name or ID. */
    readonly container: string,
  ) {}

  run<T>(request: ToolboxRequest<T>): Promise<T> {
    return traced(
      'toolbox',
      request.what,
      async () => {
        const result = await this.engine.exec(this.container, request.argv, request.stdin !== undefined ? { stdin: request.stdin } : {});
        return request.parse(result);
      },
      undefined,
      () => [...request.argv, request.stdin ?? ''].join(' '),
    );
  }
}
