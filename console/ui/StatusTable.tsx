// The node × service health table with a selection bar; scrolls to keep the selection visible.
import { Box } from 'ink';
import type { ClusterStatus } from '../../provision/status/status.ts';
import { formatRow, layoutColumns, visibleWindow } from '../format/table-layout.ts';
import { STATUS_COLUMNS, statusCells, toneOf, type RowTone } from './status-rows.ts';
import { Line } from './Line.tsx';

const TONE_COLOR: Record<RowTone, string> = { ok: 'green', down: 'red', unreachable: 'magenta', unknown: 'yellow' };

export interface StatusTableProps {
  status: ClusterStatus | null;
  error: string | null;
  selected: number;
  width: number;
  /** Lines available, header included. */
  height: number;
}

export function StatusTable({ status, error, selected, width, height }: StatusTableProps) {
  if (!status)
    return (
      <Box flexDirection="column" height={height}>
        <Line text={error ? `status failed: ${error}` : 'reading status from every node…'} width={width} color={error ? 'red' : undefined} dim={!error} />
      </Box>
    );
  const rows = status.daemons.map(statusCells);
  const inner = width - 2;
  const widths = layoutColumns(STATUS_COLUMNS, rows, inner);
  const { start, end } = visibleWindow(rows.length, selected, Math.max(1, height - 1));
  const more = rows.length > end - start ? ` (${start + 1}-${end} of ${rows.length})` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Line text={`  ${formatRow(STATUS_COLUMNS.map((c) => c.header), widths, STATUS_COLUMNS)}${more}`} width={width} bold />
      {rows.slice(start, end).map((cells, i) => {
        const idx = start + i;
        const sel = idx === selected;
        const d = status.daemons[idx];
        return (
          <Line
            key={`${d.node}/${d.service}/${d.role}`}
            text={`${sel ? '▶ ' : '  '}${formatRow(cells, widths, STATUS_COLUMNS)}`}
            width={width}
            color={TONE_COLOR[toneOf(d)]}
            inverse={sel}
            pad={sel}
          />
        );
      })}
    </Box>
  );
}
