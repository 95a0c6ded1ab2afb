// The jobs view's table: name, state, uptime, parallelism, last checkpoint, id — cells only, no Ink.
import type { JobView } from '../actions.ts';
import type { Column } from './table-layout.ts';
import { formatUptime } from '../../provision/status/status.ts';

export const JOB_COLUMNS: Column[] = [
  { header: 'NAME', min: 10, max: 40, flex: true },
  { header: 'STATE', min: 9 },
  { header: 'UPTIME', min: 7, align: 'right' },
  { header: 'PAR', min: 3, align: 'right' },
  { header: 'LAST CHECKPOINT', min: 15 },
  { header: 'JOB ID', min: 8, max: 32 },
];

// The status table's uptime format, for job uptime and checkpoint age alike.
const age = (ms: number) => formatUptime(Math.max(0, Math.round(ms / 1000)));

export function jobCells(j: JobView, now: number): string[] {
  const checkpoint = j.lastCheckpointAt === null ? (j.state === 'RUNNING' ? 'none yet' : '-') : `${age(now - j.lastCheckpointAt)} ago`;
  return [j.name, j.state, age(j.durationMs), j.parallelism === null ? '-' : String(j.parallelism), checkpoint, j.id];
}

export type JobTone = 'ok' | 'failed' | 'ended' | 'busy';
export function jobTone(j: JobView): JobTone {
  if (j.state === 'RUNNING') return 'ok';
  if (j.state === 'FAILED') return 'failed';
  if (j.state === 'FINISHED' || j.state === 'CANCELED') return 'ended';
  return 'busy';
}
