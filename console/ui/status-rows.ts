// ClusterStatus → the cells of the health table. Pure, so the table's content is testable without Ink.
import type { ClusterStatus, DaemonStatus } from '../../provision/status/status.ts';
import { formatUptime } from '../../provision/status/status.ts';
import type { Column } from '../format/table-layout.ts';

export const STATUS_COLUMNS: Column[] = [
  { header: 'NODE', min: 4, max: 10 },
  { header: 'SERVICE', min: 7, max: 16 },
  { header: 'STATE', min: 7, max: 11 },
  { header: 'PID', min: 3, max: 7, align: 'right' },
  { header: 'PORT', min: 4, max: 9 },
  { header: 'UPTIME', min: 6, max: 6 },
  { header: 'HEALTH', min: 8, flex: true },
];

export type RowTone = 'ok' | 'down' | 'unreachable' | 'unknown';

export function serviceLabel(d: Pick<DaemonStatus, 'service' | 'role'>): string {
  return d.role === 'server' ? d.service : `${d.service}/${d.role}`;
}

export function healthText(d: DaemonStatus): string {
  if (d.state === 'unreachable') return `unreachable: ${d.health}`;
  const stale = d.staleConfig ? ' (stale config)' : '';
  if (d.healthy === null) return `${d.state === 'running' ? '?' : '-'} ${d.health}${stale}`;
  return `${d.healthy ? 'ok' : 'FAIL'} ${d.health}${stale}`;
}

export function toneOf(d: DaemonStatus): RowTone {
  if (d.state === 'unreachable') return 'unreachable';
  if (d.state === 'stopped' || d.healthy === false) return 'down';
  return d.healthy ? 'ok' : 'unknown';
}

export function statusCells(d: DaemonStatus): string[] {
  const port = d.ports.length ? `${d.ports[0]}${d.ports.length > 1 ? `+${d.ports.length - 1}` : ''}` : '-';
  return [d.node, serviceLabel(d), d.state, d.pid ? String(d.pid) : '-', port, formatUptime(d.uptimeSec), healthText(d)];
}

export interface StatusCounts {
  total: number;
  ok: number;
  down: number;
  unreachable: number;
}

export function countStatus(s: ClusterStatus): StatusCounts {
  const tones = s.daemons.map(toneOf);
  return {
    total: tones.length,
    ok: tones.filter((t) => t === 'ok' || t === 'unknown').length,
    down: tones.filter((t) => t === 'down').length,
    unreachable: tones.filter((t) => t === 'unreachable').length,
  };
}
