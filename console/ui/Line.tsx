// One terminal line, already cut to the width: Ink never wraps it, so the layout's row count holds.
import { Text } from 'ink';
import { fit, truncate } from '../format/text-width.ts';

export interface LineProps {
  text: string;
  width: number;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  /** Pad to the full width (so an inverse selection bar spans the row). */
  pad?: boolean;
}

export function Line({ text, width, color, bold, dim, inverse, pad }: LineProps) {
  const s = pad ? fit(text, width) : truncate(text, width);
  return (
    <Text wrap="truncate-end" color={color} bold={bold} dimColor={dim} inverse={inverse}>
      {s === '' ? ' ' : s}
    </Text>
  );
}

/** "── title ─────…" across the width. */
export function Rule({ title, width, color }: { title: string; width: number; color?: string }) {
  const head = `── ${truncate(title, Math.max(0, width - 4))} `;
  const rest = Math.max(0, width - [...head].length);
  return <Line text={head + '─'.repeat(rest)} width={width} color={color} dim={!color} />;
}
