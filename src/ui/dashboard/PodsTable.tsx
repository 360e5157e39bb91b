import { Box, Text } from 'ink';
import type { GraphPod } from '../graph/model.js';
import { useTint } from '../theme.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** NAME NAMESPACE NODE IP READY, the selected row marked with ❯ and shown inverse. */
export function PodsTable({ pods, selected }: { pods: readonly GraphPod[]; selected: number }) {
  const tint = useTint();
  const w = {
    name: Math.max(4, ...pods.map((p) => p.name.length)) + 2,
    ns: Math.max(9, ...pods.map((p) => p.namespace.length)) + 2,
    node: Math.max(4, ...pods.map((p) => p.node.length)) + 2,
    ip: Math.max(2, ...pods.map((p) => p.ip.length)) + 2,
  };
  return (
    <Box flexDirection="column">
      <Text bold>{`  ${pad('NAME', w.name)}${pad('NAMESPACE', w.ns)}${pad('NODE', w.node)}${pad('IP', w.ip)}READY`}</Text>
      {pods.length === 0 ? <Text dimColor> (no pods)</Text> : null}
      {pods.map((p, i) => {
        const ready = p.ready === undefined ? '-' : p.ready ? 'yes' : 'no';
        const row = `${pad(p.name, w.name)}${pad(p.namespace, w.ns)}${pad(p.node, w.node)}${pad(p.ip, w.ip)}`;
        return (
          <Text key={`${p.namespace}/${p.name}`} inverse={i === selected}>
            {i === selected ? '❯ ' : '  '}
            {row}
            <Text color={tint(p.ready === false ? 'red' : 'green')}>{ready}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
