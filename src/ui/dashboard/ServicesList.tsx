import { Box, Text } from 'ink';
import { podLabel, type GraphService } from '../graph/model.js';

/** Each service: cluster IP and ports, then its endpoint pods. */
export function ServicesList({ services }: { services: readonly GraphService[] }) {
  return (
    <Box flexDirection="column">
      <Text bold>SERVICES</Text>
      {services.length === 0 ? <Text dimColor> (none)</Text> : null}
      {services.map((s) => (
        <Box key={`${s.namespace}/${s.name}`} flexDirection="column">
          <Text>
            {`  ${podLabel(s)}  `}
            <Text bold>{s.clusterIP ?? 'headless'}</Text>
            {`  ${s.ports.join(', ')}`}
          </Text>
          {s.endpoints.length === 0 ? <Text dimColor> → no ready endpoints</Text> : null}
          {s.endpoints.map((e) => (
            <Text key={e.ip} dimColor>{`    → ${e.pod}  ${e.ip}:${e.ports.join(',')}`}</Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
