// The big screen's health strip: each store's answer, the pipeline's consumers (lag, rates), Flink's jobs.
import type { ReadAccess } from './access.ts';
import { reading, type StoreName, type Stores } from './stores.ts';
import { groupView } from '../provision/services/pipeline/probe.ts';
import { FlinkRest } from '../provision/services/flink/rest.ts';
import { Kafka, logLevel } from 'kafkajs';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';
import { classifyError, messageOf, type ErrorClass } from '../pipeline/core/error-class.ts';
import type { ErrorLog } from './api.ts';

// Served to whoever reaches the dashboard: failures are error classes; their text goes to `log`.
export interface Health {
  at: number;
  /** detail: 'answers', or the failure's class. */
  stores: Record<'mysql' | 'redis' | 'hbase', { ok: boolean; detail: string }>;
  /** down: "node2: stopping", "node3: store-unreachable" (its status endpoint). */
  pipeline: { consumers: number; consuming: number; lag: number; ratePerSec: number; records: number; down: string[] } | null;
  /** Messages per second into the topic since the previous health read (null on the first). */
  produce: { topic: string; messages: number; ratePerSec: number | null; error?: ErrorClass } | null;
  flink: { running: string[]; error?: ErrorClass } | null;
}

/** The failure's class for the page; its text for the log. */
function failed(log: ErrorLog, what: string, e: unknown): ErrorClass {
  log(`health: ${what}: ${messageOf(e)}`);
  return classifyError(e);
}

/**
 * One store's answer within 3 s. A failed or slow read drops that store's connection, so the next read opens a
 * new one: a restarted Thrift server leaves the old connection hanging, never failing.
 */
async function check(stores: Stores, store: StoreName, fn: () => Promise<unknown>, log: ErrorLog): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await reading(stores, store, () =>
      Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3_000)))]),
    );
    return { ok: true, detail: 'answers' };
  } catch (e) {
    return { ok: false, detail: failed(log, store, e) };
  } finally {
    clearTimeout(timer);
  }
}

/** The topic's end offsets summed, and the rate since the last call. */
function produceRate(kafka: NonNullable<ReadAccess['kafka']>, log: ErrorLog): () => Promise<Health['produce']> {
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
      return { topic: kafka.topic, messages: 0, ratePerSec: null, error: failed(log, 'kafka', e) };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  };
}

export function healthOf(access: ReadAccess, stores: Stores, log: ErrorLog = console.error): () => Promise<Health> {
  const produce = access.kafka ? produceRate(access.kafka, log) : async () => null;
  return async () => {
    const [mysql, redis, hbase, pipeline, flink, produced] = await Promise.all([
      check(stores, 'mysql', () => stores.shards('SELECT 1', []), log),
      check(stores, 'redis', async () => (await stores.redis()).ping(), log),
      check(stores, 'hbase', async () => (await stores.hbase()).getTableNames(), log),
      access.consumers.length
        ? groupView(access.consumers.map((c) => ({ node: c.node, host: c.host, port: c.port }))).then((v) => ({
            consumers: v.consumers.length,
            consuming: v.consumers.filter((c) => c.status?.state === 'consuming').length,
            lag: v.lag,
            ratePerSec: v.rate,
            records: v.records,
            down: v.consumers
              .filter((c) => c.status?.state !== 'consuming')
              .map((c) => {
                if (c.status) return `${c.node}: ${String(c.status.state)}`;
                log(`health: pipeline status of ${c.node}: ${c.error}`);
                return `${c.node}: ${c.errorClass}`;
              }),
          }))
        : Promise.resolve(null),
      access.flink
        ? new FlinkRest(`http://${access.flink.host}:${access.flink.port}`, 3_000).jobs().then(
            (js) => ({ running: js.filter((j) => j.state === 'RUNNING').map((j) => j.name) }),
            (e: unknown) => ({ running: [], error: failed(log, 'flink', e) }),
          )
        : Promise.resolve(null),
      produce(),
    ]);
    return { at: Date.now(), stores: { mysql, redis, hbase }, pipeline, flink, produce: produced };
  };
}
