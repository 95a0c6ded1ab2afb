// The big screen's health strip: each store's answer, the pipeline's consumers (lag, rates), Flink's jobs.
import type { ReadAccess } from './access.ts';
import { reading, type StoreName, type Stores } from './stores.ts';
import { groupView } from '../provision/services/pipeline/probe.ts';
import { FlinkRest } from '../provision/services/flink/rest.ts';
import { Kafka, logLevel } from 'kafkajs';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';

export interface Health {
  at: number;
  stores: Record<'mysql' | 'redis' | 'hbase', { ok: boolean; detail: string }>;
  pipeline: { consumers: number; consuming: number; lag: number; ratePerSec: number; records: number; down: string[] } | null;
  /** Messages per second into the topic since the previous health read (null on the first). */
  produce: { topic: string; messages: number; ratePerSec: number | null; error?: string } | null;
  flink: { running: string[]; error?: string } | null;
}

/**
 * One store's answer within 3 s. A failed or slow read drops that store's connection, so the next read opens a
 * new one: a restarted Thrift server leaves the old connection hanging, never failing.
 */
async function check(stores: Stores, store: StoreName, fn: () => Promise<unknown>): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await reading(stores, store, () =>
      Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3_000)))]),
    );
    return { ok: true, detail: 'answers' };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** The topic's end offsets summed, and the rate since the last call. */
function produceRate(kafka: NonNullable<ReadAccess['kafka']>): () => Promise<Health['produce']> {
  let last: { at: number; n: number } | null = null;
  return async () => {
    const admin = new Kafka({ brokers: kafka.brokers, clientId: 'etclab-dashboard', logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 1 } }).admin();
    try {
      await admin.connect();
      const n = (await topicOffsets(admin, kafka.topic)).reduce((a, p) => a + p.high, 0);
      const at = Date.now();
      const ratePerSec = last && at > last.at ? Math.max(0, Math.round(((n - last.n) * 1000) / (at - last.at))) : null;
      last = { at, n };
      return { topic: kafka.topic, messages: n, ratePerSec };
    } catch (e) {
      return { topic: kafka.topic, messages: 0, ratePerSec: null, error: (e as Error).message };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
}

export function healthOf(access: ReadAccess, stores: Stores): () => Promise<Health> {
  const produce = access.kafka ? produceRate(access.kafka) : async () => null;
  return async () => {
    const [mysql, redis, hbase, pipeline, flink, produced] = await Promise.all([
      check(stores, 'mysql', () => stores.shards('SELECT 1', [])),
      check(stores, 'redis', async () => (await stores.redis()).ping()),
      check(stores, 'hbase', async () => (await stores.hbase()).getTableNames()),
      access.consumers.length
        ? groupView(access.consumers.map((c) => ({ node: c.node, host: c.host, port: c.port }))).then((v) => ({
            consumers: v.consumers.length,
            consuming: v.consumers.filter((c) => c.status?.state === 'consuming').length,
            lag: v.lag,
            ratePerSec: v.rate,
            records: v.records,
            down: v.consumers.filter((c) => c.status?.state !== 'consuming').map((c) => `${c.node}: ${c.status ? String(c.status.state) : c.error}`),
          }))
        : Promise.resolve(null),
      access.flink
        ? new FlinkRest(`http://${access.flink.host}:${access.flink.port}`, 3_000).jobs().then(
            (js) => ({ running: js.filter((j) => j.state === 'RUNNING').map((j) => j.name) }),
            (e: Error) => ({ running: [], error: e.message }),
          )
        : Promise.resolve(null),
      produce(),
    ]);
    return { at: Date.now(), stores: { mysql, redis, hbase }, pipeline, flink, produce: produced };
  };
}
