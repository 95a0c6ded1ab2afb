// MySQL sink through the sharding proxy: rows, per-minute counts and the partition's next offset in
// ONE transaction (seed 001), so after any crash the stored offset says exactly what the tables hold.
//
// The proxy runs LOCAL transactions: BEGIN/ROLLBACK are exact (tested against ShardingSphere 5.1 here),
// and COMMIT is sent to each shard in turn. A consumer killed at any point is safe (no COMMIT sent → every
// shard rolls back). What LOCAL cannot cover is a shard dying between its neighbours' COMMITs; only XA
// would, and `SET VARIABLE transaction_type = XA` on this proxy does not make ROLLBACK work (measured),
// so it is not used.
import mysql from 'mysql2/promise';
import type { DecodedRecord } from './message.ts';
import type { DetectorMark } from '../core/partition-clones.ts';
import type { FlowWarning } from '../core/flow-warning.ts';
import type { MinuteCount } from '../core/flow-closing.ts';
import { parseBeijingTime } from '../core/passage.ts';
import {
  flowMinutesSql, partitionClocksSql, planAlerts, planRows, planWarnings, readOffsetSql, readProgressSql, writeOffsetSql, writeProgressSql,
} from './proxy-sql.ts';

export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface SinkBatch {
  topic: string;
  group: string;
  partition: number;
  /** Decoded records, ascending offsets. */
  records: DecodedRecord[];
  /** Next offset after the whole Kafka batch (undecodable messages included). */
  nextOffset: number;
  /** The clone detector's restart point, stored with the offset. */
  mark?: DetectorMark;
}

export interface StoredPosition {
  next: number;
  /** Absent for rows written before the detector existed. */
  mark: DetectorMark | null;
}

export interface MysqlResult {
  applied: number;
  /** Below the stored offset: an earlier transaction already holds them. */
  skipped: number;
  /** GCXH already in etc_passage from another offset (a producer duplicate): not inserted, not counted. */
  duplicates: string[];
}

export class MysqlSink {
  private constructor(private readonly pool: mysql.Pool) {}

  static create(ep: MysqlEndpoint): MysqlSink {
    return new MysqlSink(
      mysql.createPool({
        ...ep,
        charset: 'utf8mb4',
        // DATETIMEs are Beijing wall clock; as strings they never pass through the host's time zone.
        dateStrings: true,
        connectionLimit: 2,
        connectTimeout: 10_000,
        enableKeepAlive: true,
      }),
    );
  }

  async storedOffsets(group: string, topic: string): Promise<Map<number, number>> {
    return new Map([...(await this.storedPositions(group, topic))].map(([p, s]) => [p, s.next]));
  }

  async storedPositions(group: string, topic: string): Promise<Map<number, StoredPosition>> {
    const q = readOffsetSql(group, topic);
    const [rows] = await this.pool.query(q.sql, q.params);
    type Row = { kafka_partition: number; next_offset: number | string; warm_offset: number | string | null; max_event_ms: number | string | null };
    return new Map(
      (rows as Row[]).map((r) => [
        Number(r.kafka_partition),
        {
          next: Number(r.next_offset),
          mark: r.warm_offset === null ? null : { warmOffset: Number(r.warm_offset), maxEventMs: r.max_event_ms === null ? null : Number(r.max_event_ms) },
        },
      ]),
    );
  }

  /**
   * `fn` inside BEGIN … COMMIT on one pooled connection; `fn` returning `{ rollback }` ends the transaction
   * without writing. Any error rolls back; a failed ROLLBACK means the link is gone, so the connection is
   * dropped rather than handed out again.
   */
  private async transaction<T>(fn: (conn: mysql.PoolConnection) => Promise<T | { rollback: T }>): Promise<T> {
    const conn = await this.pool.getConnection();
    let broken = false;
    try {
      await conn.query('BEGIN');
      const r = await fn(conn);
      if (r && typeof r === 'object' && 'rollback' in r) {
        await conn.query('ROLLBACK');
        return r.rollback;
      }
      await conn.query('COMMIT');
      return r as T;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => { broken = true; });
      throw err;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  /** A compare-and-set that matched no row: someone else moved the stored position. */
  private static async casOne(conn: mysql.PoolConnection, w: { sql: string; params: unknown[] }, what: string): Promise<void> {
    const [res] = await conn.query(w.sql, w.params);
    if ((res as mysql.ResultSetHeader).affectedRows !== 1) throw new Error(`${what}: rolled back`);
  }

  async apply(b: SinkBatch): Promise<MysqlResult> {
    return this.transaction<MysqlResult>(async (conn) => {
      const r = readOffsetSql(b.group, b.topic, b.partition);
      const [rows] = await conn.query(r.sql, r.params);
      const got = rows as { next_offset: number | string }[];
      const stored = got.length ? Number(got[0]!.next_offset) : null;
      if (stored !== null && stored >= b.nextOffset) return { rollback: { applied: 0, skipped: b.records.length, duplicates: [] } };
      const fresh = b.records.filter((x) => stored === null || x.offset >= stored);
      const duplicates = await this.existing(conn, fresh);
      const seen = new Set(duplicates);
      const keep: DecodedRecord[] = [];
      const dupes: string[] = [];
      for (const x of fresh) {
        if (seen.has(x.passage.gcxh)) dupes.push(x.passage.gcxh);
        else keep.push(x);
        seen.add(x.passage.gcxh);
      }
      for (const s of planRows(keep)) await conn.query(s.sql, s.params);
      // Alerts raised by the fresh records only: those below the stored offset were written with theirs.
      for (const s of planAlerts(fresh.flatMap((x) => x.alerts ?? []))) await conn.query(s.sql, s.params);
      const w = writeOffsetSql(b.group, b.topic, b.partition, stored, b.nextOffset, b.mark);
      await MysqlSink.casOne(conn, w, `etc_offsets ${b.group}/${b.topic}[${b.partition}] moved past ${stored} under us (another consumer?)`);
      return { applied: keep.length, skipped: b.records.length - fresh.length, duplicates: dupes };
    });
  }

  /** Each partition's event-time clock (the clone detector's, stored with the offset). */
  async partitionClocks(group: string, topic: string): Promise<Map<number, number | null>> {
    const q = partitionClocksSql(group, topic);
    const [rows] = await this.pool.query(q.sql, q.params);
    return new Map((rows as { kafka_partition: number; max_event_ms: string | number | null }[]).map((r) => [Number(r.kafka_partition), r.max_event_ms === null ? null : Number(r.max_event_ms)]));
  }

  async flowMinutes(from: number, to: number): Promise<MinuteCount[]> {
    const q = flowMinutesSql(from, to);
    const [rows] = await this.pool.query(q.sql, q.params);
    return (rows as { CLEAN_KKMC: string; minute_start: string; vehicle_count: number }[]).map((r) => ({
      checkpoint: r.CLEAN_KKMC,
      minute: parseBeijingTime(r.minute_start)!,
      count: Number(r.vehicle_count),
    }));
  }

  async flowProgress(job: string): Promise<number | null> {
    const q = readProgressSql(job);
    const [rows] = await this.pool.query(q.sql, q.params);
    const got = rows as { closed_until: string | number }[];
    return got.length ? Number(got[0]!.closed_until) : null;
  }

  /** The warnings of minutes before `to` and the new progress, in one transaction (compare-and-set on it). */
  async applyWarnings(job: string, stored: number | null, to: number, warnings: FlowWarning[]): Promise<void> {
    await this.transaction(async (conn) => {
      for (const s of planWarnings(warnings)) await conn.query(s.sql, s.params);
      await MysqlSink.casOne(conn, writeProgressSql(job, stored, to), `etc_flow_progress ${job} moved past ${stored} under us (a second warner?)`);
    });
  }

  /** GCXHs of these records already stored (the primary key would fail the whole batch otherwise). */
  private async existing(conn: mysql.PoolConnection, records: DecodedRecord[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < records.length; i += 1000) {
      const ids = records.slice(i, i + 1000).map((x) => x.passage.gcxh);
      const [rows] = await conn.query('SELECT GCXH FROM etc_passage WHERE GCXH IN (?)', [ids]);
      for (const r of rows as { GCXH: string }[]) out.push(r.GCXH);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
