// SQL for one partition chunk against the proxy's logical schema (pipeline/contract/mysql-schema.ts):
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
  'CLEAN_KKMC', 'FXLX', 'GCSJ', 'event_ms', 'HPZL', 'HPZL_LABEL', 'HPHM', 'BRAND', 'kafka_partition', 'kafka_offset',
] as const;

export function minuteStart(eventTime: number): string {
  return formatBeijingTime(Math.floor(eventTime / 60_000) * 60_000);
}

function passageValues(r: DecodedRecord, partition: number): (string | number | null)[] {
  const { row, passage: p } = r;
  const fx = Number(row.FXLX);
  return [
    p.gcxh, p.xzqhmc, String(row.ROAD_ID), String(row.K_INDEX), p.boundaryLevel, String(row.BOUNDARY_DETAIL), String(row.BOUNDARY_LABEL),
    // GCSJ is re-derived from the epoch so the row and its minute bucket can never disagree.
    p.checkpoint, Number.isInteger(fx) ? fx : null, formatBeijingTime(p.eventTime), p.eventTime, p.hpzl, p.hpzlLabel, p.plate, p.brand,
    partition, r.offset,
  ];
}

/** Inserts of the new rows, each tagged with its Kafka position (what a recount of its partition reads). */
export function planPassages(records: DecodedRecord[], partition: number, rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  return multiInsert('etc_passage', PASSAGE_COLUMNS, records.map((r) => passageValues(r, partition)), rowsPerInsert);
}

/** "checkpoint\0YYYY-MM-DD HH:mm:00": one (checkpoint, minute) bucket. */
export const flowKey = (checkpoint: string, eventTime: number): string => `${checkpoint}\u0000${minuteStart(eventTime)}`;

/** Bucket → count: also the reference the e2e test compares against. */
export function flowCounts(records: Pick<DecodedRecord, 'passage'>[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const { passage: p } of records) {
    const k = flowKey(p.checkpoint, p.eventTime);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Minutes closer than this are read as one range by a recount (fewer OR terms, a few extra rows). */
const RECOUNT_GAP_MS = 30 * 60_000;

/**
 * The rows of one partition in the minutes of these event times: what its per-minute counts are recounted from.
 * Only that partition's consumer writes its rows, so a plain read inside its transaction is exact.
 */
export function partitionRowsSql(partition: number, eventTimes: number[]): Sql {
  const minutes = [...new Set(eventTimes.map((t) => Math.floor(t / 60_000) * 60_000))].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const m of minutes) {
    const last = ranges.at(-1);
    if (last && m - last[1] < RECOUNT_GAP_MS) last[1] = m + 60_000;
    else ranges.push([m, m + 60_000]);
  }
  return {
    sql: `SELECT CLEAN_KKMC, event_ms FROM etc_passage WHERE kafka_partition = ? AND (${ranges.map(() => '(event_ms >= ? AND event_ms < ?)').join(' OR ')})`,
    params: [partition, ...ranges.flat()],
  };
}

/**
 * Upserts of one partition's counts as absolute values. Recounting instead of adding makes every write of
 * a count repeatable: a statement that outlived its transaction (see mysql.ts) is corrected by the redo.
 * Rows are the partition's own, so consumers of different partitions never wait on each other here.
 */
export function planCounts(partition: number, counts: Map<string, number>, rowsPerInsert = ROWS_PER_INSERT, nowMs = Date.now()): Sql[] {
  const sorted = [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rows = sorted.map(([k, n]) => [...(k.split('\u0000') as [string, string]), partition, n, nowMs]);
  // updated_ms: when the count was last written, so the flow warner finds judged minutes that late
  // passages changed (it compares the counts; a rewrite of the same count changes nothing there).
  return multiInsert('etc_flow_minute', ['CLEAN_KKMC', 'minute_start', 'kafka_partition', 'vehicle_count', 'updated_ms'], rows, rowsPerInsert,
    ' ON DUPLICATE KEY UPDATE vehicle_count = VALUES(vehicle_count), updated_ms = VALUES(updated_ms)');
}

/** A minute's flow over all partitions, as readers see it. */
const FLOW_MINUTE_SUM = 'SELECT CLEAN_KKMC, minute_start, SUM(vehicle_count) AS vehicle_count FROM etc_flow_minute';
export const FLOW_MINUTES_SQL = `${FLOW_MINUTE_SUM} GROUP BY CLEAN_KKMC, minute_start`;

const ALERT_COLUMNS = ['alert_id', 'rule_name', 'HPHM', 'CLEAN_KKMC', 'GCXH', 'event_ms', 'first_kkmc', 'first_gcxh', 'first_event_ms', 'gap_ms', 'threshold_ms'];

/** Inserts of the chunk's clone alerts (each raised once: by the chunk that holds its later passage); repeatable. */
export function planAlerts(alerts: CloneAlert[], rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  const rows = alerts.map((a) => [a.id, a.rule, a.plate, a.second.checkpoint, a.second.gcxh, a.second.eventTime, a.first.checkpoint, a.first.gcxh, a.first.eventTime, a.gapMs, a.thresholdMs]);
  return multiInsert('etc_clone_alert', ALERT_COLUMNS, rows, rowsPerInsert, ' ON DUPLICATE KEY UPDATE alert_id = alert_id');
}

/**
 * A stored position (a partition's next offset, the warner's progress) moved in two statements of one
 * transaction: `claim` compare-and-sets the position as read and tags the row with the transaction's token;
 * `advance` moves it only where that token is. Alone — a statement that outlived its transaction — neither
 * moves the position: a claim only tags, and an advance finds no token (it was rolled back).
 * The claim also locks the row (on every shard: broadcast tables) until COMMIT, so a zombie writer waits,
 * then finds the position moved and rolls back.
 */
interface StoredPositionRow {
  table: string;
  key: Record<string, string | number>;
  column: string;
}

function claimSql(pos: StoredPositionRow, stored: number | null, from: number, token: string): Sql {
  const keys = Object.keys(pos.key);
  if (stored === null) {
    const cols = [...keys, pos.column, 'claim'];
    return { sql: `INSERT INTO ${pos.table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(',')})`, params: [...Object.values(pos.key), from, token] };
  }
  return {
    sql: `UPDATE ${pos.table} SET claim = ? WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')} AND ${pos.column} = ?`,
    params: [token, ...Object.values(pos.key), stored],
  };
}

function advanceSql(pos: StoredPositionRow, token: string, next: number, extra: Record<string, Value> = {}): Sql {
  const set = [pos.column, ...Object.keys(extra)];
  return {
    sql: `UPDATE ${pos.table} SET ${set.map((c) => `${c} = ?`).join(', ')}, claim = NULL WHERE ${Object.keys(pos.key).map((k) => `${k} = ?`).join(' AND ')} AND claim = ?`,
    params: [next, ...Object.values(extra), ...Object.values(pos.key), token],
  };
}

const offsetRow = (group: string, topic: string, partition: number): StoredPositionRow => ({
  table: 'etc_offsets', key: { consumer_group: group, topic, kafka_partition: partition }, column: 'next_offset',
});

export function readOffsetSql(group: string, topic: string, partition?: number): Sql {
  const cols = 'SELECT kafka_partition, next_offset, warm_offset, max_event_ms FROM etc_offsets WHERE consumer_group = ? AND topic = ?';
  return partition === undefined ? { sql: cols, params: [group, topic] } : { sql: `${cols} AND kafka_partition = ?`, params: [group, topic, partition] };
}

/** `from`: where a first claim stores the partition (the chunk's first offset), should it stand alone. */
export const claimOffsetSql = (group: string, topic: string, partition: number, stored: number | null, from: number, token: string): Sql =>
  claimSql(offsetRow(group, topic, partition), stored, from, token);

/** The partition's next offset, with the clone detector's restart point beside it. */
export const advanceOffsetSql = (group: string, topic: string, partition: number, token: string, next: number, mark?: DetectorMark): Sql =>
  advanceSql(offsetRow(group, topic, partition), token, next, { warm_offset: mark?.warmOffset ?? null, max_event_ms: mark?.maxEventMs ?? null });

// ---- the flow warner (pipeline/service/warner.ts) ----

export function partitionClocksSql(group: string, topic: string): Sql {
  return { sql: 'SELECT kafka_partition, max_event_ms FROM etc_offsets WHERE consumer_group = ? AND topic = ?', params: [group, topic] };
}

const FLOW_ROWS = 'SELECT CLEAN_KKMC, minute_start, kafka_partition, vehicle_count FROM etc_flow_minute';

/** Per-partition rows of minutes in [from, to) (epoch ms, as Beijing DATETIME bounds): no aggregate through the proxy. */
export function flowRowsSql(from: number, to: number): Sql {
  return { sql: `${FLOW_ROWS} WHERE minute_start >= ? AND minute_start < ?`, params: [formatBeijingTime(from), formatBeijingTime(to)] };
}

/** Rows of minutes before `before` whose count was written at or after `sinceMs` (late passages). */
export function changedFlowRowsSql(sinceMs: number, before: number): Sql {
  return { sql: `${FLOW_ROWS} WHERE updated_ms >= ? AND minute_start < ?`, params: [sinceMs, formatBeijingTime(before)] };
}

/** Removes a checkpoint's warnings of minutes before `to`: it was judged again and its new warnings follow. */
export function clearWarningsSql(checkpoint: string, to: number): Sql {
  return { sql: 'DELETE FROM etc_flow_warning WHERE CLEAN_KKMC = ? AND minute_start < ?', params: [checkpoint, formatBeijingTime(to)] };
}

export function readProgressSql(job: string): Sql {
  return { sql: 'SELECT closed_until FROM etc_flow_progress WHERE job = ?', params: [job] };
}

const progressRow = (job: string): StoredPositionRow => ({ table: 'etc_flow_progress', key: { job }, column: 'closed_until' });

/** A first claim stores progress 0: what "nothing judged yet" means to the warner. */
export const claimProgressSql = (job: string, stored: number | null, token: string): Sql => claimSql(progressRow(job), stored, 0, token);
export const advanceProgressSql = (job: string, token: string, next: number): Sql => advanceSql(progressRow(job), token, next);

const WARNING_COLUMNS = ['CLEAN_KKMC', 'minute_start', 'direction', 'vehicle_count', 'baseline', 'threshold', 'sd'];

/** Repeatable: a redo of the same minutes overwrites what an interrupted attempt left. */
export function planWarnings(warnings: FlowWarning[], rowsPerInsert = ROWS_PER_INSERT): Sql[] {
  const rows = warnings.map((w) => [w.checkpoint, formatBeijingTime(w.minute), w.direction, w.count, w.baseline, w.threshold, w.sd]);
  const update = WARNING_COLUMNS.slice(2).map((c) => `${c} = VALUES(${c})`).join(', ');
  return multiInsert('etc_flow_warning', WARNING_COLUMNS, rows, rowsPerInsert, ` ON DUPLICATE KEY UPDATE ${update}`);
}
