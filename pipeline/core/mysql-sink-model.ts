/**
 * MySQL sink, pure part: which SQL one Kafka batch becomes, and where to resume after a restart.
 *
 * Exactly-once (seed 001's method): the rows, the per-minute counts and the partition's next offset
 * are written in ONE transaction, and on restart the consumer seeks to the stored offsets instead of
 * trusting Kafka's committed ones. Adapter protocol (mysql2; this module only decides):
 *   BEGIN
 *   [sql, params] = lockOffsetQuery(topic, group, partition)   → stored next_offset or no row
 *   plan = planMysqlBatch(batch, stored)
 *   run plan.statements in order; COMMIT      (any error → ROLLBACK, nothing of the batch exists)
 * The FOR UPDATE read serializes a zombie consumer (after a rebalance) with its successor: the second
 * one to lock sees the advanced offset and skips the records the first already wrote.
 *
 * Through a sharding proxy the transaction must stay on one backend or run as XA: if etc_passage is
 * sharded across backends, the proxy has to be in XA mode for this to stay exactly-once.
 */
import { formatBeijingTime, type Passage } from './passage.ts';

export interface Sql {
  sql: string;
  params: (string | number)[];
}

export interface MysqlBatch {
  topic: string;
  group: string;
  partition: number;
  /** Ascending offsets. */
  records: { offset: number; passage: Passage }[];
}

export interface MysqlPlan {
  statements: Sql[];
  applied: number;
  skipped: number;
  nextOffset: number | null;
}

export const MYSQL_DDL: string[] = [
  `CREATE TABLE IF NOT EXISTS etc_passage (
  gcxh VARCHAR(32) NOT NULL,
  xzqhmc VARCHAR(32) NOT NULL,
  checkpoint VARCHAR(64) NOT NULL,
  boundary_level VARCHAR(8) NOT NULL,
  fxlx VARCHAR(4) NOT NULL,
  event_time DATETIME NOT NULL COMMENT 'Beijing wall clock (GCSJ)',
  event_ts BIGINT NOT NULL COMMENT 'epoch ms of GCSJ read as UTC+8',
  hpzl VARCHAR(8) NOT NULL,
  hpzl_label VARCHAR(16) NOT NULL,
  plate VARCHAR(16) NOT NULL,
  brand VARCHAR(64) NOT NULL,
  PRIMARY KEY (gcxh),
  KEY idx_checkpoint_time (checkpoint, event_time),
  KEY idx_plate_time (plate, event_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS etc_flow_minute (
  checkpoint VARCHAR(64) NOT NULL,
  minute DATETIME NOT NULL COMMENT 'Beijing wall-clock minute start',
  cnt INT NOT NULL,
  PRIMARY KEY (checkpoint, minute)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS etc_offsets (
  topic VARCHAR(249) NOT NULL,
  \`group\` VARCHAR(249) NOT NULL,
  \`partition\` INT NOT NULL,
  next_offset BIGINT NOT NULL,
  PRIMARY KEY (topic, \`group\`, \`partition\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

/** Rows per multi-row INSERT: keeps a statement well under max_allowed_packet (≈ 200 B per row). */
export const DEFAULT_ROWS_PER_INSERT = 500;

export function lockOffsetQuery(topic: string, group: string, partition: number): Sql {
  return {
    sql: 'SELECT next_offset FROM etc_offsets WHERE topic = ? AND `group` = ? AND `partition` = ? FOR UPDATE',
    params: [topic, group, partition],
  };
}

function checkBatch(b: MysqlBatch): void {
  const where = `${b.topic}[${b.partition}] group ${b.group}`;
  if (!Number.isInteger(b.partition) || b.partition < 0) throw new Error(`${where}: bad partition`);
  let prev = -1;
  for (const r of b.records) {
    if (!Number.isSafeInteger(r.offset) || r.offset <= prev) throw new Error(`${where}: offsets must ascend, got ${r.offset} after ${prev}`);
    prev = r.offset;
  }
}

/**
 * Records below the stored offset were committed by an earlier transaction and are skipped.
 * etc_passage uses a plain INSERT on purpose: the same GCXH at a new offset is a producer duplicate;
 * failing the transaction loudly (duplicate key, naming the GCXH) beats counting it twice silently.
 */
export function planMysqlBatch(batch: MysqlBatch, storedNextOffset: number | null, rowsPerInsert = DEFAULT_ROWS_PER_INSERT): MysqlPlan {
  checkBatch(batch);
  if (!(rowsPerInsert >= 1)) throw new RangeError(`rowsPerInsert must be ≥ 1, got ${rowsPerInsert}`);
  const fresh = batch.records.filter((r) => storedNextOffset === null || r.offset >= storedNextOffset);
  const skipped = batch.records.length - fresh.length;
  if (fresh.length === 0) return { statements: [], applied: 0, skipped, nextOffset: storedNextOffset };

  const statements: Sql[] = [];
  for (let i = 0; i < fresh.length; i += rowsPerInsert) {
    const chunk = fresh.slice(i, i + rowsPerInsert);
    statements.push({
      sql:
        'INSERT INTO etc_passage (gcxh, xzqhmc, checkpoint, boundary_level, fxlx, event_time, event_ts, hpzl, hpzl_label, plate, brand) VALUES ' +
        chunk.map(() => '(?,?,?,?,?,?,?,?,?,?,?)').join(','),
      params: chunk.flatMap(({ passage: p }) => [
        p.gcxh, p.xzqhmc, p.checkpoint, p.boundaryLevel, p.fxlx, formatBeijingTime(p.eventTime), p.eventTime, p.hpzl, p.hpzlLabel, p.plate, p.brand,
      ]),
    });
  }

  const perMinute = new Map<string, number>();
  for (const { passage: p } of fresh) {
    const k = `${p.checkpoint}\u0000${formatBeijingTime(Math.floor(p.eventTime / 60_000) * 60_000)}`;
    perMinute.set(k, (perMinute.get(k) ?? 0) + 1);
  }
  const minuteRows = [...perMinute].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let i = 0; i < minuteRows.length; i += rowsPerInsert) {
    const chunk = minuteRows.slice(i, i + rowsPerInsert);
    statements.push({
      sql:
        'INSERT INTO etc_flow_minute (checkpoint, minute, cnt) VALUES ' +
        chunk.map(() => '(?,?,?)').join(',') +
        ' ON DUPLICATE KEY UPDATE cnt = cnt + VALUES(cnt)',
      params: chunk.flatMap(([k, n]) => [...(k.split('\u0000') as [string, string]), n]),
    });
  }

  const nextOffset = fresh.at(-1)!.offset + 1;
  statements.push({
    sql: 'INSERT INTO etc_offsets (topic, `group`, `partition`, next_offset) VALUES (?,?,?,?) ON DUPLICATE KEY UPDATE next_offset = VALUES(next_offset)',
    params: [batch.topic, batch.group, batch.partition, nextOffset],
  });
  return { statements, applied: fresh.length, skipped, nextOffset };
}

export function storedOffsetsQuery(topic: string, group: string): Sql {
  return { sql: 'SELECT `partition`, next_offset FROM etc_offsets WHERE topic = ? AND `group` = ?', params: [topic, group] };
}

export type SeekTarget = { partition: number; offset: number } | { partition: number; offset: 'earliest' };

/**
 * Restart rule: every assigned partition resumes at its stored next_offset; a partition with no row
 * never committed a batch, so it starts at the earliest retained offset (not "latest": that would skip
 * what was produced before the first commit).
 */
export function seekPlan(rows: { partition: number | string; next_offset: number | string }[], assigned: number[]): SeekTarget[] {
  const stored = new Map<number, number>();
  for (const r of rows) {
    const p = Number(r.partition);
    const o = Number(r.next_offset);
    if (!Number.isInteger(p) || !Number.isSafeInteger(o) || o < 0) throw new Error(`etc_offsets row not valid: ${JSON.stringify(r)}`);
    stored.set(p, o);
  }
  return [...assigned].sort((a, b) => a - b).map((partition) => {
    const o = stored.get(partition);
    return o === undefined ? { partition, offset: 'earliest' as const } : { partition, offset: o };
  });
}
