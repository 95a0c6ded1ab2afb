import { Box } from 'ink';
import { legendLines, type KeyBinding } from '../format/key-legend.ts';
import { Line } from './Line.tsx';

export function KeyLegend({ keys, width }: { keys: KeyBinding[]; width: number }) {
  return (
    <Box flexDirection="column">
      {legendLines(keys, width).map((l, i) => (
        <Line key={i} text={l} width={width} color="cyan" />
      ))}
    </Box>
  );
}
