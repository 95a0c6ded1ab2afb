// Column widths for a table that must fit a terminal width: fixed columns keep their natural width
// (capped), and the one flexible column (health detail) takes whatever is left.
import { fit, textWidth } from './text-width.ts';

export interface Column {
  header: string;
  /** Never narrower than this (cells are truncated to fit). */
  min: number;
  /** Never wider than this. */
  max?: number;
  /** Takes the remaining width after the others. At most one column should flex. */
  flex?: boolean;
  align?: 'left' | 'right';
}

export const COLUMN_GAP = 1;

/** Widths that sum (with one-space gaps) to at most `width`; fixed columns shrink to `min` if needed. */
export function layoutColumns(columns: Column[], rows: string[][], width: number): number[] {
  const natural = columns.map((c, i) => {
    const w = Math.max(textWidth(c.header), ...rows.map((r) => textWidth(r[i] ?? '')));
    return Math.max(c.min, Math.min(c.max ?? Infinity, w));
  });
  const gaps = COLUMN_GAP * (columns.length - 1);
  const widths = columns.map((c, i) => (c.flex ? c.min : natural[i]));
  let free = width - gaps - widths.reduce((a, b) => a + b, 0);
  // Too wide even without the flexible column: give space back from the widest fixed columns first.
  while (free < 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if (!columns[i].flex && widths[i] > columns[i].min && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) break;
    widths[widest]--;
    free++;
  }
  const flexIdx = columns.findIndex((c) => c.flex);
  if (flexIdx >= 0 && free > 0) widths[flexIdx] += Math.min(free, (columns[flexIdx].max ?? Infinity) - widths[flexIdx]);
  return widths;
}

export function formatRow(cells: string[], widths: number[], columns: Column[]): string {
  return widths.map((w, i) => fit(cells[i] ?? '', w, columns[i]?.align)).join(' '.repeat(COLUMN_GAP)).trimEnd();
}

/** The rows a window of `height` shows: the selection stays visible, kept near the middle while scrolling. */
export function visibleWindow(total: number, selected: number, height: number): { start: number; end: number } {
  if (total <= height) return { start: 0, end: total };
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), total - height));
  return { start, end: start + height };
}
