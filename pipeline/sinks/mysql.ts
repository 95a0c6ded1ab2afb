// MySQL sink through the sharding proxy: rows, per-minute counts and the partition's next offset in
// ONE transaction (seed 001), so after any crash the stored offset says exactly what the tables hold.
//
// The proxy runs LOCAL transactions: BEGIN/ROLLBACK are exact, and COMMIT is sent to each shard in turn.
// What LOCAL cannot cover is a shard dying between its neighbours' COMMITs; only XA would, and
// `SET VARIABLE transaction_type = XA` on this proxy does not make ROLLBACK work (measured), so it is not used.
//
// ShardingSphere-Proxy 5.1.0 has one more hole (apache/shardingsphere#18684): a client that disconnects
// mid-transaction (kill -9) gets its earlier statements rolled back, but the statement it was running may
// still be committed on its own; or the transaction stays open on a shard with its locks until MariaDB's
// idle_write_transaction_timeout ends it (provision/services/mariadb). So no single statement may leave a
// wrong state, only an incomplete one the redo completes: rows are tagged with their Kafka position (a redo counts the ones it finds from its own
// offsets instead of taking them for duplicates), counts are recounted from the rows rather than added,
// alerts are upserts, and the offset moves in two steps (claim, then advance where the claim is), so it
// never moves without the rest of its transaction.
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { DecodedRecord } from './message.ts';
import type { DetectorMark } from '../core/partition-clones.ts';
import type { FlowWarning } from '../core/flow-warning.ts';
import type { PartitionMinuteCount, WarningChange } from '../core/flow-judge.ts';
import { parseBeijingTime } from '../core/passage.ts';
import {
  advanceOffsetSql, advanceProgressSql, claimOffsetSql, claimProgressSql, changedFlowRowsSql, clearWarningsSql, flowKey, flowRowsSql, partitionClocksSql, partitionRowsSql,
  planAlerts, planCounts, planPassages, planWarnings, readOffsetSql, readProgressSql, type Sql,
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
  /** Rows now stored and counted (`recovered` included). */
  applied: number;
  /** Rows found already stored from these very offsets (by an interrupted earlier attempt): counted now. */
  recovered: number;
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
  private static async casOne(conn: mysql.PoolConnection, w: Sql, what: string): Promise<void> {
    const [res] = await conn.query(w.sql, w.params);
    if ((res as mysql.ResultSetHeader).affectedRows !== 1) throw new Error(`${what}: rolled back`);
  }

  private static async run(conn: mysql.PoolConnection, statements: Sql[]): Promise<void> {
    for (const s of statements) await conn.query(s.sql, s.params);
  }

  async apply(b: SinkBatch): Promise<MysqlResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(b);
      } catch (e) {
        // A row committed after this transaction's snapshot (a dead writer's statement the proxy let through
        // late, or the same GCXH from another partition): a fresh snapshot sees it and classifies it.
        if ((e as { errno?: number }).errno !== ER_DUP_ENTRY || attempt === 3) throw e;
      }
    }
  }

  private async applyOnce(b: SinkBatch): Promise<MysqlResult> {
    return this.transaction<MysqlResult>(async (conn) => {
      const r = readOffsetSql(b.group, b.topic, b.partition);
      const [rows] = await conn.query(r.sql, r.params);
      const got = rows as { next_offset: number | string }[];
      const stored = got.length ? Number(got[0]!.next_offset) : null;
      if (stored !== null && stored >= b.nextOffset) return { rollback: { applied: 0, recovered: 0, skipped: b.records.length, duplicates: [] } };
      const where = `etc_offsets ${b.group}/${b.topic}[${b.partition}]`;
      const token = randomUUID();
      await MysqlSink.casOne(conn, claimOffsetSql(b.group, b.topic, b.partition, stored, b.records[0]?.offset ?? b.nextOffset, token), `${where} moved past ${stored} under us (another consumer?)`);
      const fresh = b.records.filter((x) => stored === null || x.offset >= stored);
      const { keep, recovered, duplicates } = classify(fresh, b.partition, await this.existing(conn, fresh));
      await MysqlSink.run(conn, planPassages(keep, b.partition));
      if (fresh.length) await MysqlSink.run(conn, planCounts(b.partition, await this.recount(conn, b.partition, fresh)));
      // Alerts raised by the fresh records only: those below the stored offset were written with theirs.
      await MysqlSink.run(conn, planAlerts(fresh.flatMap((x) => x.alerts ?? [])));
      await MysqlSink.casOne(conn, advanceOffsetSql(b.group, b.topic, b.partition, token, b.nextOffset, b.mark), `${where} lost its claim (another consumer?)`);
      return { applied: keep.length + recovered, recovered, skipped: b.records.length - fresh.length, duplicates };
    });
  }

  /** The partition's count of every bucket these records fall in, from the rows it holds now (own writes included). */
  private async recount(conn: mysql.PoolConnection, partition: number, records: DecodedRecord[]): Promise<Map<string, number>> {
    const counts = new Map(records.map((x) => [flowKey(x.passage.checkpoint, x.passage.eventTime), 0]));
    const q = partitionRowsSql(partition, records.map((x) => x.passage.eventTime));
    const [rows] = await conn.query(q.sql, q.params);
    for (const r of rows as { CLEAN_KKMC: string; event_ms: number | string }[]) {
      const k = flowKey(r.CLEAN_KKMC, Number(r.event_ms));
      const n = counts.get(k);
      if (n !== undefined) counts.set(k, n + 1);
    }
    return counts;
  }

  /** Each partition's event-time clock (the clone detector's, stored with the offset). */
  async partitionClocks(group: string, topic: string): Promise<Map<number, number | null>> {
    const q = partitionClocksSql(group, topic);
    const [rows] = await this.pool.query(q.sql, q.params);
    return new Map((rows as { kafka_partition: number; max_event_ms: string | number | null }[]).map((r) => [Number(r.kafka_partition), r.max_event_ms === null ? null : Number(r.max_event_ms)]));
  }

  /** Per-partition counts of minutes in [from, to). */
  async flowRows(from: number, to: number): Promise<PartitionMinuteCount[]> {
    return this.minuteRows(flowRowsSql(from, to));
  }

  /** Per-partition counts of minutes before `before` written at or after `sinceMs`. */
  async changedFlowRows(sinceMs: number, before: number): Promise<PartitionMinuteCount[]> {
    return this.minuteRows(changedFlowRowsSql(sinceMs, before));
  }

  private async minuteRows(q: Sql): Promise<PartitionMinuteCount[]> {
    const [rows] = await this.pool.query(q.sql, q.params);
    return (rows as { CLEAN_KKMC: string; minute_start: string; kafka_partition: number; vehicle_count: number }[]).map((r) => ({
      checkpoint: r.CLEAN_KKMC,
      minute: parseBeijingTime(r.minute_start)!,
      partition: Number(r.kafka_partition),
      count: Number(r.vehicle_count),
    }));
  }

  async flowProgress(job: string): Promise<number | null> {
    const q = readProgressSql(job);
    const [rows] = await this.pool.query(q.sql, q.params);
    const got = rows as { closed_until: string | number }[];
    return got.length ? Number(got[0]!.closed_until) : null;
  }

  /**
   * What the warnings become (a checkpoint judged again replaces its warnings, the others gain the newly
   * judged minutes') and the new progress, in one transaction (compare-and-set on the progress).
   */
  async applyWarnings(job: string, stored: number | null, to: number, changes: WarningChange[]): Promise<void> {
    await this.transaction(async (conn) => {
      const token = randomUUID();
      await MysqlSink.casOne(conn, claimProgressSql(job, stored, token), `etc_flow_progress ${job} moved past ${stored} under us (a second warner?)`);
      for (const c of changes) if (c.kind === 'replace') await MysqlSink.run(conn, [clearWarningsSql(c.checkpoint, c.to)]);
      await MysqlSink.run(conn, planWarnings(changes.flatMap((c) => c.warnings)));
      await MysqlSink.casOne(conn, advanceProgressSql(job, token, to), `etc_flow_progress ${job} lost its claim (a second warner?)`);
    });
  }

  /** These records' GCXHs already stored, with the Kafka position each was stored from. */
  private async existing(conn: mysql.PoolConnection, records: DecodedRecord[]): Promise<Map<string, StoredFrom>> {
    const out = new Map<string, StoredFrom>();
    for (let i = 0; i < records.length; i += 1000) {
      const ids = records.slice(i, i + 1000).map((x) => x.passage.gcxh);
      const [rows] = await conn.query('SELECT GCXH, kafka_partition, kafka_offset FROM etc_passage WHERE GCXH IN (?)', [ids]);
      for (const r of rows as { GCXH: string; kafka_partition: number | null; kafka_offset: number | string | null }[])
        out.set(r.GCXH, { partition: r.kafka_partition, offset: r.kafka_offset === null ? null : Number(r.kafka_offset) });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const ER_DUP_ENTRY = 1062;

interface StoredFrom {
  partition: number | null;
  offset: number | null;
}

/**
 * New rows to insert; rows already stored from these very offsets (an interrupted attempt's statement that
 * outlived it: to be counted, not inserted); and GCXHs stored from elsewhere (producer duplicates: neither).
 */
export function classify(records: DecodedRecord[], partition: number, stored: Map<string, StoredFrom>): { keep: DecodedRecord[]; recovered: number; duplicates: string[] } {
  const keep: DecodedRecord[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  let recovered = 0;
  for (const x of records) {
    const gcxh = x.passage.gcxh;
    const s = stored.get(gcxh);
    if (seen.has(gcxh)) duplicates.push(gcxh);
    else if (!s) keep.push(x);
    else if (s.partition === partition && s.offset === x.offset) recovered++;
    else duplicates.push(gcxh);
    seen.add(gcxh);
  }
  return { keep, recovered, duplicates };
}
