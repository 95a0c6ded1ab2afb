// SQL for one partition chunk against the proxy's logical schema (provision/services/proxy/schema.ts):
// the rows, per-(checkpoint, minute) counts, clone alerts and the partition's offset, all in one transaction.
import { formatBeijingTime } from '../core/passage.ts';
import type { CloneAlert } from '../core/clone-detector.ts';
import type { FlowWarning } from '../core/flow-warning.ts';
import type { DetectorMark } from '../core/partition-clones.ts';
import type { DecodedRecord } from './message.ts';

export const ROWS_PER_INSERT = 500;

export interface Sql {
  sql: string;
  params: Value[];
}

type Value = string | number | null;

/** Multi-row INSERTs of at most `perInsert` rows each; `suffix` follows the VALUES list (an upsert clause). */
function multiInsert(table: string, columns: readonly string[], rows: Value[][], perInsert: number, suffix = ''): Sql[] {
  const out: Sql[] = [];
  const tuple = `(${columns.map(() => '?').join(',')})`;
  for (let i = 0; i < rows.length; i += perInsert) {
    const chunk = rows.slice(i, i + perInsert);
    out.push({ sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(',')}${suffix}`, params: chunk.flat() });
  }
  return out;
}

const PASSAGE_COLUMNS = [
  'GCXH', 'XZQHMC', 'ROAD_ID', 'K_INDEX', 'BOUNDARY_LEVEL', 'BOUNDARY_DETAIL', 'BOUNDARY_LABEL',
  'CLEAN_KKMC', 'FXLX', 'GCSJ', 'event_ms', 'HPZL', 'HPZL_LABEL', 'HPHM', 'BRAND',
] as const;

export function minuteStart(eventTime: number): string {
  return formatBeijingTime(Math.floor(eventTime / 60_000) * 60_000);
}

function passageValues(r: DecodedRecord): (string | number | null)[] {
  const { row, passage: p } = r;
  const fx = Number(row.FXLX);
  return [
    p.gcxh, p.xzqhmc, String(row.ROAD_ID), String(row.K_INDEX), p.boundaryLevel, String(row.BOUNDARY_DETAIL), String(row.BOUNDARY_LABEL),
    // GCSJ is re-derived from the epoch so the row and its minute bucket can never disagree.
    p.checkpoint, Number.isInteger(fx) ? fx : null, formatBeijingTime(p.eventTime), p.eventTime, p.hpzl, p.hpzlLabel, p.plate, p.brand,
  ];
}

/** Inserts for the rows and per-(checkpoint, minute) upserts; the records are already filtered to the new ones. */
export function planRows(records: DecodedRecord[], rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  // Sorted so two transactions touching the same minutes lock them in the same order (no deadlock).
  const counts = [...flowCounts(records)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [
    ...multiInsert('etc_passage', PASSAGE_COLUMNS, records.map(passageValues), rowsPerInsert),
    ...multiInsert('etc_flow_minute', ['CLEAN_KKMC', 'minute_start', 'vehicle_count'], counts.map(([k, n]) => [...(k.split('\u0000') as [string, string]), n]), rowsPerInsert,
      ' ON DUPLICATE KEY UPDATE vehicle_count = vehicle_count + VALUES(vehicle_count)'),
  ];
}

/** "checkpoint\0YYYY-MM-DD HH:mm:00" → count: also the reference the e2e test compares against. */
export function flowCounts(records: Pick<DecodedRecord, 'passage'>[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const { passage: p } of records) {
    const k = `${p.checkpoint}\u0000${minuteStart(p.eventTime)}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

const ALERT_COLUMNS = ['alert_id', 'rule_name', 'HPHM', 'CLEAN_KKMC', 'GCXH', 'event_ms', 'first_kkmc', 'first_gcxh', 'first_event_ms', 'gap_ms', 'threshold_ms'];

/** Inserts of the chunk's clone alerts (each raised once: by the chunk that holds its later passage). */
export function planAlerts(alerts: CloneAlert[], rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  const rows = alerts.map((a) => [a.id, a.rule, a.plate, a.second.checkpoint, a.second.gcxh, a.second.eventTime, a.first.checkpoint, a.first.gcxh, a.first.eventTime, a.gapMs, a.thresholdMs]);
  return multiInsert('etc_clone_alert', ALERT_COLUMNS, rows, rowsPerInsert);
}

export function readOffsetSql(group: string, topic: string, partition?: number): Sql {
  const cols = 'SELECT kafka_partition, next_offset, warm_offset, max_event_ms FROM etc_offsets WHERE consumer_group = ? AND topic = ?';
  return partition === undefined ? { sql: cols, params: [group, topic] } : { sql: `${cols} AND kafka_partition = ?`, params: [group, topic, partition] };
}

/**
 * Compare-and-set of the partition's next offset: a zombie consumer that read the same stored offset
 * finds 0 affected rows (UPDATE) or a duplicate key (INSERT) and rolls its whole transaction back.
 * The UPDATE also locks the row on every shard (broadcast table) until COMMIT.
 */
export function writeOffsetSql(group: string, topic: string, partition: number, stored: number | null, next: number, mark?: DetectorMark): Sql {
  const warm = mark?.warmOffset ?? null;
  const clock = mark?.maxEventMs ?? null;
  return stored === null
    ? {
        sql: 'INSERT INTO etc_offsets (consumer_group, topic, kafka_partition, next_offset, warm_offset, max_event_ms) VALUES (?,?,?,?,?,?)',
        params: [group, topic, partition, next, warm, clock],
      }
    : {
        sql: 'UPDATE etc_offsets SET next_offset = ?, warm_offset = ?, max_event_ms = ? WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? AND next_offset = ?',
        params: [next, warm, clock, group, topic, partition, stored],
      };
}

// ---- the flow warner (pipeline/service/warner.ts) ----

export function partitionClocksSql(group: string, topic: string): Sql {
  return { sql: 'SELECT kafka_partition, max_event_ms FROM etc_offsets WHERE consumer_group = ? AND topic = ?', params: [group, topic] };
}

/** Counts of minutes in [from, to) (epoch ms), as Beijing DATETIME bounds. */
export function flowMinutesSql(from: number, to: number): Sql {
  return {
    sql: 'SELECT CLEAN_KKMC, minute_start, vehicle_count FROM etc_flow_minute WHERE minute_start >= ? AND minute_start < ?',
    params: [formatBeijingTime(from), formatBeijingTime(to)],
  };
}

export function readProgressSql(job: string): Sql {
  return { sql: 'SELECT closed_until FROM etc_flow_progress WHERE job = ?', params: [job] };
}

/** Compare-and-set like the offsets: a second warner that read the same progress rolls back. */
export function writeProgressSql(job: string, stored: number | null, next: number): Sql {
  return stored === null
    ? { sql: 'INSERT INTO etc_flow_progress (job, closed_until) VALUES (?,?)', params: [job, next] }
    : { sql: 'UPDATE etc_flow_progress SET closed_until = ? WHERE job = ? AND closed_until = ?', params: [next, job, stored] };
}

export function planWarnings(warnings: FlowWarning[], rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  const rows = warnings.map((w) => [w.checkpoint, formatBeijingTime(w.minute), w.direction, w.count, w.baseline, w.threshold, w.sd]);
  return multiInsert('etc_flow_warning', ['CLEAN_KKMC', 'minute_start', 'direction', 'vehicle_count', 'baseline', 'threshold', 'sd'], rows, rowsPerInsert);
}
