// The consumer against the running lab: known rows in, exact counts out in MySQL, Redis and HBase, also
// across a SIGKILL mid-stream. Everything it writes is under its own names (topic, group, Redis
// namespace, HBase tables, and checkpoint/GCXH values tagged `pltest<ts>-`) and removed afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowMinuteKey, KEYS } from '../core/redis-keys.ts';
import { mainRowKey } from '../core/rowkey.ts';
import { connect, type HBaseThrift } from '../hbase/client.ts';
import { runReplay } from '../replay/run.ts';
import { kafkaSink, type MessageSink, type OutMessage } from '../replay/sink.ts';
import { decodeMessage, type DecodedRecord } from '../sinks/message.ts';
import { flowCounts } from '../sinks/proxy-sql.ts';
import { namespacedKey } from '../sinks/redis.ts';
import { storeConfig, type StoreConfig } from './config.ts';

const INVENTORY = process.env.ETCLAB_INVENTORY ?? '/var/lib/etclab-lab/inventory.yaml';
const DATA = new URL('../../../shared/data/etc', import.meta.url).pathname;
const REPO = new URL('../..', import.meta.url).pathname;

function tcpOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = createConnection({ host: host!, port: Number(port) });
    s.setTimeout(3000, () => { s.destroy(); resolve(false); });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

let cfg: StoreConfig | null = null;
let why = '';
if (process.env.ETCLAB_E2E !== '1') why = 'set ETCLAB_E2E=1 (with the lab up: `etclab lab up`) to run it';
else if (!existsSync(INVENTORY)) why = `no lab inventory at ${INVENTORY} (set ETCLAB_INVENTORY or run \`etclab lab up\`)`;
else if (!existsSync(DATA)) why = `no ETC data at ${DATA}`;
else {
  cfg = await storeConfig(INVENTORY);
  if (!(await tcpOpen(cfg.brokers[0]!))) { why = `Kafka at ${cfg.brokers[0]} does not answer`; cfg = null; }
}
if (why) console.warn(`pipeline e2e skipped: ${why}`);

const TS = Date.now();
const TAG = `pltest${TS}`;
const TOPIC = `pl_test_${TS}`;
const GROUP = TOPIC;
const NS = TAG;
const TABLES = { main: TOPIC, index: `${TOPIC}_by_checkpoint` };
const FIRST = 2000;
const SECOND = 1000;

/** Tags checkpoint and GCXH so the rows are ours in the shared logical tables, and remembers what was acked. */
function taggingSink(inner: MessageSink, sent: DecodedRecord[]): MessageSink {
  return {
    async send(messages: OutMessage[]) {
      const out = messages.map((m) => {
        const v = JSON.parse(m.value) as Record<string, unknown>;
        v.CLEAN_KKMC = `${TAG}-${String(v.CLEAN_KKMC)}`;
        v.GCXH = `${TAG}-${String(v.GCXH)}`;
        return { ...m, value: JSON.stringify(v) };
      });
      await inner.send(out);
      for (const m of out) sent.push(decodeMessage(m.value, 0, 'reference'));
    },
    close: () => inner.close(),
  };
}

class Child {
  lines: string[] = [];
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor() {
    this.proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'pipeline/service/main.ts', '--inventory', INVENTORY, '--topic', TOPIC, '--group', GROUP, '--chunk', '50', '--redis-namespace', NS, '--hbase-tables', `${TABLES.main},${TABLES.index}`],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (d: Buffer) => { for (const l of d.toString().split('\n')) if (l) this.lines.push(l); };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.exited = new Promise((r) => this.proc.once('exit', (code, signal) => r({ code, signal })));
  }
  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }
  async waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!ok()) {
      if (this.proc.exitCode !== null) throw new Error(`consumer exited (${this.proc.exitCode}) before ${what}:\n${this.lines.slice(-30).join('\n')}`);
      if (Date.now() > until) throw new Error(`no ${what} within ${ms} ms:\n${this.lines.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(!cfg)(`pipeline consumer on the lab (${why || 'ETCLAB_E2E=1'})`, () => {
  const c = cfg!;
  const sent: DecodedRecord[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'pl-e2e-'));
  let db: mysql.Connection;
  let redis: Redis;
  let hb: HBaseThrift;
  const kafka = new Kafka({ clientId: 'pl-e2e', brokers: c?.brokers ?? [], logLevel: logLevel.NOTHING });
  const children: Child[] = [];

  const replay = async (max: number) => {
    const inner = await kafkaSink({ brokers: c.brokers, topic: TOPIC, compression: 'gzip' });
    const s = await runReplay({ inputs: [DATA], topic: TOPIC, max, rate: 0, resume: true, sink: taggingSink(inner, sent), stateFile: join(dir, 'state.json'), quarantineDir: join(dir, 'q') });
    expect(s.sent).toBe(max);
  };
  const checkpoints = () => [...new Set(sent.map((r) => r.passage.checkpoint))];
  const storedTotal = async () => {
    const [rows] = await db.query('SELECT COALESCE(SUM(next_offset), 0) AS n FROM etc_offsets WHERE consumer_group = ? AND topic = ?', [GROUP, TOPIC]);
    return Number((rows as { n: number | string }[])[0]!.n);
  };
  const waitStored = async (n: number, child: Child, ms = 180_000) => {
    const until = Date.now() + ms;
    let got = -1;
    while ((got = await storedTotal()) < n) {
      if (child.proc.exitCode !== null) throw new Error(`consumer exited:\n${child.lines.slice(-30).join('\n')}`);
      if (Date.now() > until) throw new Error(`stored offsets reach ${got}/${n} only:\n${child.lines.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(got).toBe(n);
  };

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    // The lead's tests restart brokers now and then: replicate over the ones that are up.
    const live = (await admin.describeCluster()).brokers.length;
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: Math.min(3, live) }], waitForLeaders: true });
    await admin.disconnect();
    db = await mysql.createConnection({ ...c.mysql, charset: 'utf8mb4', dateStrings: true });
    redis = new Redis({ ...c.redis, lazyConnect: true });
    await redis.connect();
    hb = await connect(c.hbase.thrift.host, c.hbase.thrift.port, { admin: c.hbase.admin, timeoutMs: 60_000 });
  });

  afterAll(async () => {
    for (const ch of children) if (ch.proc.exitCode === null) ch.proc.kill('SIGKILL');
    const errors: string[] = [];
    const step = async (what: string, f: () => Promise<unknown>) => { try { await f(); } catch (e) { errors.push(`${what}: ${(e as Error).message}`); } };
    const cps = checkpoints();
    if (cps.length && db) {
      await step('etc_passage', () => db.query('DELETE FROM etc_passage WHERE CLEAN_KKMC IN (?)', [cps]));
      await step('etc_flow_minute', () => db.query('DELETE FROM etc_flow_minute WHERE CLEAN_KKMC IN (?)', [cps]));
      await step('etc_clone_alert', () => db.query('DELETE FROM etc_clone_alert WHERE CLEAN_KKMC IN (?)', [cps]));
    }
    if (db) await step('etc_offsets', () => db.query('DELETE FROM etc_offsets WHERE consumer_group = ?', [GROUP]));
    if (redis) await step('redis', async () => {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `etc:${NS}_*`, 'COUNT', 1000);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    });
    if (hb) for (const t of [TABLES.main, TABLES.index]) await step(`hbase ${t}`, async () => { if (await hb.tableExists(t)) await hb.deleteTable(t); });
    await step('kafka', async () => {
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([GROUP]).catch(() => {});
      if ((await admin.listTopics()).includes(TOPIC)) await admin.deleteTopics({ topics: [TOPIC] });
      await admin.disconnect();
    });
    await db?.end();
    redis?.disconnect();
    hb?.close();
    rmSync(dir, { recursive: true, force: true });
    if (errors.length) console.warn(`pipeline e2e cleanup: ${errors.join('; ')}`);
  });

  it('counts every row exactly once in MySQL, Redis and HBase, across a SIGKILL mid-stream', async () => {
    await replay(FIRST);
    const first = new Child();
    children.push(first);
    await first.waitFor('10 committed batches', () => first.count(/^\S+ batch /) >= 10, 120_000);
    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const before = await storedTotal();
    console.log(`killed the consumer with ${before}/${FIRST} offsets stored`);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(FIRST);

    const second = new Child();
    children.push(second);
    // More rows while it runs: the restart has to pick up the old backlog and the live stream.
    await replay(SECOND);
    const n = FIRST + SECOND;
    await waitStored(n, second);
    const t0 = Date.now();
    second.proc.kill('SIGTERM');
    const exit = await second.exited;
    console.log(`SIGTERM → exit ${exit.code} in ${Date.now() - t0} ms; last lines:\n${second.lines.slice(-3).join('\n')}`);
    expect(exit.code).toBe(0);
    expect(second.count(/stopped: /)).toBe(1);
    expect(sent).toHaveLength(n);

    // MySQL: per checkpoint per minute, and rows per checkpoint.
    const cps = checkpoints();
    const ref = flowCounts(sent);
    const [fm] = await db.query('SELECT CLEAN_KKMC, minute_start, SUM(vehicle_count) AS vehicle_count FROM etc_flow_minute WHERE CLEAN_KKMC IN (?) GROUP BY CLEAN_KKMC, minute_start', [cps]);
    const gotFlow = new Map((fm as { CLEAN_KKMC: string; minute_start: string; vehicle_count: number | string }[]).map((r) => [`${r.CLEAN_KKMC}\u0000${r.minute_start}`, Number(r.vehicle_count)]));
    expect(gotFlow).toEqual(ref);
    const perCp = new Map<string, number>();
    for (const r of sent) perCp.set(r.passage.checkpoint, (perCp.get(r.passage.checkpoint) ?? 0) + 1);
    const [pc] = await db.query('SELECT CLEAN_KKMC, COUNT(*) AS n FROM etc_passage WHERE CLEAN_KKMC IN (?) GROUP BY CLEAN_KKMC', [cps]);
    expect(new Map((pc as { CLEAN_KKMC: string; n: number }[]).map((r) => [r.CLEAN_KKMC, Number(r.n)]))).toEqual(perCp);

    // Redis: the dashboard's per-minute hashes and total, under the test namespace.
    const byMinute = new Map<number, Map<string, number>>();
    for (const { passage: p } of sent) {
      const m = Math.floor(p.eventTime / 60_000) * 60_000;
      const h = byMinute.get(m) ?? new Map<string, number>();
      h.set(p.checkpoint, (h.get(p.checkpoint) ?? 0) + 1);
      byMinute.set(m, h);
    }
    const pipe = redis.pipeline();
    const minutes = [...byMinute.keys()];
    for (const m of minutes) pipe.hgetall(namespacedKey(flowMinuteKey(m), NS));
    const replies = (await pipe.exec())!;
    minutes.forEach((m, i) => {
      const got = replies[i]![1] as Record<string, string>;
      expect(new Map(Object.entries(got).map(([k, v]) => [k, Number(v)])), `minute ${m}`).toEqual(byMinute.get(m));
    });
    expect(Number(await redis.get(namespacedKey(KEYS.total, NS)))).toBe(n);

    // HBase: each row once in both tables.
    const keysOf = async (t: string) => (await hb.scan(t, { filter: 'FirstKeyOnlyFilter() AND KeyOnlyFilter()' })).map((r) => r.row.toString('utf8'));
    const mainKeys = await keysOf(TABLES.main);
    expect(mainKeys).toHaveLength(n);
    expect(new Set(mainKeys)).toEqual(new Set(sent.map((r) => mainRowKey(r.passage))));
    expect(await keysOf(TABLES.index)).toHaveLength(n);
  }, 420_000);
});
