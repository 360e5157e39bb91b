// `netlab ui` without a lab, with several up: pick one.
import { Box, Text, useApp, useInput } from 'ink';
import { useRef, useState } from 'react';

export interface LabPickerProps {
  labs: readonly string[];
  onPick: (lab: string | undefined) => void;
}

export function LabPicker({ labs, onPick }: LabPickerProps) {
  const [selected, setSelected] = useState(0);
  const current = useRef(0);
  current.current = selected;
  const { exit } = useApp();
  useInput((input, key) => {
    const move = (by: number) => {
      current.current = Math.min(labs.length - 1, Math.max(0, current.current + by));
      setSelected(current.current);
    };
    if (key.downArrow || input === 'j') move(1);
    else if (key.upArrow || input === 'k') move(-1);
    else if (key.return) {
      onPick(labs[current.current]);
      exit();
    } else if (input === 'q' || key.escape) {
      onPick(undefined);
      exit();
    }
  });
  return (
    <Box flexDirection="column">
      <Text bold>Labs that are up: pick one (↑/↓, enter; q quits)</Text>
      {labs.map((lab, i) => (
        <Text key={lab} inverse={i === selected}>{`${i === selected ? '❯ ' : '  '}${lab}`}</Text>
      ))}
    </Box>
  );
}
