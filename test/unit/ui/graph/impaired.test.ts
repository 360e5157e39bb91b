// What is impaired now, in every picture of a lab.
import { describe, expect, it } from 'vitest';
import { renderGraph } from '../../../../src/ui/graph/index.js';
import { podToService } from '../../../helpers/graph-fixture.js';

describe('graph: impaired links', () => {
  it('lists them under the drawing, and as a note in Mermaid and DOT', async () => {
    const graph = { ...(await podToService()), impaired: [{ part: 'node1', lines: ['eth0: delay 200ms, loss 5%', 'link to router: delay 20ms'] }] };
    expect(renderGraph(graph, 'text')).toContain('\nimpaired\n  node1 eth0: delay 200ms, loss 5%\n  node1 link to router: delay 20ms\n');
    expect(renderGraph(graph, 'mermaid')).toContain('impaired>');
    expect(renderGraph(graph, 'mermaid')).toContain('node1 eth0: delay 200ms, loss 5%');
    expect(renderGraph(graph, 'dot')).toMatch(
      /impaired \[shape=note, label="impaired\\nnode1 eth0: delay 200ms, loss 5%\\nnode1 link to router: delay 20ms"\];/,
    );
    expect(renderGraph(await podToService(), 'text')).not.toContain('impaired');
  });
});
