import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../data/testkit.ts';
import { runReplay } from './run.ts';

const BROKERS = process.env.ETCLAB_KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
const FIXTURE = new URL('../data/fixtures/clean-sample.csv', import.meta.url).pathname;
if (BROKERS.length === 0) console.warn('kafka replay tests skipped: set ETCLAB_KAFKA_BROKERS=host:port to run them against a real broker');

interface Got { partition: number; offset: string; key: string; timestamp: string; source: string; value: Record<string, unknown> }

async function consumeAll(kafka: Kafka, topic: string, expected: number, timeoutMs = 30_000): Promise<Got[]> {
  const consumer = kafka.consumer({ groupId: `etclab-test-${topic}` });
  const got: Got[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${expected} messages within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          got.push({
            partition, offset: message.offset, key: message.key!.toString(), timestamp: message.timestamp,
            source: message.headers!['etclab-source']!.toString(), value: JSON.parse(message.value!.toString()),
          });
          if (got.length >= expected) { clearTimeout(timer); setTimeout(resolve, 1000); }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe.skipIf(BROKERS.length === 0)('replay into a real Kafka (ETCLAB_KAFKA_BROKERS)', () => {
  const { dir, cleanup } = tmpDir('etcreplay-kafka-');
  afterAll(cleanup);
  const kafka = new Kafka({ clientId: 'etclab-test', brokers: BROKERS, logLevel: logLevel.NOTHING });

  it('98 clean rows of the fixture arrive once each, plate-keyed, event-timestamped; a resume adds the rest without repeats', async () => {
    const topic = `etclab_test_${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    try {
      const stateFile = join(dir, 'state.json');
      const common = { inputs: [FIXTURE], topic, brokers: BROKERS, stateFile, quarantineDir: join(dir, 'q'), rate: 0, batchSize: 16 };
      const first = await runReplay({ ...common, max: 40 });
      expect(first).toMatchObject({ sent: 40, stopped: 'max' });
      const second = await runReplay({ ...common, resume: true });
      expect(second).toMatchObject({ sent: 58, stopped: 'done', rejected: { 'bad-plate': 2 } });

      const got = await consumeAll(kafka, topic, 98);
      expect(got).toHaveLength(98);
      expect(new Set(got.map((g) => g.source)).size).toBe(98);
      for (const g of got) {
        expect(g.key).toBe(g.value.HPHM);
        expect(g.timestamp).toBe(String(g.value.GCSJ_TS));
        expect(Number(g.timestamp)).toBe(Date.parse(String(g.value.GCSJ).replace(' ', 'T') + '+08:00'));
      }
      // One plate, one partition, in file order.
      const byKey = new Map<string, Got[]>();
      for (const g of got) byKey.set(g.key, [...(byKey.get(g.key) ?? []), g]);
      for (const msgs of byKey.values()) {
        expect(new Set(msgs.map((m) => m.partition)).size).toBe(1);
        const lines = msgs.sort((a, b) => Number(a.offset) - Number(b.offset)).map((m) => Number(m.source.split(':')[1]));
        expect(lines).toEqual([...lines].sort((a, b) => a - b));
      }
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  });

  it('an unreachable broker fails with an error instead of hanging', async () => {
    await expect(
      runReplay({ inputs: [FIXTURE], brokers: ['127.0.4.1:1'], stateFile: join(dir, 'x.json'), quarantineDir: join(dir, 'qx'), rate: 0 }),
    ).rejects.toThrow();
  }, 120_000);
});
