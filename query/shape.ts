// Rows out of the stores, shaped for the API and CSV: pure, tested without a network.
import type { Row } from '../pipeline/hbase/model.ts';
import { parseCheckpointIndexRowKey, parseMainRowKey } from '../pipeline/core/rowkey.ts';
import { formatBeijingTime } from '../pipeline/core/beijing-time.ts';

const MIN = 60_000;

export interface Passage {
  gcxh: string;
  plate: string;
  checkpoint: string;
  time: string;
  eventMs: number;
  direction: string;
  vehicleType: string;
  boundary: string;
}

export const PASSAGE_COLUMNS: Array<keyof Passage> = ['time', 'plate', 'checkpoint', 'gcxh', 'direction', 'vehicleType', 'boundary'];

const cell = (r: Row, c: string) => r.cells[`info:${c}`]?.toString('utf8') ?? '';

/** etc_traffic: `<salt>|<plate>|<reverse ts>|<checkpoint>|<gcxh>`. */
export function mainRowPassage(r: Row): Passage {
  const k = parseMainRowKey(r.row.toString('utf8'));
  return passage(r, k.gcxh, k.plate, k.checkpoint, k.eventTime);
}

/** etc_traffic_by_checkpoint: `<checkpoint>|<ts>|<gcxh>`, the plate and a few columns in its cells. */
export function indexRowPassage(r: Row): Passage {
  const k = parseCheckpointIndexRowKey(r.row.toString('utf8'));
  return passage(r, k.gcxh, cell(r, 'HPHM'), k.checkpoint, k.eventTime);
}

function passage(r: Row, gcxh: string, plate: string, checkpoint: string, eventMs: number): Passage {
  return { gcxh, plate, checkpoint, time: formatBeijingTime(eventMs), eventMs, direction: cell(r, 'FXLX'), vehicleType: cell(r, 'HPZL_LABEL'), boundary: cell(r, 'BOUNDARY_LEVEL') };
}

/** Newest first; passages of the same millisecond by GCXH descending. */
export function newestFirst(ps: Passage[]): Passage[] {
  return [...ps].sort((a, b) => b.eventMs - a.eventMs || (a.gcxh < b.gcxh ? 1 : a.gcxh > b.gcxh ? -1 : 0));
}

/** Per-minute sums ("YYYY-MM-DD HH:mm:ss" Beijing) → every step-minute bucket of [from, to), zeros included. */
export function bucketCounts(minutes: Array<{ minute: string; n: number }>, from: number, to: number, stepMin: number): Array<{ start: string; end: string; passages: number }> {
  const step = stepMin * MIN;
  const first = Math.floor(from / step) * step;
  const n = Math.ceil((to - first) / step);
  if (n > 20_000) throw new RangeError(`${n} buckets: choose a shorter range or a longer step`);
  const sums = new Array<number>(n).fill(0);
  const byLabel = new Map<string, number>();
  for (const m of minutes) byLabel.set(m.minute, (byLabel.get(m.minute) ?? 0) + m.n);
  for (const [label, v] of byLabel) {
    const t = Date.parse(`${label.replace(' ', 'T')}+08:00`);
    const i = Math.floor((t - first) / step);
    if (i >= 0 && i < n) sums[i]! += v;
  }
  return sums.map((passages, i) => ({ start: formatBeijingTime(first + i * step), end: formatBeijingTime(first + (i + 1) * step), passages }));
}
