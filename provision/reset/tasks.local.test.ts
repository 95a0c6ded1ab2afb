// The Kafka and Redis reset tasks against throwaway local servers (no lab): what inspect counts, what run
// removes, what it must leave alone, and that a second run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { HAS_KAFKA_JARS, HAS_REDIS, NO_KAFKA_REASON, startKafka, type KafkaServer } from '../../pipeline/service/testkit.ts';
import type { TaskContext } from '../tasks/types.ts';
import { kafkaGroupsTask, kafkaTopicTask } from './kafka.ts';
import { redisPrefixTask } from './stores.ts';
import { taskByName } from '../tasks/registry.ts';

const logs: string[] = [];
const tcpOpen = (host: string, port: number) =>
  new Promise<boolean>((res) => {
    const c = createConnection({ host, port });
    c.once('connect', () => (c.destroy(), res(true)));
    c.once('error', () => res(false));
  });
const ctx = (secret = ''): TaskContext => ({ inventory: {} as never, secret: async () => secret, log: (l) => logs.push(l) });

describe.skipIf(!HAS_KAFKA_JARS)(`kafka reset tasks (${HAS_KAFKA_JARS ? 'local KRaft broker' : NO_KAFKA_REASON})`, () => {
  let server: KafkaServer;
  const topic = 'etc_traffic_data';
  const groups = { brokers: [] as string[], topic, groups: [] as string[], allGroupsOnTopic: true };
  const topicParams = { brokers: [] as string[], topic, partitions: 3, replication: 1 };

  beforeAll(async () => {
    server = await startKafka('127.0.5.1', 29192);
    groups.brokers = topicParams.brokers = server.brokers;
    const kafka = new Kafka({ clientId: 'reset-test', brokers: server.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: 'other_topic', numPartitions: 1 }], waitForLeaders: true });
    // Idempotent and one partition per request: a retry on a just-created topic must not add copies.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const partition of [0, 1])
      await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: String(2 * i + partition), value: 'x', partition })) });
    await producer.send({ topic: 'other_topic', messages: [{ value: 'y' }] });
    await producer.disconnect();
    // Committed offsets without live members: one group on the topic only, one also on another topic.
    await admin.setOffsets({ groupId: 'etc-flink', topic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '5' }] });
    await admin.setOffsets({ groupId: 'mixed', topic, partitions: [{ partition: 0, offset: '1' }] });
    await admin.setOffsets({ groupId: 'mixed', topic: 'other_topic', partitions: [{ partition: 0, offset: '1' }] });
    await admin.setOffsets({ groupId: 'unrelated', topic: 'other_topic', partitions: [{ partition: 0, offset: '1' }] });
    await admin.disconnect();
  }, 180_000);
  afterAll(async () => server?.stop());

  it('inspect lists the groups with their lag and the topic with its messages', async () => {
    const g = await kafkaGroupsTask.inspect(groups, ctx());
    expect(g).toContain(`consumer group etc-flink: delete (lag 3 on topic ${topic})`); // (5−2) + (5−5)
    expect(g.find((l) => l.startsWith('consumer group mixed'))).toMatch(/kept \(also reads other_topic\)/);
    expect(g.join('\n')).not.toContain('unrelated');
    const t = await kafkaTopicTask.inspect(topicParams, ctx());
    expect(t).toEqual([`topic ${topic}: delete 10 messages in 2 partitions (p0 5, p1 5), recreate with 3 partitions × 1 replicas`]);
  });

  it('run deletes the groups of the topic only, then recreates the topic empty with the planned layout', async () => {
    expect(await kafkaGroupsTask.run(groups, ctx())).toEqual({ changed: true, detail: 'deleted consumer group etc-flink' });
    const r = await kafkaTopicTask.run(topicParams, ctx());
    expect(r.changed).toBe(true);
    expect(r.detail).toMatch(/recreated \(10 messages deleted\), 3 partitions × 1/);
    const admin = new Kafka({ brokers: server.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ids = (await admin.listGroups()).groups.map((x) => x.groupId).sort();
      expect(ids).toEqual(['mixed', 'unrelated']);
      const offs = await admin.fetchTopicOffsets(topic);
      expect(offs.map((o) => Number(o.high))).toEqual([0, 0, 0]);
      expect(Number((await admin.fetchTopicOffsets('other_topic'))[0].high)).toBe(1);
    } finally {
      await admin.disconnect();
    }
  });

  it('a second run changes nothing', async () => {
    expect((await kafkaGroupsTask.run(groups, ctx())).changed).toBe(false);
    expect((await kafkaTopicTask.run(topicParams, ctx())).changed).toBe(false);
  });

  it('refuses to delete a group with live members, naming it', async () => {
    const kafka = new Kafka({ brokers: server.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'etc-live', sessionTimeout: 10_000 });
    const joined = new Promise<void>((res) => consumer.on(consumer.events.GROUP_JOIN, () => res()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    try {
      await joined;
      // Named groups (the pipeline's own) are deleted whatever they committed, so this one is chosen.
      const named = { ...groups, groups: ['etc-live'] };
      expect((await kafkaGroupsTask.inspect(named, ctx())).join('\n')).toMatch(/etc-live: delete .*1 live member: stop its consumers first/);
      await expect(kafkaGroupsTask.run(named, ctx())).rejects.toThrow(/etc-live \(1 live member\) still consuming: stop those consumers first/);
    } finally {
      await consumer.disconnect();
    }
  }, 60_000);

  it('fails with a clear message when no broker answers', async () => {
    await expect(kafkaTopicTask.inspect({ ...topicParams, brokers: ['127.0.5.1:1'] }, ctx())).rejects.toThrow(/do not answer.*is kafka up\?/);
  });

  it('its readiness check (a step of its own in a reset) wants every broker of the inventory in the cluster', async () => {
    const ready = taskByName('ready:kafka-recreate-topic');
    expect(await ready.run(topicParams, ctx())).toEqual({ changed: false, detail: expect.stringMatching(/^Kafka: all 1 brokers in the cluster, controller \d+$/) });
    await expect(ready.run({ ...topicParams, brokers: [...server.brokers, '127.0.5.9:29192'] }, ctx())).rejects.toThrow(
      /Kafka brokers 127\.0\.5\.9:29192 are not in the cluster \(1 of 2 up\)/,
    );
  });
});

describe.skipIf(!HAS_REDIS)('redis reset task (local redis-server)', () => {
  let proc: ChildProcess;
  let dir: string;
  let r: Redis;
  const params = { host: '127.0.5.2', port: 26379, passwordSecret: 'redis_password', prefix: 'etc:' };
  const password = 'reset-test-pw';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'etclab-reset-redis-'));
    proc = spawn('redis-server', ['--bind', params.host, '--port', String(params.port), '--requirepass', password, '--save', '', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; !(await tcpOpen(params.host, params.port)); i++) {
      if (i > 100) throw new Error('redis-server did not listen');
      await new Promise((res) => setTimeout(res, 100));
    }
    r = new Redis({ host: params.host, port: params.port, password });
    await r.set('etc:dash:count:total', '5');
    await r.hset('etc:flow:minute:202401010800', 'a', '1');
    await r.set('etc:flow:minute:202401010801', '1');
    await r.set('etcd:other', 'keep');
    await r.set('other:etc:x', 'keep');
    await r.set('ETC:upper', 'keep');
  }, 30_000);
  afterAll(async () => {
    r?.disconnect();
    proc?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('inspect counts the keys under the prefix by kind', async () => {
    expect(await redisPrefixTask.inspect(params, ctx(password))).toEqual(['Redis: unlink 3 keys under etc: (etc:dash:* 1, etc:flow:* 2)']);
  });

  it('run unlinks exactly those keys, and a second run changes nothing', async () => {
    expect(await redisPrefixTask.run(params, ctx(password))).toEqual({ changed: true, detail: 'unlinked 3 Redis keys under etc:' });
    expect((await r.keys('*')).sort()).toEqual(['ETC:upper', 'etcd:other', 'other:etc:x']);
    expect((await redisPrefixTask.run(params, ctx(password))).changed).toBe(false);
  });

  it('its readiness check answers without touching a key, and names Redis when it does not answer', async () => {
    const ready = taskByName('ready:redis-unlink-prefix');
    const before = (await r.keys('*')).sort();
    expect(await ready.inspect(params, ctx(password))).toEqual([`Redis: ${params.host}:${params.port} answers`]);
    expect((await r.keys('*')).sort()).toEqual(before);
    await expect(ready.run({ ...params, port: 1 }, ctx(password))).rejects.toThrow(/Redis 127\.0\.5\.2:1 does not answer.*is redis up\?/);
  });

  it('refuses a prefix without the separator or with glob characters', async () => {
    for (const prefix of ['etc', '', '*:', 'e*c:', ':'])
      await expect(redisPrefixTask.run({ ...params, prefix }, ctx(password))).rejects.toThrow(/refusing to delete Redis keys/);
  });
});
