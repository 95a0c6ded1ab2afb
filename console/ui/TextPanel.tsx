// A titled panel of text lines (action progress, log tail): the newest lines that fit, each cut to the width.
import { Box } from 'ink';
import { Line, Rule } from './Line.tsx';

export interface TextPanelProps {
  title: string;
  lines: string[];
  width: number;
  /** Lines including the title rule. */
  height: number;
  color?: string;
  /** A last line that replaces itself (replay progress). */
  status?: string;
}

export function TextPanel({ title, lines, width, height, color, status }: TextPanelProps) {
  const room = Math.max(0, height - 1 - (status ? 1 : 0));
  const shown = lines.flatMap((l) => l.replace(/\t/g, '  ').split('\n')).slice(-room || lines.length);
  return (
    <Box flexDirection="column" height={height}>
      <Rule title={title} width={width} color={color} />
      {(room ? shown : []).map((l, i) => (
        <Line key={i} text={l} width={width} color={/FAILED|✗|error|refusing|not available/i.test(l) ? 'red' : undefined} />
      ))}
      {status ? <Line text={status} width={width} color="cyan" /> : null}
    </Box>
  );
}
