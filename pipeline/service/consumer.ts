// The streaming consumer: Kafka → HBase, Redis dashboard, MySQL, exactly once per store.
//
// Order per chunk: HBase (idempotent puts) → Redis (skips by its own per-partition offset) → MySQL
// (rows + counts + next offset in one transaction). MySQL goes last, so everything below MySQL's stored
// offset is already in the other two stores; starting from there (seed 001) loses nothing and re-applies
// nothing. Kafka's committed offsets are written only as a courtesy for lag tools, never read back.
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import type { HbaseSink } from '../sinks/hbase.ts';
import { decodeMessage, MessageError, type DecodedRecord } from '../sinks/message.ts';
import type { MysqlSink } from '../sinks/mysql.ts';
import type { RedisSink } from '../sinks/redis.ts';
import { fixedRule, type CloneRule } from '../core/clone-detector.ts';
import { PartitionClones, type DetectorMark } from '../core/partition-clones.ts';
import type { ConsumerStatus } from './status-server.ts';
import { topicOffsets } from '../kafka/topic-offsets.ts';
import { splitFetch, type Stand } from '../core/fetch-split.ts';
import { inStore, summarize, type ErrorSummary } from '../core/error-class.ts';

export { DEFAULT_GROUP } from '../contract/index.ts';

export interface ConsumerOptions {
  brokers: string[];
  topic: string;
  group: string;
  mysql: MysqlSink;
  redis: RedisSink;
  hbase: HbaseSink;
  /** Records per transaction: bounds a transaction's size and the work redone after a crash. */
  chunk?: number;
  clientId?: string;
  log?: (line: string) => void;
  /** Longest wait between two attempts at the same batch. */
  maxBackoffMs?: number;
  /** kafkajs crashed without restarting itself: the owner replaces this consumer. */
  onFatal?: (why: string) => void;
  /** Clone-plate rule (default: the user's 10 minutes between two checkpoints); null turns detection off. */
  cloneRule?: CloneRule | null;
  outOfOrdernessMs?: number;
}

/** kafkajs' own test for "leave this batch, rejoin the group" (errors.js isRebalancing). */
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);

/** Where a partition resumes (`from` ≤ `next`, see Stand), with its clone detector. */
interface Position extends Stand {
  clones: PartitionClones | null;
}

export interface Stats {
  batches: number;
  records: number;
  mysqlApplied: number;
  redisApplied: number;
  skipped: number;
  duplicates: number;
  undecodable: number;
  lag: number;
  /** Clone alerts raised (and stored) by this consumer. */
  alerts: number;
  /** Records re-read only to rebuild the clone detector after a restart or rebalance. */
  warmed: number;
  /** Time the successful write to each store took, summed: which store bounds the throughput. */
  storeMs: { hbase: number; redis: number; mysql: number };
}

class Stopping extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PipelineConsumer {
  readonly stats: Stats = { batches: 0, records: 0, mysqlApplied: 0, redisApplied: 0, skipped: 0, duplicates: 0, undecodable: 0, lag: 0, alerts: 0, warmed: 0, storeMs: { hbase: 0, redis: 0, mysql: 0 } };
  private readonly consumer: Consumer;
  private readonly kafka: Kafka;
  private readonly log: (line: string) => void;
  private readonly chunk: number;
  /** Per assigned partition: where to resume; a promise while it is being read from the stores. */
  private positions = new Map<number, Promise<Position>>();
  private readonly rule: CloneRule | null;
  /** The clone detector of each partition this consumer owns (for its state size in the status). */
  private detectors = new Map<number, PartitionClones>();
  private lags = new Map<number, number>();
  private stopping = false;
  private started = Date.now();
  private assigned: number[] = [];
  private joined = false;
  private lastError: ErrorSummary | null = null;
  /** (time, records) samples for the recent rate. */
  private samples: Array<[number, number]> = [];

  constructor(private readonly o: ConsumerOptions) {
    this.log = o.log ?? ((l) => console.log(l));
    this.chunk = o.chunk ?? 1000;
    this.rule = o.cloneRule === undefined ? fixedRule() : o.cloneRule;
    this.kafka = new Kafka({
      clientId: o.clientId ?? 'etclab-pipeline',
      brokers: o.brokers,
      connectionTimeout: 5_000,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      logLevel: logLevel.ERROR,
      logCreator: () => ({ log }) => this.log(`kafka: ${log.message}${log.error ? ` (${String(log.error)})` : ''}`),
    });
    // A short fetch wait and heartbeat: a stop does not sit out an idle 5 s long-poll, and members learn of a
    // rebalance within a second (a reset restarts every consumer at once).
    this.consumer = this.kafka.consumer({ groupId: o.group, sessionTimeout: 30_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 1_000 });
  }

  async start(): Promise<void> {
    const { consumer, o } = this;
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload.memberAssignment[o.topic] ?? []));
    consumer.on(consumer.events.CRASH, (e) => {
      this.log(`kafka consumer crashed: ${describe(e.payload.error)}; restart=${e.payload.restart}`);
      if (!e.payload.restart && !this.stopping) o.onFatal?.(describe(e.payload.error));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    this.started = Date.now();
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (p) => this.eachBatch(p),
    });
    this.log(`consuming ${o.topic} as group ${o.group} (chunk ${this.chunk})`);
  }

  /** Finishes the chunk in flight (or gives up its retries), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  /** What the status endpoint serves. */
  status(): ConsumerStatus {
    const now = Date.now();
    this.samples.push([now, this.stats.records]);
    while (this.samples.length > 2 && now - this.samples[0]![0] > 10_000) this.samples.shift();
    const [t0, r0] = this.samples[0]!;
    return {
      state: this.stopping ? 'stopping' : this.joined ? 'consuming' : 'starting',
      topic: this.o.topic,
      group: this.o.group,
      partitions: this.assigned,
      records: this.stats.records,
      batches: this.stats.batches,
      lag: this.stats.lag,
      rate: now > t0 ? Math.round(((this.stats.records - r0) * 1000) / (now - t0)) : 0,
      uptimeSec: Math.round((now - this.started) / 1000),
      lastError: this.lastError,
      mysqlApplied: this.stats.mysqlApplied,
      redisApplied: this.stats.redisApplied,
      duplicates: this.stats.duplicates,
      undecodable: this.stats.undecodable,
      alerts: this.stats.alerts,
      warmed: this.stats.warmed,
      storeMs: this.stats.storeMs,
      detector: [...this.detectors.values()].reduce(
        (t, d) => {
          const st = d.detector.stats();
          return {
            plates: t.plates + st.plates, passages: t.passages + st.passages, bytesEstimate: t.bytesEstimate + st.bytesEstimate,
            reordered: t.reordered + st.reordered, late: t.late + st.late, boundMs: d.detector.outOfOrdernessMs,
          };
        },
        { plates: 0, passages: 0, bytesEstimate: 0, reordered: 0, late: 0, boundMs: this.o.outOfOrdernessMs ?? 0 },
      ),
      rssBytes: process.memoryUsage().rss,
    };
  }

  private onAssignment(partitions: number[]): void {
    this.joined = true;
    this.assigned = [...partitions].sort((a, b) => a - b);
    this.detectors = new Map();
    this.log(`assigned ${this.o.topic} partitions [${partitions.join(',')}]`);
    // Every (re)assignment rebuilds the detectors from the stores: a revoked chunk may have been observed
    // but never committed.
    const all = this.retry('reading stored offsets', () => this.loadPositions(partitions));
    all.catch(() => {}); // a rejection is seen by the batches that await it
    this.positions = new Map(partitions.map((p) => [p, all.then((m) => m.get(p)!)]));
    void all.then(
      (m) => {
        for (const [partition, pos] of m) this.consumer.seek({ topic: this.o.topic, partition, offset: String(pos.from) });
        this.log(
          `resuming at ${[...m].map(([p, pos]) => `[${p}]@${pos.next}${pos.from < pos.next ? ` (re-reading from ${pos.from} for the clone detector)` : ''}`).join(' ')} (stored offsets; Kafka's committed ones ignored)`,
        );
      },
      () => {},
    );
  }

  /** min(MySQL, Redis) so a store that is behind catches up; HBase is idempotent and needs no marker. */
  private async loadPositions(partitions: number[]): Promise<Map<number, Position>> {
    const { o } = this;
    const [mysql, redis, low] = await Promise.all([
      inStore('mysql', o.mysql.storedPositions(o.group, o.topic)),
      inStore('redis', o.redis.storedOffsets(o.topic)),
      inStore('kafka', this.lowWatermarks()),
    ]);
    const out = new Map<number, Position>();
    for (const p of partitions) {
      const stored = mysql.get(p);
      const pos = Math.min(stored?.next ?? 0, redis.get(p) ?? 0);
      // Retention may have deleted what a store never saw: start at what is left instead of failing to fetch.
      const earliest = low.get(p) ?? 0;
      if (pos < earliest) this.log(`[${p}] stored offset ${pos} is below the earliest retained ${earliest}: records in between are gone`);
      const next = Math.max(pos, earliest);
      const mark = stored?.mark ?? null;
      const clones = this.rule ? new PartitionClones(this.rule, { outOfOrdernessMs: o.outOfOrdernessMs }, mark?.maxEventMs ?? null) : null;
      const from = clones && mark ? Math.max(earliest, Math.min(mark.warmOffset, next)) : next;
      if (clones) this.detectors.set(p, clones);
      out.set(p, { next, from, clones });
    }
    return out;
  }

  private async lowWatermarks(): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offs = await topicOffsets(admin, this.o.topic);
      return new Map(offs.map((x) => [x.partition, x.low]));
    } finally {
      await admin.disconnect();
    }
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let pos = this.positions.get(partition);
    if (!pos) {
      // Assignment seen without GROUP_JOIN (should not happen): read the stores now rather than trust Kafka.
      pos = this.retry('reading stored offsets', async () => (await this.loadPositions([partition])).get(partition)!);
      this.positions.set(partition, pos);
    }
    const position = await this.withHeartbeat(pos, heartbeat);
    const { warm, fresh: msgs, reseekTo } = splitFetch(batch.messages, position);
    if (reseekTo !== null) {
      // kafkajs did not apply our seek (one queued while a rebalance replaces its offset manager can be
      // dropped) and reads from Kafka's committed offset, which trails ours when commits failed.
      this.reseek(partition, reseekTo, Number(batch.messages[0]!.offset));
      return;
    }
    // Below `next`: already in the stores, re-read only so the clone detector holds what it held.
    if (warm.length) {
      for (const r of this.decode(partition, warm)) position.clones?.observe(r.offset, r.passage);
      position.from = Number(warm.at(-1)!.offset) + 1;
      this.stats.warmed += warm.length;
      // Only moves kafkajs' fetch position (we commit elsewhere).
      resolveOffset(warm.at(-1)!.offset);
    }
    let next = position.next;
    if (msgs.length && Number(msgs[0]!.offset) > next) this.log(`[${partition}] gap: expected offset ${next}, batch starts at ${msgs[0]!.offset}`);
    for (let i = 0; i < msgs.length; i += this.chunk) {
      if (!isRunning() || isStale()) return;
      const part = msgs.slice(i, i + this.chunk);
      const last = Number(part.at(-1)!.offset);
      const records = this.decode(partition, part);
      let alerts = 0;
      for (const r of records) {
        const found = position.clones?.observe(r.offset, r.passage) ?? [];
        // Carried by the record that raised them, so each store takes them with that record, once.
        if (found.length) r.alerts = found;
        alerts += found.length;
      }
      const mark = position.clones?.mark(last + 1);
      await this.retry(`${topic}[${partition}] ${part[0]!.offset}..${last}`, this.write(partition, records, last + 1, mark), heartbeat);
      this.stats.alerts += alerts;
      next = last + 1;
      position.next = next;
      position.from = next;
      resolveOffset(String(last));
      await this.consumer.commitOffsets([{ topic, partition, offset: String(next) }]).catch((e) => this.log(`kafka commit (informational) failed: ${describe(e)}`));
      this.lags.set(partition, Math.max(0, Number(batch.highWatermark) - next));
      this.stats.lag = [...this.lags.values()].reduce((a, b) => a + b, 0);
      this.stats.batches++;
      this.stats.records += part.length;
      const secs = (Date.now() - this.started) / 1000;
      this.log(
        `batch ${topic}[${partition}] ${part[0]!.offset}..${last}: ${part.length} records, mysql +${this.last.mysql}, redis +${this.last.redis}` +
          `${this.last.dup ? `, ${this.last.dup} duplicate GCXH` : ''}${alerts ? `, ${alerts} clone alerts` : ''} ` +
          `(hbase ${this.last.ms.hbase} ms, redis ${this.last.ms.redis} ms, mysql ${this.last.ms.mysql} ms); total ${this.stats.records} records, ${this.stats.batches} batches, ` +
          `${Math.round(this.stats.records / Math.max(secs, 0.001))}/s, lag ${this.stats.lag}`,
      );
      // A fetch holds many chunks: without a beat between them a rebalance would wait for all of them (the
      // other members stall meanwhile). It throws when one started; what is written stays, the rest is refetched.
      await heartbeat().catch((e: { type?: string }) => {
        if (REBALANCING.has(e.type ?? '')) throw e;
      });
    }
  }

  private last = { mysql: 0, redis: 0, dup: 0, ms: { hbase: 0, redis: 0, mysql: 0 } };
  private reseeks = new Map<number, number>();

  private reseek(partition: number, to: number, fetched: number): void {
    if (this.reseeks.get(partition) !== to) this.log(`[${partition}] kafka fetched from ${fetched}, below our position ${to} (our seek was not applied): seeking again`);
    this.reseeks.set(partition, to);
    this.consumer.seek({ topic: this.o.topic, partition, offset: String(to) });
  }

  private decode(partition: number, msgs: KafkaMessage[]): DecodedRecord[] {
    const records: DecodedRecord[] = [];
    for (const m of msgs) {
      const where = `${this.o.topic}[${partition}]@${m.offset}`;
      try {
        records.push(decodeMessage(m.value, Number(m.offset), where));
      } catch (e) {
        if (!(e instanceof MessageError)) throw e;
        // A malformed message can never succeed: retrying it would stall the partition forever.
        this.stats.undecodable++;
        this.log(`skipping undecodable message ${e.message}`);
      }
    }
    return records;
  }

  /** One chunk into the three stores; stages that succeeded are not redone by a retry of this attempt chain. */
  private write(partition: number, records: DecodedRecord[], nextOffset: number, mark: DetectorMark | undefined): () => Promise<void> {
    const { o } = this;
    let hbaseDone = false;
    let redisDone = false;
    return async () => {
      const t0 = Date.now();
      if (!hbaseDone) {
        await inStore('hbase', o.hbase.put(records));
        hbaseDone = true;
        this.last.ms.hbase = Date.now() - t0;
        this.stats.storeMs.hbase += this.last.ms.hbase;
      }
      const t1 = Date.now();
      if (!redisDone) {
        const r = await inStore('redis', o.redis.apply({ topic: o.topic, partition, records }));
        this.last.redis = r.applied;
        this.stats.redisApplied += r.applied;
        redisDone = true;
        this.last.ms.redis = Date.now() - t1;
        this.stats.storeMs.redis += this.last.ms.redis;
      }
      const t2 = Date.now();
      const m = await inStore('mysql', o.mysql.apply({ topic: o.topic, group: o.group, partition, records, nextOffset, mark }));
      if (m.recovered) this.log(`[${partition}] ${m.recovered} rows were already stored from these offsets by an interrupted attempt: counted now`);
      if (m.duplicates.length) this.log(`[${partition}] ${m.duplicates.length} GCXH already stored from other offsets (producer duplicates), not counted in MySQL: ${m.duplicates.slice(0, 5).join(', ')}`);
      this.last.mysql = m.applied;
      this.last.dup = m.duplicates.length;
      this.last.ms.mysql = Date.now() - t2;
      this.stats.storeMs.mysql += this.last.ms.mysql;
      this.stats.mysqlApplied += m.applied;
      this.stats.skipped += m.skipped;
      this.stats.duplicates += m.duplicates.length;
    };
  }

  /** Same work until it succeeds: a store outage delays the batch, it never skips it. */
  private async retry<T>(what: string, fn: () => Promise<T>, heartbeat?: () => Promise<void>): Promise<T> {
    let delay = 500;
    for (let n = 1; ; n++) {
      try {
        const r = await fn();
        this.lastError = null;
        return r;
      } catch (err) {
        // The status endpoint answers anyone: the class and store there, the driver's text only in our log.
        this.lastError = summarize(err);
        if (this.stopping) throw new Stopping(`${what}: stopping after failed attempt: ${describe(err)}`);
        this.log(`${what}: ${describe(err)}; store unavailable? retrying the same batch in ${delay} ms (attempt ${n})`);
        await this.pause(delay, heartbeat);
        delay = Math.min(delay * 2, this.o.maxBackoffMs ?? 15_000);
      }
    }
  }

  /** Sleeps in heartbeat-sized steps: a long outage must not cost the group membership. */
  private async pause(ms: number, heartbeat?: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.stopping) {
      await sleep(Math.min(2_000, until - Date.now()));
      // Throws when a rebalance started: the batch is abandoned uncommitted, the next owner resumes from MySQL.
      if (heartbeat) await heartbeat();
    }
  }

  private async withHeartbeat<T>(p: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
    let done = false;
    const beat = (async () => {
      while (!done) {
        await sleep(2_000);
        if (!done) await heartbeat().catch(() => {});
      }
    })();
    try {
      return await p;
    } finally {
      done = true;
      void beat;
    }
  }
}
