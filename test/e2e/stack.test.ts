// The whole stack on the real lab, the way the user runs it: `etclab lab up && etclab up`, then the checks
// they do by hand today (topic, HBase table over Thrift 8085, a row through the sharding proxy, Flink's
// overview), failures (a killed broker, a killed RegionServer, a rolling restart under load), the
// wrong-order guard, and the ETC data replayed into Kafka with every row delivered exactly once.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { allCmdlines, etclab, LAB_UP, labFiles, labSkipReason, onNode, secretLeaks } from '../cli.ts';
import type { ClusterStatus } from '../../provision/status/status.ts';
import { connect } from '../../pipeline/hbase/client.ts';
import { plateScanPrefix, splitKeys } from '../../pipeline/core/rowkey.ts';
import { shardFor } from '../../provision/services/proxy/sharding.ts';
import { openEtcFile } from '../../pipeline/data/reader.ts';
import { expandInputs, DEFAULT_DATA_DIR } from '../../pipeline/data/inputs.ts';
import { labResults, labWarnings, reference, waitCaughtUp, type Reference } from '../pipeline-results.ts';
import { clonePairs, flowCounts, readPassages } from '../reference/etc-reference.ts';
import { clonePairsFromLines, flowFromLines, readTopic as readJobTopic, savepointExists } from '../flink-results.ts';
import { FLINK_CLONE_TOPIC, FLINK_FLOW_TOPIC } from '../../pipeline/contract/index.ts';
import { canaryJar } from '../../provision/services/flink/canary.ts';
import { buildRunTable, DECEMBER, MULTI_DAY, SHARED_ETC } from '../fixtures/run-tables.ts';
import { waitUntilEveryBrokerKnows } from '../../pipeline/kafka/topic-known.ts';
import { topicOffsets } from '../../pipeline/kafka/topic-offsets.ts';

const LAB = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
const addr = (n: number) => `10.213.7.1${n}`;
const BROKERS = [1, 2, 3].map((n) => `${addr(n)}:9092`);
const TOPIC = 'etc_traffic_data';
const secret = (name: string) => readFileSync(path.join(LAB, 'secrets', name), 'utf8').trim();
// A fresh client per use: a client that saw a broker killed can keep waiting on it.
const kafka = () => new Kafka({ clientId: 'etclab-e2e', brokers: BROKERS, logLevel: logLevel.NOTHING, requestTimeout: 30_000, connectionTimeout: 5_000 });
/** Fails with a message instead of leaving a test to its long timeout when a call never answers. */
const within = <T>(ms: number, what: string, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

async function status(): Promise<ClusterStatus> {
  const r = await etclab(['status', '--json']);
  return JSON.parse(r.stdout) as ClusterStatus;
}
const daemon = async (service: string, node: string, role?: string) =>
  (await status()).daemons.find((d) => d.service === service && d.node === node && (!role || d.role === role))!;

/** Reads a topic from the beginning until `expected` messages or `timeoutMs`; returns what each message says. */
async function readTopic<T>(topic: string, expected: number, map: (value: Buffer, headers: Record<string, string>) => T, timeoutMs = 180_000): Promise<T[]> {
  const consumer: Consumer = kafka().consumer({ groupId: `e2e-${topic}-${Date.now()}`, maxBytes: 16 << 20 });
  const out: T[] = [];
  await within(60_000, 'consumer connect', consumer.connect());
  try {
    await within(60_000, `subscribe to ${topic}`, consumer.subscribe({ topic, fromBeginning: true }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${out.length}/${expected} messages of ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
            out.push(map(m.value!, headers));
          }
          if (out.length >= expected) {
            clearTimeout(timer);
            // A moment more, so a duplicate after the last expected message would still be seen.
            setTimeout(resolve, 3000);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** The offline reference (test/reference, independent of the product): every valid, first-seen passage, by checkpoint. */
async function referenceCounts(): Promise<{ total: number; perCheckpoint: Map<string, number> }> {
  const passages = readPassages((await expandInputs([DEFAULT_DATA_DIR])));
  const perCheckpoint = new Map<string, number>();
  for (const p of passages) perCheckpoint.set(p.checkpoint, (perCheckpoint.get(p.checkpoint) ?? 0) + 1);
  return { total: passages.length, perCheckpoint };
}

let refCache: Reference | undefined;
const pipelineRef = async () => (refCache ??= await reference());

/**
 * What the pipeline holds equals the independent reference: every row once, every minute's count, every
 * clone pair, and (once the warner has caught up with the consumers) every flow warning.
 */
async function expectReference(ref: Reference, what = 'pipeline'): Promise<void> {
  expect(ref.warnings.length).toBeGreaterThan(0);
  // The warner writes Redis, then MySQL, in each judgement: once MySQL has them, Redis has them too.
  await expect.poll(() => labWarnings(), { timeout: 180_000, interval: 3000 }).toEqual(ref.warnings);
  const got = await labResults(ref);
  expect(got.mysqlRows).toBe(ref.total);
  expect(got.hbaseRows).toBe(ref.total);
  expect(got.hbaseIndexRows).toBe(ref.total);
  expect(got.redisTotal).toBe(ref.total);
  const diff = (a: Map<string, number>, b: Map<string, number>) =>
    [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).slice(0, 5).map((k) => `${k.replace('\u0000', ' @ ')}: ${a.get(k)} vs ${b.get(k)}`);
  expect(diff(got.mysqlFlow, ref.flow)).toEqual([]);
  expect(diff(got.redisFlow, ref.flow)).toEqual([]);
  const missing = ref.clonePairs.filter((p) => !new Set(got.clonePairs).has(p));
  expect(missing.slice(0, 5), `${missing.length} clone pairs missing`).toEqual([]);
  expect(got.clonePairs).toEqual(ref.clonePairs);
  expect(got.redisCloneCount).toBe(ref.clonePairs.length);
  const high = ref.warnings.filter((w) => w.direction === 'high').length;
  expect(got.redisWarningCounts).toEqual({ high, low: ref.warnings.length - high });
  console.log(`${what} = reference: ${ref.total} rows, ${ref.flow.size} checkpoint-minutes, ${ref.clonePairs.length} clone pairs (rule A), ${ref.warnings.length} flow warnings`);
}

const stackSkip = labSkipReason;

describe.skipIf(stackSkip)(`full stack on the lab${stackSkip ? ` — skipped: ${stackSkip}` : ''}`, () => {
  const work = mkdtempSync(path.join(tmpdir(), 'etclab-stack-'));

  beforeAll(async () => {
    const lab = await etclab(LAB_UP);
    expect(lab.code, lab.stderr).toBe(0);
    const up = await etclab(['up'], { timeoutMs: 1_500_000 });
    expect(up.code, up.stderr).toBe(0);
  }, 1_600_000);

  afterAll(async () => {
    const down = await etclab(['down', '--purge', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    // --purge: the next up starts from nothing (NameNode formatted again, topics and tables gone).
    for (const [node, svc] of [['node1', 'hdfs'], ['node2', 'kafka'], ['node3', 'mariadb'], ['node1', 'hbase']]) {
      expect(existsSync(path.join(LAB, 'nodes', node!, 'base', svc!, 'data')), `${svc} data on ${node}`).toBe(false);
    }
    expect(down.stderr).toMatch(/purge done: \d+ steps changed something/);
    // No JVM (nor any other daemon) of the lab is left: every process whose command line names a node's base dir.
    const left = allCmdlines()
      .filter((c) => c.includes(`${LAB}/nodes/`) && /java|redis|mariadb|mysqld/.test(c));
    expect(left).toEqual([]);
  }, 600_000);

  it('every daemon of every service is running and healthy; a second up changes nothing', async () => {
    // Right after `up` a consumer group may still be settling (the last member's join moves partitions):
    // what was not healthy is printed, and the status must be all healthy within 30 s.
    let st = await status();
    const unhealthy = (s: ClusterStatus) => [
      ...s.daemons.filter((d) => d.state !== 'running' || !d.healthy).map((d) => `${d.node} ${d.service} ${d.role}: ${d.state} ${d.health}`),
      ...s.services.filter((x) => !x.healthy).map((x) => `${x.service}: ${x.detail}`),
    ];
    for (const until = Date.now() + 30_000; unhealthy(st).length && Date.now() < until; st = await status()) {
      console.log(`status right after up, not yet healthy: ${unhealthy(st).join('; ')}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(unhealthy(st)).toEqual([]);
    const byService = (s: string) => st.daemons.filter((d) => d.service === s && d.state === 'running' && d.healthy).length;
    expect({
      zookeeper: byService('zookeeper'), redis: byService('redis'), mariadb: byService('mariadb'), kafka: byService('kafka'),
      hdfs: byService('hdfs'), yarn: byService('yarn'), hbase: byService('hbase'), flink: byService('flink'), proxy: byService('proxy'),
      pipeline: byService('pipeline'), dashboard: byService('dashboard'),
    }).toEqual({ zookeeper: 3, redis: 1, mariadb: 3, kafka: 3, hdfs: 5, yarn: 4, hbase: 6, flink: 4, proxy: 1, pipeline: 4, dashboard: 1 });
    for (const s of st.services) expect(s.healthy, `${s.service}: ${s.detail}`).toBe(true);
    expect(st.services.find((s) => s.service === 'hdfs')!.detail).toMatch(/3\/3 DataNodes live, safe mode off/);
    expect(st.services.find((s) => s.service === 'yarn')!.detail).toMatch(/3\/3 NodeManagers active/);
    expect(st.services.find((s) => s.service === 'hbase')!.detail).toMatch(/3\/3 RegionServers live/);
    const again = await etclab(['up']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/nothing changed/);
  });

  it('on the bare nodes, up installed the JDK from the distribution and shipped Node.js (none system-wide)', () => {
    for (const node of ['node1', 'node2', 'node3'] as const) {
      const r = onNode(node, `readlink -f "$(command -v java)"; command -v node || echo "no node on PATH"; ${LAB}/nodes/${node}/base/artifacts/nodejs-${process.versions.node}/bin/node -v`);
      expect(r.stdout, node).toBe(`/usr/lib/jvm/java-17-openjdk-amd64/bin/java\nno node on PATH\n${process.version}\n`);
    }
    // The consumers and the warner run on the shipped runtime.
    const pipeline = allCmdlines().filter((c) => c.includes('/pipeline.mjs --config'));
    expect(pipeline).toHaveLength(4);
    for (const c of pipeline) expect(c).toMatch(new RegExp(`^${LAB}/nodes/node\\d/base/artifacts/nodejs-${process.versions.node}/bin/node `));
  });

  it(`Kafka: ${TOPIC} with 3 partitions × 3 replicas; a message produced is consumed`, async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      // The pipeline's consumers usually made it already (the brokers' defaults: 3 × 3); never deleted under them.
      if (!(await admin.listTopics()).includes(TOPIC)) await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
      await waitUntilEveryBrokerKnows(BROKERS, TOPIC, 3);
      const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      expect(meta.topics[0].partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'e2e', value: 'hello etc' }] });
    await producer.disconnect();
    expect(await readTopic(TOPIC, 1, (v) => v.toString())).toEqual(['hello etc']);
  }, 180_000);

  it('HBase: table etc_traffic_data (family info, pre-split) takes a put and a get through Thrift 8085', async () => {
    const hb = await connect(addr(1), 8085, { admin: { host: addr(1), port: 9090 }, timeoutMs: 60_000 });
    try {
      if (await hb.tableExists(TOPIC)) await hb.deleteTable(TOPIC);
      await hb.createTable(TOPIC, ['info'], splitKeys());
      expect((await hb.tableRegions(TOPIC)).length).toBe(splitKeys().length + 1);
      await hb.mutateRows(TOPIC, [{ row: '3|e2e-row', cells: { 'info:HPHM': '苏C12***', 'info:CLEAN_KKMC': 'G3-K731-省际卡口' } }]);
      const row = await hb.getRow(TOPIC, '3|e2e-row');
      expect(row?.cells['info:HPHM']?.toString()).toBe('苏C12***');
      expect(await hb.getTableNames()).toContain(TOPIC);
    } finally {
      hb.close();
    }
  });

  it('the proxy on 8066 answers as the app user and stores a row on the shard the rule names', async () => {
    const password = secret('mysql_app_password');
    const kk = 'G3-K731-省际卡口';
    const gcxh = `e2e-${Date.now()}`;
    const c = await mysql.createConnection({ host: addr(1), port: 8066, user: 'etc', password, database: 'etc', charset: 'utf8mb4' });
    try {
      expect((await c.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
      await c.execute('INSERT INTO etc_passage (GCXH, XZQHMC, CLEAN_KKMC, FXLX, GCSJ, event_ms, HPZL, HPHM, BRAND) VALUES (?,?,?,?,?,?,?,?,?)', [
        gcxh, '睢宁县', kk, 1, '2023-12-01 00:02:03', 1701360123000, '02', '苏C12***', '大众',
      ]);
    } finally {
      await c.end();
    }
    const shard = shardFor(kk, 3);
    try {
      for (let i = 0; i < 3; i++) {
        const s = await mysql.createConnection({ host: addr(i + 1), port: 3306, user: 'etc', password, database: 'etc', charset: 'utf8mb4' });
        try {
          const [rows] = await s.query('SELECT CLEAN_KKMC FROM etc_passage WHERE GCXH = ?', [gcxh]);
          expect(rows, `shard ${i} (the rule names shard ${shard})`).toEqual(i === shard ? [{ CLEAN_KKMC: kk }] : []);
        } finally {
          await s.end();
        }
      }
    } finally {
      // The pipeline's table: the suite later compares its row count with the data set's.
      const d = await mysql.createConnection({ host: addr(1), port: 8066, user: 'etc', password, database: 'etc', charset: 'utf8mb4' });
      await d.query('DELETE FROM etc_passage WHERE GCXH = ?', [gcxh]).finally(() => d.end());
    }
  });

  it('Flink REST /overview shows 3 TaskManagers and no job', async () => {
    const o = (await (await fetch(`http://${addr(1)}:8081/overview`)).json()) as Record<string, number>;
    expect(o.taskmanagers).toBe(3);
    expect(o['jobs-running']).toBe(0);
  });

  it('a killed Kafka broker: the topic stays readable; start brings the broker back', async () => {
    const victim = await daemon('kafka', 'node3');
    process.kill(victim.pid!, 'SIGKILL');
    try {
      await expect.poll(async () => (await daemon('kafka', 'node3')).state, { timeout: 20_000 }).toBe('stopped');
      expect(await readTopic(TOPIC, 1, (v) => v.toString(), 120_000)).toEqual(['hello etc']);
    } finally {
      // Whatever failed above, the broker comes back: every later test needs all three.
      const start = await etclab(['start', 'kafka', '--node', 'node3']);
      expect(start.code, start.stderr).toBe(0);
    }
  }, 300_000);

  it('a killed RegionServer: HBase reassigns its regions and the row reads again; start brings it back', async () => {
    const victim = await daemon('hbase', 'node3', 'regionserver');
    process.kill(victim.pid!, 'SIGKILL');
    const hb = await connect(addr(1), 8085, { timeoutMs: 20_000 });
    try {
      // Whichever server held the row, a read answers once the master has moved the dead server's regions.
      await expect
        .poll(async () => (await hb.getRow(TOPIC, '3|e2e-row').catch(() => null))?.cells['info:HPHM']?.toString(), { timeout: 180_000, interval: 2000 })
        .toBe('苏C12***');
    } finally {
      hb.close();
      const start = await etclab(['start', 'hbase', '--node', 'node3']);
      expect(start.code, start.stderr).toBe(0);
    }
    await expect.poll(async () => (await status()).services.find((s) => s.service === 'hbase')!.healthy, { timeout: 120_000, interval: 3000 }).toBe(true);
  }, 420_000);

  it('restart kafka --rolling while a replay runs: every row it sent is consumed exactly once', async () => {
    const topic = `e2e_rolling_${Date.now()}`;
    const admin = kafka().admin();
    await admin.connect();
    await within(120_000, `create topic ${topic}`, admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }));
    await admin.disconnect();
    // 500 rows/s for 60 s: the replay is still sending when the last broker comes back.
    const replay = etclab(['replay', DEFAULT_DATA_DIR, '--topic', topic, '--rate', '500', '--limit', '30000', '--json',
      '--state', path.join(work, 'rolling.json'), '--quarantine', path.join(work, 'rolling-q')], { timeoutMs: 600_000 });
    await new Promise((r) => setTimeout(r, 5000));
    const rolling = await etclab(['restart', 'kafka', '--rolling'], { timeoutMs: 900_000 });
    expect(rolling.code, rolling.stderr).toBe(0);
    expect(rolling.stderr).toMatch(/kafka after node1: whole again .*0 under-replicated/);
    expect(rolling.stderr).toMatch(/kafka after node3: whole again .*0 under-replicated/);
    const r = await replay;
    expect(r.code, r.stderr).toBe(0);
    const { sent } = JSON.parse(r.stdout) as { sent: number };
    expect(sent).toBe(30_000);
    const srcs = await readTopic(topic, sent, (_v, h) => h['etclab-source']);
    expect(new Set(srcs).size).toBe(sent);
    expect(srcs.length).toBe(sent); // idempotent producer: no duplicate from a retried batch either
  }, 900_000);

  it('replay --max sends every valid row of the data set once: counts per checkpoint equal the offline reference', async () => {
    const ref = await referenceCounts();
    expect(ref.total).toBeGreaterThan(250_000);
    const r = await etclab(['replay', DEFAULT_DATA_DIR, '--max', '--json', '--state', path.join(work, 'full.json'), '--quarantine', path.join(work, 'q')], { timeoutMs: 900_000 });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { sent: number; rejected: Record<string, number>; elapsedMs: number };
    expect(summary.sent).toBe(ref.total);
    console.log(`replay --max: ${summary.sent} rows in ${(summary.elapsedMs / 1000).toFixed(1)}s = ${Math.round(summary.sent / (summary.elapsedMs / 1000))} rows/s; rejected ${JSON.stringify(summary.rejected)}`);
    const got = await readTopic(TOPIC, ref.total + 1, (v, h) => (v.toString() === 'hello etc' ? null : { kk: JSON.parse(v.toString()).CLEAN_KKMC as string, src: h['etclab-source'] }));
    const rows = got.filter((g) => g !== null);
    expect(rows.length).toBe(ref.total);
    expect(new Set(rows.map((g) => g!.src)).size).toBe(ref.total);
    const per = new Map<string, number>();
    for (const g of rows) per.set(g!.kk, (per.get(g!.kk) ?? 0) + 1);
    expect(Object.fromEntries([...per].sort())).toEqual(Object.fromEntries([...ref.perCheckpoint].sort()));
  }, 1_200_000);

  it('the pipeline, with a consumer killed -9 and Redis stopped for 30 s mid-stream, ends with exactly the offline reference in MySQL, Redis and HBase', async () => {
    const ref = await pipelineRef();
    // The replay above is done; the consumers are still working through it.
    const progress = async () => JSON.parse((await etclab(['pipeline', 'status', '--json'])).stdout) as { records: number };
    await expect.poll(async () => (await progress()).records, { timeout: 300_000, interval: 2000 }).toBeGreaterThan(20_000);
    const pid = Number(readFileSync(path.join(LAB, 'nodes/node2/base/pipeline/run/consumer.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    const restarted = await etclab(['pipeline', 'start', '--node', 'node2']);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect((await etclab(['stop', 'redis'])).code).toBe(0);
    try {
      // The consumers back off and say why instead of skipping the chunk.
      await expect.poll(async () => (await etclab(['pipeline', 'status'])).stdout, { timeout: 60_000, interval: 3000 }).toMatch(/retrying: .*redis/);
      await new Promise((r) => setTimeout(r, 30_000));
    } finally {
      expect((await etclab(['start', 'redis'])).code).toBe(0);
    }
    const lag = await waitCaughtUp(1_200_000);
    console.log(`pipeline caught up ${(lag.at(-1)![0] / 1000).toFixed(0)} s after the crash and the Redis outage`);
    await expectReference(ref);
  }, 1_800_000);

  it('a replay stopped with SIGINT and resumed delivers each row exactly once', async () => {
    const topic = `e2e_resume_${Date.now()}`;
    const file = (await expandInputs([DEFAULT_DATA_DIR]))[0];
    const gcxh = new Set<string>();
    for await (const ev of (await openEtcFile(file)).rows()) if (ev.kind === 'record') gcxh.add(ev.record.GCXH);
    const expected = gcxh.size;
    const args = ['replay', file, '--topic', topic, '--state', path.join(work, 'resume.json'), '--quarantine', path.join(work, 'rq')];
    const child = spawn(process.execPath, [path.resolve('bin/etclab.mjs'), ...args, '--rate', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise((r) => setTimeout(r, 6000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(130);
    const resumed = await etclab([...args, '--resume', '--max', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = JSON.parse(resumed.stdout) as { sent: number; skipped: number };
    expect(second.skipped).toBeGreaterThan(0); // the first run really had sent part of the file
    expect(second.sent).toBeLessThan(expected);
    const srcs = await readTopic(topic, expected, (_v, h) => h['etclab-source']);
    expect(srcs.length).toBe(expected);
    expect(new Set(srcs).size).toBe(expected);
  }, 600_000);

  it('reset --yes empties topic, groups, HBase table, MySQL shards and the pipeline\'s Redis keys, keeping splits and other keys', async () => {
    const redis = new Redis({ host: addr(1), port: 6379, password: secret('redis_password') });
    const password = secret('mysql_app_password');
    const hb = await connect(addr(1), 8085, { admin: { host: addr(1), port: 9090 }, timeoutMs: 60_000 });
    try {
      await redis.set('etc:flow:total:e2e', '42');
      await redis.set('other:keep:e2e', 'stays');
      const regionsBefore = (await hb.tableRegions(TOPIC)).length;
      const dry = await etclab(['reset', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toMatch(/topic etc_traffic_data: delete [1-9]\d* messages in 3 partitions/);
      expect(dry.stdout).toMatch(/HBase table etc_traffic_data: truncate [1-9]/);
      expect(dry.stdout).toMatch(/dry run: nothing was changed/);

      const t0 = Date.now();
      const r = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(r.code, r.stderr).toBe(0);
      console.log(`reset after a full replay: ${((Date.now() - t0) / 1000).toFixed(1)}s`);

      const admin = kafka().admin();
      await admin.connect();
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
        expect(meta.topics[0].partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
        expect((await topicOffsets(admin, TOPIC)).map((o) => o.high)).toEqual([0, 0, 0]);
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`e2e-${TOPIC}`));
        expect(groups).toEqual([]);
      } finally {
        await admin.disconnect();
      }
      expect(await hb.tableExists(TOPIC)).toBe(true);
      expect((await hb.tableRegions(TOPIC)).length).toBe(regionsBefore);
      expect(await hb.scan(TOPIC, { limit: 5 })).toEqual([]);
      for (let i = 1; i <= 3; i++) {
        const c = await mysql.createConnection({ host: addr(i), port: 3306, user: 'etc', password, database: 'etc' });
        try {
          for (const t of ['etc_passage', 'etc_flow_minute', 'etc_clone_alert', 'etc_flow_warning', 'etc_flow_progress', 'etc_offsets']) expect((await c.query(`SELECT COUNT(*) AS n FROM ${t}`))[0], `${t} on node${i}`).toEqual([{ n: 0 }]);
        } finally {
          await c.end();
        }
      }
      expect(await redis.keys('etc:*')).toEqual([]);
      expect(await redis.get('other:keep:e2e')).toBe('stays');
      // The consumers were stopped first and are back, with no group left from before.
      expect(r.stderr).toMatch(/check that kafka answers[\s\S]*stop pipeline consumer on node1[\s\S]*delete the consumer groups[\s\S]*start pipeline consumer on node1/);
      const pl = await etclab(['pipeline', 'status']);
      expect(pl.code, pl.stdout).toBe(0);

      // Twice is safe, and finds nothing more to remove.
      const again = await etclab(['reset', '--dry-run']);
      expect(again.stdout).toMatch(/topic etc_traffic_data: delete 0 messages/);
      expect(again.stdout).toMatch(/unlink 0 keys/);
      expect((await etclab(['reset', '--yes'], { timeoutMs: 600_000 })).code).toBe(0);

      // With Kafka down the reset stops at Kafka's check: nothing is emptied and the pipeline is not even stopped.
      await redis.set('etc:flow:total:e2e', '7');
      expect((await etclab(['stop', 'kafka'])).code).toBe(0);
      const failed = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(failed.code).not.toBe(0);
      expect(failed.stderr).toMatch(/step reset of kafka on the cluster failed/);
      expect(failed.stderr).toMatch(/skipped/);
      expect(failed.stderr).not.toMatch(/✓ (stop pipeline|delete|truncate)/);
      expect(await redis.get('etc:flow:total:e2e')).toBe('7');
      expect((await etclab(['start', 'kafka'])).code).toBe(0);
    } finally {
      await redis.del('other:keep:e2e', 'etc:flow:total:e2e');
      redis.disconnect();
      hb.close();
    }
  }, 1_200_000);

  describe('real exports in real time: a multi-day table of sorted runs (2024-01-08 … 01-12)', () => {
    const table = () => buildRunTable(MULTI_DAY, path.join(work, 'multi-day.csv'));
    let ref: Reference | undefined;
    const multiRef = async () => (ref ??= await reference([table().file]));

    async function replayAfterReset(order: 'time' | 'file'): Promise<void> {
      // Kafka was stopped under the running consumers in the reset test: make sure every one is up.
      const start = await etclab(['pipeline', 'start']);
      expect(start.code, start.stderr).toBe(0);
      const reset = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(reset.code, reset.stderr).toBe(0);
      const t = table();
      expect(t.runs).toBeGreaterThan(50);
      const r = await etclab(['replay', t.file, '--order', order, '--max', '--json', '--state', path.join(work, `multi-${order}.json`), '--quarantine', path.join(work, `multi-q-${order}`)], { timeoutMs: 900_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ sent: (await multiRef()).total, order });
      await waitCaughtUp(1_200_000);
    }

    it('replayed in event-time order: every row, count, clone pair and flow warning equals the independent reference', async () => {
      await replayAfterReset('time');
      const st = JSON.parse((await etclab(['pipeline', 'status', '--json'])).stdout) as { consumers: Array<{ status?: { detector?: { reordered: number; late: number } } }> };
      const late = st.consumers.reduce((n, c) => n + (c.status?.detector?.reordered ?? 0) + (c.status?.detector?.late ?? 0), 0);
      expect(late).toBe(0);
      const r = await multiRef();
      expect(r.clonePairs.length).toBeGreaterThan(1000);
      await expectReference(r, 'multi-day table in event-time order');
    }, 1_800_000);

    it('replayed in file order (rows days late): the same results, and pipeline status says how late passages were handled', async () => {
      await replayAfterReset('file');
      const text = (await etclab(['pipeline', 'status'])).stdout;
      expect(text).toMatch(/clone detector: \d+ passages held .*; [1-9]\d* arrived after a later passage within the 7-day bound \(paired exactly\); none beyond it/);
      await expectReference(await multiRef(), 'multi-day table in file order');
      // The warner judged checkpoints again as late passages changed minutes it had judged.
      const warner = JSON.parse(await (await fetch(`http://${addr(1)}:9471/`)).text()) as { rejudged: number };
      expect(warner.rejudged).toBeGreaterThan(0);
    }, 1_800_000);

    it('a month-long table (the ten December files, ~143k rows) replays in event-time order in under 256 MiB', async () => {
      const month = buildRunTable(DECEMBER, path.join(work, 'december.csv'));
      const expected = readPassages(DECEMBER).length;
      const r = await etclab(['replay', month.file, '--max', '--json', '--topic', `e2e_month_${Date.now()}`, '--state', path.join(work, 'month.json'), '--quarantine', path.join(work, 'month-q')], { timeoutMs: 900_000 });
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as { sent: number; peakRssMiB: number; elapsedMs: number; order: string };
      console.log(`month-long table: ${s.sent} rows in event-time order in ${(s.elapsedMs / 1000).toFixed(1)} s, replay peak RSS ${s.peakRssMiB} MiB`);
      expect(s).toMatchObject({ sent: expected, order: 'time' });
      expect(s.peakRssMiB).toBeLessThan(256);
    }, 900_000);
  });

  it('etclab flink: up ran the canary of the health check; status says which jobs run; a missing class fails in two lines', async () => {
    expect((await etclab(['flink', 'list'])).stdout).toMatch(/FINISHED .* etclab-canary/);
    expect((await status()).services.find((s) => s.service === 'flink')?.detail).toMatch(/6\/6 slots, Flink 1\.18\.1; no job running$/);
    const deep = await etclab(['status', '--deep', '--services', 'flink', '--json']);
    expect((JSON.parse(deep.stdout) as ClusterStatus).services[0]!.detail).toMatch(/canary job \w+ (ran and FINISHED|FINISHED \d+ s ago)/);
    const missing = await etclab(['flink', 'run', '-c', 'com.example.NoSuchJob', canaryJar('1.18.1')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(2);
  }, 300_000);

  describe('the ETC job template (jobs/flink), run as the README says', () => {
    const JAR = path.resolve('jobs/flink/target/etc-flink-job.jar');
    const WEBHDFS = `${addr(1)}:9870`;
    const NAME = 'etc stream analysis';
    // 2024-01-08 is ~100 sorted runs each spanning the day: in file order a passage comes up to a day late,
    // so the watermark bound is a day; the replay's end is closed by 10 s of quiet.
    const DAY = path.join(SHARED_ETC, '2024-01-08-final.csv');
    const ARGS = ['--brokers', BROKERS.join(','), '--watermark-bound-sec', '86400', '--quiet-sec', '10'];
    const dayRef = () => {
      const ps = readPassages([DAY]);
      return { flow: flowCounts(ps), pairs: clonePairs(ps) };
    };

    /** Replays the day in file order, then waits for the job's last output and compares it with the reference. */
    async function replayAndCompare(label: string): Promise<void> {
      const r = await etclab(['replay', DAY, '--order', 'file', '--max', '--json', '--state', path.join(work, `flink-${label}.json`), '--quarantine', path.join(work, `flink-q-${label}`)], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      await compareJobOutput(label, FLINK_FLOW_TOPIC, FLINK_CLONE_TOPIC);
    }

    async function compareJobOutput(label: string, flowTopic: string, cloneTopic: string): Promise<void> {
      const ref = dayRef();
      let flow = new Map<string, number>();
      const until = Date.now() + 180_000;
      while (Date.now() < until) {
        flow = flowFromLines(await readJobTopic(BROKERS, flowTopic));
        if (flow.size >= ref.flow.size) break;
        await new Promise((res) => setTimeout(res, 2000));
      }
      expect(flow.size, `${label}: checkpoint-minutes out of the job`).toBe(ref.flow.size);
      const wrong = [...ref.flow].filter(([k, n]) => flow.get(k) !== n).map(([k, n]) => `${k.replace('\u0000', ' ')}: job ${flow.get(k)}, reference ${n}`);
      expect(wrong.slice(0, 5), `${label}: ${wrong.length} checkpoint-minutes differ`).toEqual([]);
      // The pairs the last watermark releases leave through their own sink, racing the last minutes' counts.
      let pairs = clonePairsFromLines(await readJobTopic(BROKERS, cloneTopic));
      while (pairs.length < ref.pairs.length && Date.now() < until) {
        await new Promise((res) => setTimeout(res, 2000));
        pairs = clonePairsFromLines(await readJobTopic(BROKERS, cloneTopic));
      }
      expect(pairs).toEqual(ref.pairs);
    }

    it('built by setup; run → RUNNING; a day replayed in file order (passages up to a day late) comes out equal to the reference per checkpoint-minute, clone pairs too', async () => {
      expect(existsSync(JAR), 'scripts/setup builds it: mvn -f jobs/flink/pom.xml package').toBe(true);
      expect((await etclab(['pipeline', 'start'])).code).toBe(0);
      const reset = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(reset.code, reset.stderr).toBe(0);
      const run = await etclab(['flink', 'run', '--json', JAR, ...ARGS]);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ state: 'RUNNING' });
      await replayAndCompare('first replay');
    }, 900_000);

    it('a backlog in time order read with a one-minute bound: watermarks per Kafka partition, so a reader that fetches one partition ahead of another loses nothing', async () => {
      const t = `e2e_flink_time_${Date.now()}`;
      const r = await etclab(['replay', DAY, '--max', '--json', '--topic', t, '--state', path.join(work, 'flink-time.json'), '--quarantine', path.join(work, 'flink-q-time')], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      // Submitted after the whole day is in the topic: one reader catches up through three partitions.
      const out = { flow: `${t}_flow`, clone: `${t}_clone` };
      const run = await etclab(['flink', 'run', '--json', JAR, '--brokers', BROKERS.join(','), '--topic', t, '--group', t, '--flow-topic', out.flow, '--clone-topic', out.clone, '--watermark-bound-sec', '60', '--quiet-sec', '5', '--name', 'etc tight bound']);
      expect(run.code, run.stderr).toBe(0);
      try {
        await compareJobOutput('time order, 60 s bound', out.flow, out.clone);
      } finally {
        expect((await etclab(['flink', 'cancel', 'etc tight bound'])).code).toBe(0);
      }
    }, 600_000);

    it('stop by name writes a savepoint that exists; run --from-savepoint is restored (the REST answer says so); savepoint keeps it running', async () => {
      const stop = await etclab(['flink', 'stop', NAME]);
      expect(stop.code, stop.stderr).toBe(0);
      const savepoint = /savepoint (\S+)/.exec(stop.stdout)![1]!;
      // The lab has HDFS: savepoints go there, where every node reads them.
      expect(savepoint).toMatch(/^hdfs:\/\/10\.213\.7\.11:8020\/flink\/savepoints\/savepoint-/);
      expect(await savepointExists(savepoint, WEBHDFS)).toBe(true);
      const resumed = await etclab(['flink', 'run', '-s', savepoint, JAR, ...ARGS]);
      expect(resumed.stdout).toMatch(new RegExp(`RUNNING, restored from ${savepoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const sp = await etclab(['flink', 'savepoint', NAME]);
      expect(sp.code, sp.stderr).toBe(0);
      expect(await savepointExists(/savepoint (\S+)$/.exec(sp.stdout.trim())![1]!, WEBHDFS)).toBe(true);
      expect((await etclab(['flink', 'list', '--running'])).stdout).toMatch(new RegExp(`RUNNING .* ${NAME}$`, 'm'));
    }, 300_000);

    it('down --savepoints stops the job with a savepoint first; up --with-jobs submits it again, restored from it', async () => {
      const down = await etclab(['down', '--services', 'flink', '--savepoints'], { timeoutMs: 300_000 });
      expect(down.code, down.stderr).toBe(0);
      const parked = new RegExp(`flink: job (\\w+) \\(${NAME}\\) stopped with savepoint (\\S+); \`etclab up --with-jobs\` submits it again`).exec(down.stderr);
      expect(parked, down.stderr).not.toBeNull();
      expect(down.stderr.indexOf(parked![0])).toBeLessThan(down.stderr.indexOf('stop flink'));
      const plainUp = await etclab(['up', '--services', 'flink'], { timeoutMs: 600_000 });
      expect(plainUp.stderr).toMatch(/flink: 1 job stopped by `etclab down` not running again .*`etclab up --with-jobs` submits it/);
      const up = await etclab(['up', '--services', 'flink', '--with-jobs'], { timeoutMs: 600_000 });
      expect(up.code, up.stderr).toBe(0);
      const back = /submitted again as job (\w+), from savepoint (\S+)/.exec(up.stderr);
      expect(back?.[2]).toBe(parked![2]);
      const restored = (await (await fetch(`http://${addr(1)}:8081/jobs/${back![1]}/checkpoints`)).json()) as { latest?: { restored?: { external_path?: string } } };
      expect(restored.latest?.restored?.external_path).toBe(parked![2]);
    }, 900_000);

    it('reset with the job running: cancelled before any store is emptied, submitted again after, RUNNING; a second replay gives the same counts; cancel leaves it CANCELED', async () => {
      const before = JSON.parse((await etclab(['flink', 'list', '--json', '--running'])).stdout) as Array<{ id: string; name: string }>;
      expect(before.map((j) => j.name)).toEqual([NAME]);
      const reset = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(reset.code, reset.stderr).toBe(0);
      const lines = reset.stderr.split('\n');
      const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
      expect(at(/✓ cancel the running Flink jobs/)).toBeGreaterThan(-1);
      for (const store of [/✓ truncate HBase/, /✓ truncate MySQL/, /✓ delete Redis keys/, /✓ delete and recreate topic etc_traffic_data/, /✓ delete and recreate the Flink job's topic etc_flink_flow_minute/])
        expect(at(store), String(store)).toBeGreaterThan(at(/✓ cancel the running Flink jobs/));
      expect(at(/✓ submit the cancelled Flink jobs again/)).toBeGreaterThan(at(/✓ start pipeline/));
      const jobs = JSON.parse((await etclab(['flink', 'list', '--json'])).stdout) as Array<{ id: string; name: string; state: string }>;
      expect(jobs.find((j) => j.id === before[0]!.id)?.state).toBe('CANCELED');
      const again = jobs.filter((j) => j.name === NAME && j.state === 'RUNNING');
      expect(again).toHaveLength(1);
      await replayAndCompare('after reset');
      const cancel = await etclab(['flink', 'cancel', NAME]);
      expect(cancel.stdout).toMatch(/CANCELED/);
      expect((await etclab(['flink', 'list', '--running'])).stdout).toBe('no job running\n');
      expect((await etclab(['flink', 'list'])).stdout).toMatch(new RegExp(`${again[0]!.id}  CANCELED`));
    }, 900_000);
  });

  describe('the big screen and interactive query (etclab dashboard, etclab query)', () => {
    const DAY_A = path.join(SHARED_ETC, '2024-01-08-final.csv');
    const DAY_B = path.join(SHARED_ETC, '2024-01-09-final.csv');
    const PORT = 18080;
    const base = `http://127.0.0.1:${PORT}`;
    let dashboard: ReturnType<typeof spawn> | undefined;
    let ref: Reference;
    const get = async <T,>(p: string) => {
      const r = await fetch(base + p);
      expect(r.status, `${p}: ${r.status}`).toBe(200);
      return (await r.json()) as T;
    };
    // Direct reads, not through the dashboard: Redis as the pipeline's user, every shard on its own.
    const shards = () => Promise.all([1, 2, 3].map((n) => mysql.createConnection({ host: addr(n), port: 3306, user: 'etc', password: secret('mysql_app_password'), database: 'etc', dateStrings: true })));
    async function shardSum(sql: string, args: unknown[] = []): Promise<number> {
      const cs = await shards();
      try {
        return (await Promise.all(cs.map(async (c) => Number(((await c.query(sql, args)) as unknown as [[{ n: number | string | null }]])[0][0].n ?? 0)))).reduce((a, b) => a + b, 0);
      } finally {
        await Promise.all(cs.map((c) => c.end()));
      }
    }

    beforeAll(async () => {
      expect((await etclab(['pipeline', 'start'])).code).toBe(0);
      const reset = await etclab(['reset', '--yes'], { timeoutMs: 600_000 });
      expect(reset.code, reset.stderr).toBe(0);
      const r = await etclab(['replay', DAY_A, '--max', '--json', '--state', path.join(work, 'dash-a.json'), '--quarantine', path.join(work, 'dash-qa')], { timeoutMs: 300_000 });
      expect(r.code, r.stderr).toBe(0);
      ref = await reference([DAY_A]);
      await waitCaughtUp(600_000);
      dashboard = spawn(process.execPath, ['bin/etclab.mjs', 'dashboard', '--port', String(PORT), '--refresh', '5'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let said = '';
      dashboard.stderr!.on('data', (d) => (said += d));
      const until = Date.now() + 60_000;
      while (!said.includes(`http://127.0.0.1:${PORT}/`) && Date.now() < until) await new Promise((res) => setTimeout(res, 200));
      expect(said).toMatch(/read-only/);
      // The warner judges behind the consumers: wait until it has judged what the reference judges.
      const w = Date.now() + 120_000;
      while ((await labWarnings()).length < ref.warnings.length && Date.now() < w) await new Promise((res) => setTimeout(res, 1000));
    }, 1_200_000);

    afterAll(() => void dashboard?.kill('SIGTERM'));

    it('every API number equals what Redis and the shards hold and the offline reference', async () => {
      type Ov = { total: number; eventTimeText: string; day: { date: string; passages: number }; crossProvince: number; crossCity: number; alerts: { clone: number; flowHigh: number; flowLow: number }; topCheckpoints: Array<{ checkpoint: string; passages: number }> };
      const ov = await get<Ov>('/api/dashboard/overview');
      const passages = readPassages([DAY_A]);
      const redis = new Redis({ host: addr(1), port: 6379, password: secret('redis_password') });
      try {
        expect(ov.total).toBe(Number(await redis.get('etc:dash:count:total')));
        const alertCounts = await redis.hgetall('etc:alert:count:total');
        expect(ov.alerts.clone).toBe(Object.entries(alertCounts).filter(([k]) => k.startsWith('clone')).reduce((n, [, v]) => n + Number(v), 0));
      } finally {
        redis.disconnect();
      }
      expect(ov.total).toBe(ref.total);
      expect(ov.day).toEqual({ date: '2024-01-08', passages: await shardSum("SELECT SUM(vehicle_count) AS n FROM etc_flow_minute WHERE minute_start >= '2024-01-08 00:00:00' AND minute_start < '2024-01-09 00:00:00'") });
      expect(ov.day.passages).toBe(ref.total);
      expect(ov.crossProvince).toBe(passages.filter((p) => p.checkpoint.endsWith('省际卡口')).length);
      expect(ov.crossCity).toBe(passages.filter((p) => p.checkpoint.endsWith('市际卡口')).length);
      expect({ high: ov.alerts.flowHigh, low: ov.alerts.flowLow }).toEqual({ high: ref.warnings.filter((w) => w.direction === 'high').length, low: ref.warnings.filter((w) => w.direction === 'low').length });
      const perCp = new Map<string, number>();
      for (const p of passages) perCp.set(p.checkpoint, (perCp.get(p.checkpoint) ?? 0) + 1);
      expect(ov.topCheckpoints.map((c) => c.passages)).toEqual([...perCp.values()].sort((a, b) => b - a).slice(0, 10));
      for (const c of ov.topCheckpoints) expect(perCp.get(c.checkpoint)).toBe(c.passages);

      // The last 30 minutes of event time, per checkpoint and minute.
      const flow = await get<{ minutes: string[]; checkpoints: Record<string, number[]> }>('/api/dashboard/flow?minutes=30');
      expect(flow.minutes.at(-1)).toBe(ov.eventTimeText.slice(11, 16));
      for (const [cp, counts] of Object.entries(flow.checkpoints))
        counts.forEach((n, i) => expect(n, `${cp} ${flow.minutes[i]}`).toBe(ref.flow.get(`${cp}\u0000${ov.eventTimeText.slice(0, 11)}${flow.minutes[i]}:00`) ?? 0));

      // Alerts and warnings through the shards, against the reference.
      const alerts = await get<{ alerts: Array<{ first_gcxh: string; gcxh: string; gap_s: number }> }>('/api/alerts?type=A&limit=10000');
      expect(alerts.alerts.map((a) => `${a.first_gcxh}|${a.gcxh}`).sort()).toEqual(ref.clonePairs);
      expect(alerts.alerts.every((a) => a.gap_s < 600)).toBe(true);
      const warnings = await get<{ warnings: Array<{ checkpoint: string; minute: string; direction: string; passages: number }> }>('/api/warnings?limit=10000');
      expect(warnings.warnings.map((w) => `${w.minute} ${w.checkpoint} ${w.direction} ${w.passages}`).sort()).toEqual(ref.warnings.map((w) => `${w.minuteLabel} ${w.checkpoint} ${w.direction} ${w.count}`).sort());
    }, 300_000);

    it('plate: exactly the reference\'s passages, newest first (ties by GCXH descending); checkpoint passages and 5-minute aggregates equal it too', async () => {
      const passages = readPassages([DAY_A]);
      const byPlate = new Map<string, typeof passages>();
      for (const p of passages) (byPlate.get(p.plate) ?? byPlate.set(p.plate, []).get(p.plate)!).push(p);
      const [plate, mine] = [...byPlate].sort((a, b) => b[1].length - a[1].length)[0]!;
      // A masked plate is shared by many vehicles: the busiest one of a day has a few dozen passages.
      expect(mine.length).toBeGreaterThan(25);
      const want = [...mine].sort((a, b) => b.t - a.t || (a.gcxh < b.gcxh ? 1 : -1)).map((p) => `${p.gcxh} ${p.checkpoint} ${p.minuteLabel.slice(0, 16)}`);
      const shown = (ps: Array<{ gcxh: string; checkpoint: string; time: string }>) => ps.map((p) => `${p.gcxh} ${p.checkpoint} ${p.time.slice(0, 16)}`);
      const got = await get<{ passages: Array<{ gcxh: string; checkpoint: string; time: string }> }>(`/api/query/plate/${encodeURIComponent(plate)}?limit=20`);
      expect(shown(got.passages)).toEqual(want.slice(0, 20));
      const all = (await get<{ passages: Array<{ gcxh: string; checkpoint: string; time: string }> }>(`/api/query/plate/${encodeURIComponent(plate)}?limit=50`)).passages;
      expect(shown(all)).toEqual(want);
      // And what HBase holds for that plate, read directly (one prefix scan of etc_traffic).
      const hb = await connect(addr(1), 8085, { timeoutMs: 60_000 });
      try {
        const rows = await hb.scan('etc_traffic', { prefix: plateScanPrefix(plate) });
        expect(rows.map((r) => r.row.toString('utf8').split('|')[4]).sort()).toEqual(all.map((p) => p.gcxh).sort());
      } finally {
        hb.close();
      }

      const cp = 'S250-K1-省际卡口';
      const from = Date.parse('2024-01-08T08:00:00+08:00');
      const to = Date.parse('2024-01-08T10:00:00+08:00');
      const inRange = passages.filter((p) => p.checkpoint === cp && p.t >= from && p.t < to);
      const cpGot = await get<{ passages: Array<{ gcxh: string }> }>(`/api/query/checkpoint/${encodeURIComponent(cp)}?from=2024-01-08%2008:00&to=2024-01-08%2010:00`);
      expect(cpGot.passages.map((p) => p.gcxh).sort()).toEqual(inRange.map((p) => p.gcxh).sort());
      const agg = await get<{ buckets: Array<{ start: string; passages: number }> }>(`/api/query/aggregate?checkpoint=${encodeURIComponent(cp)}&from=2024-01-08%2008:00&to=2024-01-08%2010:00&step=5m`);
      expect(agg.buckets).toHaveLength(24);
      agg.buckets.forEach((b) => {
        const s = Date.parse(`${b.start.replace(' ', 'T')}+08:00`);
        expect(b.passages, b.start).toBe(inRange.filter((p) => p.t >= s && p.t < s + 300_000).length);
      });

      // The same query in the terminal, as CSV for Excel: BOM, one header row, one row per passage.
      const csv = await etclab(['query', 'plate', plate, '--limit', '20', '--csv']);
      expect(csv.code, csv.stderr).toBe(0);
      const lines = csv.stdout.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe('\uFEFFtime,plate,checkpoint,gcxh,direction,vehicleType,boundary');
      expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(got.passages.map((p) => p.gcxh));
      const http = await fetch(`${base}/api/query/aggregate?checkpoint=${encodeURIComponent(cp)}&from=2024-01-08%2008:00&to=2024-01-08%2010:00&format=csv`);
      expect(http.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(http.headers.get('content-disposition')).toMatch(/attachment; .*filename\*=UTF-8''aggregate-S250-K1-/);
      const body = new Uint8Array(await http.arrayBuffer());
      expect([...body.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(new TextDecoder().decode(body).split('\r\n').filter(Boolean)).toHaveLength(1 + 24);
    }, 300_000);

    it('as a service of the inventory: up started it on node1:8080 (the node\'s address), status checks it, it serves the same numbers', async () => {
      const d = await daemon('dashboard', 'node1');
      expect(d.state).toBe('running');
      expect(d.health).toMatch(/^http:\/\/10\.213\.7\.11:8080\/ serves; mysql, redis, hbase answer/);
      const mine = await get<{ total: number }>('/api/dashboard/overview');
      const theirs = (await (await fetch(`http://${addr(1)}:8080/api/dashboard/overview`)).json()) as { total: number };
      expect(theirs.total).toBe(mine.total);
      // It listens on the node's address only, not on every interface.
      const ss = execFileSync('ip', ['netns', 'exec', 'etclab-node1', 'ss', '-ltnH', 'sport = :8080']).toString().trim().split(/\s+/);
      expect(ss[3]).toBe(`${addr(1)}:8080`);
    }, 120_000);

    it('read-only and safe: a plate that is SQL matches nothing and changes nothing; bad parameters are 400; Redis down is 503 naming it, then back', async () => {
      const rows = await shardSum('SELECT COUNT(*) AS n FROM etc_passage');
      const evil = await get<{ passages: unknown[] }>(`/api/query/plate/${encodeURIComponent("苏C'; DROP TABLE etc_passage; --")}`);
      expect(evil.passages).toEqual([]);
      const evilAlerts = await get<{ alerts: unknown[] }>(`/api/alerts?plate=${encodeURIComponent("x' OR '1'='1")}`);
      expect(evilAlerts.alerts).toEqual([]);
      expect(await shardSum('SELECT COUNT(*) AS n FROM etc_passage')).toBe(rows);
      const bad = await fetch(`${base}/api/query/aggregate?checkpoint=S250-K1-省际卡口&from=2024-01-08%2010:00&to=2024-01-08%2009:00`);
      expect(bad.status).toBe(400);
      expect((await bad.json()).param).toBe('to');
      const cli = await etclab(['query', 'aggregate', 'S250-K1-省际卡口', '--from', 'soon', '--to', '2024-01-08 09:00']);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(/from: not a time: "soon"/);
      // No password reaches the browser: nothing the API returns holds one.
      for (const p of ['/api/health', '/api/config', '/api/dashboard/overview']) {
        const text = await (await fetch(base + p)).text();
        for (const s of ['redis_password', 'redis_read_password', 'mysql_app_password', 'mysql_read_password']) expect(text).not.toContain(secret(s));
      }
      expect((await etclab(['stop', 'redis'])).code).toBe(0);
      try {
        const down = await fetch(`${base}/api/dashboard/overview`);
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({ store: 'redis' });
      } finally {
        expect((await etclab(['start', 'redis'])).code).toBe(0);
      }
      const until = Date.now() + 30_000;
      let back = 0;
      while (Date.now() < until && (back = (await fetch(`${base}/api/dashboard/overview`)).status) !== 200) await new Promise((res) => setTimeout(res, 1000));
      expect(back).toBe(200);
    }, 300_000);

    it('in headless Chromium: no request leaves the server, the charts draw, the numbers are the API\'s, and change within one refresh after another day is replayed', async () => {
      const { launch, openPage, canvasInk } = await import('../browser.ts');
      const browser = await launch();
      try {
        const { page, requests } = await openPage(browser, `${base}/?refresh=5`);
        await page.waitForFunction(() => Number(document.body.dataset.refreshed) >= 1, { timeout: 30_000 });
        const kpi = () => page.evaluate(() => Object.fromEntries(['total', 'day', 'province', 'city', 'clone', 'flow-high', 'flow-low'].map((k) => [k, Number(document.querySelector(`#kpi-${k}`)!.textContent!.replace(/,/g, ''))])));
        const ov = await get<{ total: number; day: { passages: number }; crossProvince: number; crossCity: number; alerts: { clone: number; flowHigh: number; flowLow: number } }>('/api/dashboard/overview');
        expect(await kpi()).toEqual({ total: ov.total, day: ov.day.passages, province: ov.crossProvince, city: ov.crossCity, clone: ov.alerts.clone, 'flow-high': ov.alerts.flowHigh, 'flow-low': ov.alerts.flowLow });
        expect(requests.length).toBeGreaterThan(5);
        expect(requests.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
        const ink = await canvasInk(page);
        for (const id of ['chart-flow', 'chart-top']) expect(ink.find((c) => c.id === id)?.drawn ?? 0, id).toBeGreaterThan(2000);
        expect(await page.$$eval('#clones tbody tr', (trs) => trs.length)).toBeGreaterThan(0);

        // Another day's file arrives: within one refresh (5 s) of the API having it, the page shows it.
        const r = await etclab(['replay', DAY_B, '--max', '--json', '--state', path.join(work, 'dash-b.json'), '--quarantine', path.join(work, 'dash-qb')], { timeoutMs: 300_000 });
        expect(r.code, r.stderr).toBe(0);
        await waitCaughtUp(600_000);
        const after = await get<{ total: number }>('/api/dashboard/overview');
        expect(after.total).toBeGreaterThan(ov.total);
        const seen = Date.now();
        await page.waitForFunction((n) => Number(document.querySelector('#kpi-total')!.textContent!.replace(/,/g, '')) === n, { timeout: 7_000 }, after.total);
        expect(Date.now() - seen).toBeLessThan(7_000);
        expect(await page.$eval('#kpi-day-date', (e) => e.textContent)).toBe('2024-01-09');

        // The query page: a plate's passages in a table, with its CSV link.
        const q = await openPage(browser, `${base}/query`);
        const counts = new Map<string, number>();
        for (const p of readPassages([DAY_A])) counts.set(p.plate, (counts.get(p.plate) ?? 0) + 1);
        await q.page.type('#q-plate input[name=plate]', [...counts].sort((x, y) => y[1] - x[1])[0]![0]);
        await q.page.click('#q-plate button');
        await q.page.waitForFunction(() => /: \d+ rows/.test(document.querySelector('#result-title')!.textContent!), { timeout: 10_000 });
        expect(await q.page.$$eval('#result tbody tr', (trs) => trs.length)).toBe(50);
        expect(await q.page.$eval('#csv', (a) => (a as HTMLAnchorElement).getAttribute('href'))).toMatch(/^\/api\/query\/plate\/.*format=csv/);
        expect(q.requests.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 900_000);
  });

  it('a missing artifact is named with how to get it, before any node is touched', async () => {
    const inv = readFileSync(path.join(LAB, 'inventory.yaml'), 'utf8').replace(/^  kafka:.*$/m, '  kafka:\n    version: 3.9.0-missing');
    const file = path.join(work, 'missing-artifact.yaml');
    writeFileSync(file, inv);
    const before = (await daemon('kafka', 'node1')).pid;
    const r = await etclab(['-i', file, 'up']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/artifact kafka 3\.9\.0-missing is not in the artifact cache.*etclab artifacts fetch kafka@3\.9\.0-missing/);
    expect(r.stderr).not.toMatch(/\[\s*1\//); // no step ran
    expect((await daemon('kafka', 'node1')).pid).toBe(before);
  });

  it('a port already taken on a node is reported before start, naming node, port and holder', async () => {
    expect((await etclab(['stop', 'redis'])).code).toBe(0);
    // Another program holds Redis's port inside node1's namespace.
    const squatter = spawn('ip', ['netns', 'exec', 'etclab-node1', 'python3', '-c',
      "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0',6379)); s.listen(); time.sleep(120)"], { stdio: 'ignore' });
    // SO_REUSEADDR like Redis: the pipeline's closed connections leave the port in TIME_WAIT.
    const gone = new Promise((r) => squatter.on('close', r));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      const r = await etclab(['start', 'redis']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/port 6379 on node1 is already taken by another process/);
      expect(r.stderr).toMatch(/python3/);
    } finally {
      squatter.kill('SIGKILL');
      await gone;
    }
    const start = await etclab(['start', 'redis']);
    expect(start.code, start.stderr).toBe(0);
  }, 180_000);

  it('start hbase while HDFS is down refuses and names HDFS; up restores the order', async () => {
    expect((await etclab(['stop', 'hbase'])).code).toBe(0);
    expect((await etclab(['stop', 'yarn'])).code).toBe(0);
    expect((await etclab(['stop', 'hdfs'])).code).toBe(0);
    const r = await etclab(['start', 'hbase']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to start hbase: it needs hdfs .* healthy first/);
    expect((await daemon('hbase', 'node1', 'master')).state).toBe('stopped');
    const up = await etclab(['up'], { timeoutMs: 1_200_000 });
    expect(up.code, up.stderr).toBe(0);
    for (const s of (await status()).services) expect(s.healthy, `${s.service}: ${s.detail}`).toBe(true);
  }, 1_300_000);

  it('every etclab-started listener binds its node\'s address (or loopback): the one exception is ShardingSphere-Proxy 5.1\'s 8066', () => {
    const wild: string[] = [];
    for (const n of [1, 2, 3]) {
      const lines = execFileSync('ip', ['netns', 'exec', `etclab-node${n}`, 'ss', '-ltnH']).toString().trim().split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(5);
      for (const l of lines) {
        const local = l.trim().split(/\s+/)[3]!;
        if (local.startsWith(`${addr(n)}:`) || local.startsWith('127.')) continue;
        wild.push(`node${n} ${local}`);
      }
    }
    // 5.1.0 cannot choose its address (apache/shardingsphere#18554): documented in the README with the firewall rule.
    expect(wild).toEqual(['node1 0.0.0.0:8066']);
  });

  it('the lab\'s hostile passwords (quotes, backslash, $, #, %, spaces, CJK) worked everywhere and show in no step log, daemon log or argv', async () => {
    const secrets = readdirSync(path.join(LAB, 'secrets')).map((f) => readFileSync(path.join(LAB, 'secrets', f), 'utf8').trim());
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    expect(secrets.every((x) => /['"\\$#% ]/.test(x) && /[\u4e00-\u9fff]/.test(x) && [...x].length >= 64)).toBe(true);
    const files = [...labFiles(path.join(LAB, 'state')), ...labFiles(path.join(LAB, 'nodes')).filter((f) => /\/logs\//.test(f))];
    expect(files.length).toBeGreaterThan(100);
    expect(await secretLeaks(files, allCmdlines(), secrets)).toEqual([]);
  }, 300_000);
});
