// SQL for one partition batch against the proxy's logical schema (provision/services/proxy/schema.ts).
// core/mysql-sink-model.ts decides the same things for its own DDL, whose column names differ from what
// the proxy actually serves (CLEAN_KKMC / minute_start / vehicle_count / consumer_group…), so the
// statements are built here; the rules (plain per-offset skip, counts summed per minute) are the same.
import { formatBeijingTime } from '../core/passage.ts';
import type { Sql } from '../core/mysql-sink-model.ts';
import type { DecodedRecord } from './message.ts';

export const ROWS_PER_INSERT = 500;

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
  const out: Sql[] = [];
  for (let i = 0; i < records.length; i += rowsPerInsert) {
    const chunk = records.slice(i, i + rowsPerInsert);
    out.push({
      sql: `INSERT INTO etc_passage (${PASSAGE_COLUMNS.join(', ')}) VALUES ` + chunk.map(() => `(${PASSAGE_COLUMNS.map(() => '?').join(',')})`).join(','),
      params: chunk.flatMap(passageValues) as (string | number)[],
    });
  }
  const counts = flowCounts(records);
  // Sorted so two transactions touching the same minutes lock them in the same order (no deadlock).
  const rows = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 0; i < rows.length; i += rowsPerInsert) {
    const chunk = rows.slice(i, i + rowsPerInsert);
    out.push({
      sql:
        'INSERT INTO etc_flow_minute (CLEAN_KKMC, minute_start, vehicle_count) VALUES ' +
        chunk.map(() => '(?,?,?)').join(',') +
        ' ON DUPLICATE KEY UPDATE vehicle_count = vehicle_count + VALUES(vehicle_count)',
      params: chunk.flatMap(([k, n]) => [...(k.split('\u0000') as [string, string]), n]),
    });
  }
  return out;
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

export function readOffsetSql(group: string, topic: string, partition?: number): Sql {
  return partition === undefined
    ? { sql: 'SELECT kafka_partition, next_offset FROM etc_offsets WHERE consumer_group = ? AND topic = ?', params: [group, topic] }
    : { sql: 'SELECT kafka_partition, next_offset FROM etc_offsets WHERE consumer_group = ? AND topic = ? AND kafka_partition = ?', params: [group, topic, partition] };
}

/**
 * Compare-and-set of the partition's next offset: a zombie consumer that read the same stored offset
 * finds 0 affected rows (UPDATE) or a duplicate key (INSERT) and rolls its whole transaction back.
 * The UPDATE also locks the row on every shard (broadcast table) until COMMIT.
 */
export function writeOffsetSql(group: string, topic: string, partition: number, stored: number | null, next: number): Sql {
  return stored === null
    ? { sql: 'INSERT INTO etc_offsets (consumer_group, topic, kafka_partition, next_offset) VALUES (?,?,?,?)', params: [group, topic, partition, next] }
    : {
        sql: 'UPDATE etc_offsets SET next_offset = ? WHERE consumer_group = ? AND topic = ? AND kafka_partition = ? AND next_offset = ?',
        params: [next, group, topic, partition, stored],
      };
}
