// The MySQL sink against the real proxy on loopback (three MariaDB shards + ShardingSphere-Proxy): what a
// chunk leaves when its transaction completes, when any one of its statements outlives it (what the proxy
// does to a client killed mid-transaction, apache/shardingsphere#18684), and when the client is killed -9.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classify, MysqlSink, type MysqlEndpoint } from './mysql.ts';
import { advanceOffsetSql, claimOffsetSql, flowCounts, FLOW_MINUTES_SQL, planAlerts, planCounts, planPassages, type Sql } from './proxy-sql.ts';
import type { DecodedRecord } from './message.ts';
import { ensureSchema } from '../../provision/services/proxy/probe.ts';
import { TABLES } from '../contract/mysql-schema.ts';
import { loopbackSkipReason, PROXY_PORT, startLoopbackProxy, type LoopbackProxy } from '../../test/loopback-proxy.ts';
import { firstSeen, syntheticRecords } from '../../test/synthetic-passages.ts';

const skipReason = loopbackSkipReason();
const PASSWORD = `sink:p@ss-${process.pid}`;
const HOSTS = ['127.0.4.11', '127.0.4.12', '127.0.4.13'];
const GROUP = 'g';
const TOPIC = 't';
const REPO = new URL('../..', import.meta.url).pathname;
const IDLE_WRITE_TIMEOUT_SEC = 5;

describe.skipIf(skipReason !== '')(`MySQL sink through the proxy on loopback${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lb: LoopbackProxy;
  let ep: MysqlEndpoint;
  let sink: MysqlSink;

  beforeAll(async () => {
    // A short idle write timeout: each kill below may leave a transaction open with its locks on a shard.
    lb = await startLoopbackProxy(HOSTS, PASSWORD, { idleWriteTimeoutSec: IDLE_WRITE_TIMEOUT_SEC });
    const c = await lb.proxyConn();
    await ensureSchema(c).finally(() => c.end());
    ep = { host: HOSTS[0]!, port: PROXY_PORT, user: 'etc', password: PASSWORD, database: 'etc' };
    sink = MysqlSink.create(ep);
  }, 900_000);

  afterAll(async () => {
    await sink?.close();
    await lb?.stop();
  }, 120_000);

  beforeEach(async () => {
    const c = await lb.proxyConn();
    try {
      for (const t of TABLES) await c.query(`TRUNCATE TABLE ${t.name}`);
    } finally {
      await c.end();
    }
  });

  const apply = (records: DecodedRecord[], partition = 0) => sink.apply({ group: GROUP, topic: TOPIC, partition, records, nextOffset: records.at(-1)!.offset + 1 });

  /** Autocommit, one statement: what the proxy lets through of a transaction whose client vanished. */
  async function alone(s: Sql): Promise<number> {
    const c = await lb.proxyConn();
    try {
      const [r] = await c.query(s.sql, s.params);
      return (r as { affectedRows: number }).affectedRows;
    } finally {
      await c.end();
    }
  }

  /** Tables against the records of each partition: every first-seen row once, counted once, each alert once. */
  async function expectExactly(byPartition: Map<number, DecodedRecord[]>): Promise<void> {
    const all = [...byPartition.values()].flat();
    const rows = firstSeen(all);
    const c = await lb.proxyConn();
    try {
      const [p] = await c.query('SELECT GCXH, kafka_partition, kafka_offset FROM etc_passage ORDER BY GCXH');
      const want = [...byPartition].flatMap(([part, rs]) => firstSeen(rs).map((r) => ({ GCXH: r.passage.gcxh, kafka_partition: part, kafka_offset: r.offset })));
      expect(p).toEqual(want.sort((a, b) => (a.GCXH < b.GCXH ? -1 : 1)));
      const [fm] = await c.query(FLOW_MINUTES_SQL);
      const got = new Map((fm as Array<{ CLEAN_KKMC: string; minute_start: string; vehicle_count: number | string }>).map((r) => [`${r.CLEAN_KKMC}\u0000${r.minute_start}`, Number(r.vehicle_count)]));
      expect(got).toEqual(flowCounts(rows));
      const [al] = await c.query('SELECT alert_id FROM etc_clone_alert ORDER BY alert_id');
      expect((al as Array<{ alert_id: string }>).map((r) => r.alert_id)).toEqual(all.flatMap((r) => r.alerts ?? []).map((a) => a.id).sort());
      const [off] = await c.query('SELECT kafka_partition, next_offset, claim FROM etc_offsets WHERE consumer_group = ? AND topic = ? ORDER BY kafka_partition', [GROUP, TOPIC]);
      expect(off).toEqual([...byPartition].map(([part, rs]) => ({ kafka_partition: part, next_offset: rs.at(-1)!.offset + 1, claim: null })));
    } finally {
      await c.end();
    }
  }

  it('stores rows, per-partition counts that sum to the minute, alerts and offsets; a repeat changes nothing', async () => {
    const a = syntheticRecords(600, 'a');
    const b = syntheticRecords(400, 'b'); // another partition, same minutes and checkpoints
    const r1 = await apply(a.slice(0, 250));
    expect(r1).toMatchObject({ recovered: 0, skipped: 0 });
    await apply(b, 1);
    const r2 = await apply(a.slice(250));
    // Producer duplicates (every 97th record repeats a GCXH) are named and not counted.
    expect(r2.duplicates).toEqual(a.slice(250).filter((r) => r.offset % 97 === 96).map((r) => r.passage.gcxh));
    expect(await apply(a.slice(100, 300))).toEqual({ applied: 0, recovered: 0, skipped: 200, duplicates: [] });
    await expectExactly(new Map([[0, a], [1, b]]));
  });

  // Each statement of the chunk [100, 600) alone, then the redo in other chunk boundaries: the same end state.
  // `keep`: the chunk's new rows, as the interrupted transaction found them.
  const leaks: Array<[string, (chunk: DecodedRecord[], keep: DecodedRecord[]) => Sql[], number]> = [
    ['the claim of the offset', () => [claimOffsetSql(GROUP, TOPIC, 0, 100, 100, 'dead-token')], 1],
    ['the rows', (_, keep) => planPassages(keep, 0), 495],
    // As the interrupted transaction computed them: its own rows included, which were rolled back.
    ['the counts', (_, keep) => planCounts(0, flowCounts(keep)), -1],
    ['the clone alerts', (ch) => planAlerts(ch.flatMap((r) => r.alerts ?? [])), -1],
    ['the advance of the offset', () => [advanceOffsetSql(GROUP, TOPIC, 0, 'dead-token', 600)], 0],
  ];
  for (const [what, statements, affected] of leaks)
    it(`${what}, committed without its transaction, leaves nothing wrong once the chunk is redone`, async () => {
      const a = syntheticRecords(600);
      await apply(a.slice(0, 100));
      let n = 0;
      const chunk = a.slice(100);
      for (const s of statements(chunk, classify(chunk, 0, new Map()).keep)) n += await alone(s);
      if (affected >= 0) expect(n).toBe(affected);
      else expect(n).toBeGreaterThan(0);
      const r = await apply(a.slice(100, 350));
      if (what === 'the rows') expect(r.recovered).toBe(a.slice(100, 350).filter((x) => x.offset % 97 !== 96).length);
      await apply(a.slice(350));
      await expectExactly(new Map([[0, a]]));
    });

  it('a writer killed -9 mid-transaction, again and again: the redo leaves exactly the stream', async () => {
    const n = 6000;
    const a = syntheticRecords(n);
    const env = { ...process.env, ETCLAB_TEST_MYSQL: JSON.stringify({ ...ep, password: undefined }), ETCLAB_TEST_MYSQL_PASSWORD: PASSWORD };
    const kills: string[] = [];
    // Delays spread over a chunk's statements (claim, reads, 1 insert, recount, counts, alerts, advance, COMMIT).
    for (const delayMs of [15, 40, 70, 110, 160, 230]) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/mysql-apply-child.ts', String(n), '300', GROUP, TOPIC, '0'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child not ready in 30 s: ${out}`)), 30_000);
        child.stdout.on('data', () => out.includes('ready') && (clearTimeout(t), resolve()));
        void exited.then(() => (clearTimeout(t), reject(new Error(`child exited before ready: ${out}`))));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      expect(out).not.toContain('done'); // it must die mid-stream, or the test shows nothing
      // The restart: one chunk from the stored offset, waiting out whatever the dead writer still locks.
      const at = (await sink.storedOffsets(GROUP, TOPIC)).get(0) ?? 0;
      const t0 = Date.now();
      const r = await apply(a.slice(at, at + 300));
      kills.push(`${at} (redo ${((Date.now() - t0) / 1000).toFixed(1)} s${r.recovered ? `, ${r.recovered} rows the dead writer left` : ''})`);
    }
    const from = (await sink.storedOffsets(GROUP, TOPIC)).get(0) ?? 0;
    for (let i = from; i < n; i += 300) await apply(a.slice(i, i + 300));
    console.warn(`mysql sink: killed at stored offsets ${kills.join(', ')} of ${n}`);
    await expectExactly(new Map([[0, a]]));
  }, 240_000);
});
