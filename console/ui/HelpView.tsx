// `?`: every key with what it does, and how to read the table's colours.
import { Box } from 'ink';
import { MAIN_KEYS } from './keys.ts';
import { fit } from '../format/text-width.ts';
import { Line, Rule } from './Line.tsx';

export function HelpView({ width, height }: { width: number; height: number }) {
  const keyW = Math.max(...MAIN_KEYS.map((k) => k.key.length)) + 2;
  return (
    <Box flexDirection="column" height={height}>
      <Rule title="etclab console — keys (? or esc to close)" width={width} color="cyan" />
      {MAIN_KEYS.map((k) => (
        <Line key={k.key} text={`${fit(`<${k.key}>`, keyW)} ${k.help}`} width={width} />
      ))}
      <Line text="" width={width} />
      <Line text="rows: green healthy · red stopped or failing (HEALTH says why) · magenta node unreachable" width={width} dim />
      <Line text="      yellow running without a health check · status refreshes every few seconds" width={width} dim />
      <Line text="actions run the same plan and executor as `etclab start/stop/restart`;" width={width} dim />
      <Line text="step logs are written under the inventory's stateDir/runs/." width={width} dim />
    </Box>
  );
}
