// Produce/consume rates and consumer lag from Kafka's own offsets (kafkajs admin), as `kafka-consumer-groups
// --describe` computes them: lag = log-end offset − committed offset, per group and partition.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Inventory } from '../../provision/inventory/types.ts';
import { Absent, type KafkaFigures, type PartitionLag } from './types.ts';
import { topicOffsets } from '../../pipeline/kafka/topic-offsets.ts';
import { kafkaBrokers as brokersOf } from '../../provision/services/kafka/endpoints.ts';

export interface EndOffset {
  topic: string;
  partition: number;
  low: number;
  high: number;
}

export interface CommittedOffset {
  group: string;
  topic: string;
  partition: number;
  /** -1 when the group has committed nothing for the partition. */
  offset: number;
}

export interface OffsetSample {
  atMs: number;
  ends: EndOffset[];
  committed: CommittedOffset[];
}

export function computeLag(ends: EndOffset[], committed: CommittedOffset[]): PartitionLag[] {
  const end = new Map(ends.map((e) => [`${e.topic}/${e.partition}`, e]));
  return committed
    .map((c) => {
      const e = end.get(`${c.topic}/${c.partition}`);
      if (!e) return null;
      const from = c.offset < 0 ? e.low : c.offset;
      return { group: c.group, topic: c.topic, partition: c.partition, lag: Math.max(0, e.high - from) };
    })
    .filter((x): x is PartitionLag => x !== null)
    .sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Events/s between two samples: appended (sum of log-end advances) and consumed (sum of commit advances). */
export function ratesBetween(prev: OffsetSample | null, cur: OffsetSample): { produceRate: number | null; consumeRate: number | null } {
  if (!prev || cur.atMs <= prev.atMs) return { produceRate: null, consumeRate: null };
  const dt = (cur.atMs - prev.atMs) / 1000;
  const sumDelta = <T>(a: T[], b: T[], key: (x: T) => string, val: (x: T) => number) => {
    const before = new Map(a.map((x) => [key(x), val(x)]));
    let s = 0;
    for (const x of b) {
      const p = before.get(key(x));
      // A partition seen for the first time, or an offset that went back (topic recreated, reset): no rate from it.
      if (p !== undefined && p >= 0 && val(x) >= p) s += val(x) - p;
    }
    return s;
  };
  const produced = sumDelta(prev.ends, cur.ends, (e) => `${e.topic}/${e.partition}`, (e) => e.high);
  const consumed = sumDelta(prev.committed, cur.committed, (c) => `${c.group}/${c.topic}/${c.partition}`, (c) => c.offset);
  return { produceRate: produced / dt, consumeRate: consumed / dt };
}


/** host:port of every Kafka broker in the inventory; Absent when Kafka is not in it. */
export function kafkaBrokers(inv: Inventory): string[] {
  if (!inv.services.kafka) throw new Absent('Kafka is not in the inventory');
  return brokersOf(inv);
}

export class KafkaLagReader {
  private admin: Admin | null = null;
  private prev: OffsetSample | null = null;

  constructor(private readonly brokers: () => string[]) {}

  private async connect(): Promise<Admin> {
    if (this.admin) return this.admin;
    const kafka = new Kafka({
      clientId: 'etclab-console',
      brokers: this.brokers(),
      // kafkajs logs to the console by default, which would scribble over the full-screen view.
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 1, initialRetryTime: 200 },
    });
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    return admin;
  }

  async sample(): Promise<OffsetSample> {
    const admin = await this.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
      const ends = (
        await Promise.all(
          topics.map(async (topic) =>
            (await topicOffsets(admin, topic, 2)).map((o) => ({ topic, ...o })),
          ),
        )
      ).flat();
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      const committed = (
        await Promise.all(
          groups.map(async (group) =>
            (await admin.fetchOffsets({ groupId: group, topics })).flatMap((t) =>
              t.partitions.map((p) => ({ group, topic: t.topic, partition: p.partition, offset: Number(p.offset) })),
            ),
          ),
        )
      ).flat();
      return { atMs: Date.now(), ends, committed };
    } catch (e) {
      // A broken connection is not reused: the next refresh reconnects (e.g. after Kafka restarts).
      await this.close();
      throw e;
    }
  }

  async read(): Promise<KafkaFigures> {
    const cur = await this.sample();
    const rates = ratesBetween(this.prev, cur);
    this.prev = cur;
    return { ...rates, lag: computeLag(cur.ends, cur.committed) };
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = null;
    await a?.disconnect().catch(() => {});
  }
}
