// Real exports in real time, on the lab:
// - latency at the user's pace: rows replayed at 50/s for over two minutes, each row's time from its
//   produce to visible in Redis (the dashboard's per-partition applied offset) and in MySQL (the offset
//   committed with its rows): p50 / p95 / max;
// - the multi-day table of sorted runs (2024-01-08 … 01-12) replayed in file order: the clone detector's
//   state at the end (what a week's bound holds) and how long the warner took to settle;
// - the month-long table (ten December files) replayed in event-time order: the replay's peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { runReplay, DEFAULT_TOPIC } from '../pipeline/replay/run.ts';
import { kafkaSink } from '../pipeline/replay/sink.ts';
import { offsetKey } from '../pipeline/core/redis-keys.ts';
import { storeConfig } from '../pipeline/service/config.ts';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { buildResetPlan } from '../provision/reset/plan.ts';
import { runPlan } from '../provision/executors/direct/run.ts';
import { groupView } from '../provision/services/pipeline/probe.ts';
import { consumerStatusEndpoints } from '../provision/services/pipeline/endpoints.ts';
import { DEFAULT_GROUP } from '../pipeline/contract/index.ts';
import { waitCaughtUp, labWarnings, reference } from '../test/pipeline-results.ts';
import { kafkaPartition } from '../test/reference/etc-reference.ts';
import { buildRunTable, DECEMBER, MULTI_DAY } from '../test/fixtures/run-tables.ts';
import { openQueries } from '../ops/dashboard.ts';
import { quantiles } from './quantiles.ts';

const PARTITIONS = 3;

export async function benchEventTime(): Promise<Record<string, number | string>> {
  if (process.getuid?.() !== 0) throw new Error('needs root for the lab (sudo npm run bench)');
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  if (!inv.services.pipeline) throw new Error('no pipeline in the lab inventory (etclab lab up writes it)');
  const stores = await storeConfig(labInventoryPath());
  const resetPlan = buildResetPlan(inv);
  const reset = async () => {
    const r = await runPlan(inv, resetPlan, { log: () => {} });
    if (!r.ok) throw new Error(`reset failed: see ${r.runDir}`);
  };
  const dir = await mkdtemp(join(tmpdir(), 'etclab-bench-event-time-'));
  const out: Record<string, number | string> = {};
  try {
    // 1. Latency at 50 rows/s. The topic is new after the reset, so a row's offset is its rank in its partition.
    await reset();
    // Measured once every consumer owns its partition (the reset restarted them: a group still joining
    // would hold the first rows back by its rebalance, which is start-up, not the pipeline's latency).
    const joinedBy = Date.now() + 120_000;
    for (;;) {
      const v = await groupView(consumerStatusEndpoints(inv));
      if (v.consumers.every((c) => c.status?.state === 'consuming') && v.assigned.length === PARTITIONS) break;
      if (Date.now() > joinedBy) throw new Error('the pipeline group did not settle within 2 min after the reset');
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const redis = new Redis({ host: stores.redis.host, port: stores.redis.port, password: stores.redis.password });
    const db = await mysql.createConnection({ ...stores.mysql });
    const sentAt: Array<{ partition: number; offset: number; t: number }> = [];
    const next = new Array<number>(PARTITIONS).fill(0);
    const kafka = await kafkaSink({ brokers: stores.brokers, topic: DEFAULT_TOPIC, compression: 'none' });
    const sink = {
      async send(ms: Parameters<typeof kafka.send>[0]) {
        const t = Date.now();
        for (const m of ms) {
          const partition = kafkaPartition(m.key, PARTITIONS);
          sentAt.push({ partition, offset: next[partition]!++, t });
        }
        await kafka.send(ms);
      },
      close: () => kafka.close(),
    };
    const visible = { redis: new Map<string, number>(), mysql: new Map<string, number>() };
    // The course's "Kafka → screen < 10 s": the dashboard API's passage total, read as the page reads it.
    const queries = openQueries(inv);
    const apiSeen: number[] = [];
    let polling = true;
    const seen = { redis: new Array<number>(PARTITIONS).fill(0), mysql: new Array<number>(PARTITIONS).fill(0) };
    const mark = (store: 'redis' | 'mysql', partition: number, upTo: number, t: number) => {
      for (let o = seen[store][partition]!; o < upTo; o++) visible[store].set(`${partition}:${o}`, t);
      seen[store][partition] = Math.max(seen[store][partition]!, upTo);
    };
    const poller = (async () => {
      while (polling) {
        const t = Date.now();
        const r = await redis.hgetall(offsetKey(DEFAULT_TOPIC));
        for (const [p, o] of Object.entries(r)) mark('redis', Number(p), Number(o), t);
        const [rows] = await db.query('SELECT kafka_partition, next_offset FROM etc_offsets WHERE consumer_group = ? AND topic = ?', [DEFAULT_GROUP, DEFAULT_TOPIC]);
        for (const x of rows as Array<{ kafka_partition: number; next_offset: string | number }>) mark('mysql', Number(x.kafka_partition), Number(x.next_offset), t);
        const ov = await queries.call('/api/dashboard/overview');
        const total = ov.status === 200 ? (ov.body as { total: number }).total : 0;
        while (apiSeen.length < total) apiSeen.push(t);
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const paced = await runReplay({ sink, rate: 50, max: 6500, stateFile: join(dir, 'paced.json'), quarantineDir: join(dir, 'q-paced') });
    const drainUntil = Date.now() + 60_000;
    while (Date.now() < drainUntil && sentAt.some((s) => !visible.mysql.has(`${s.partition}:${s.offset}`) || !visible.redis.has(`${s.partition}:${s.offset}`))) await new Promise((r) => setTimeout(r, 200));
    const apiUntil = Date.now() + 30_000;
    while (Date.now() < apiUntil && apiSeen.length < sentAt.length) await new Promise((r) => setTimeout(r, 200));
    polling = false;
    await poller;
    await queries.close();
    // The k-th row sent is on the screen once the total the API reports reaches k (rows land in any order
    // across partitions, so this is the total's delay, which is what the big screen shows).
    const apiLat = sentAt.map((s, k) => (apiSeen[k] ?? Infinity) - s.t);
    const qa = quantiles(apiLat);
    out.rate50_dashboard_api_latency_ms = `p50 ${qa.p50} p95 ${qa.p95} max ${qa.max} (produce → /api/dashboard/overview total; course bound 10,000)`;
    redis.disconnect();
    await db.end();
    for (const store of ['redis', 'mysql'] as const) {
      const lat = sentAt.map((s) => (visible[store].get(`${s.partition}:${s.offset}`) ?? Infinity) - s.t);
      const q = quantiles(lat);
      out[`rate50_${store}_latency_ms`] = `p50 ${q.p50} p95 ${q.p95} max ${q.max} (${lat.filter(Number.isFinite).length}/${lat.length} rows, poll every 100 ms)`;
    }
    out.rate50_rows = paced.sent;
    out.rate50_seconds = paced.elapsedMs / 1000;

    // 2. The multi-day table in file order: detector state at the end, and when the warnings settled.
    await reset();
    const table = buildRunTable(MULTI_DAY, join(dir, 'multi-day.csv'));
    const ref = await reference([table.file]);
    const t0 = Date.now();
    const replay = await runReplay({ inputs: [table.file], order: 'file', brokers: stores.brokers, rate: 0, stateFile: join(dir, 'multi.json'), quarantineDir: join(dir, 'q-multi') });
    await waitCaughtUp(1_800_000);
    const caughtUp = (Date.now() - t0) / 1000;
    const want = JSON.stringify(ref.warnings);
    while (JSON.stringify(await labWarnings()) !== want && Date.now() - t0 < 600_000) await new Promise((r) => setTimeout(r, 1000));
    const view = await groupView(consumerStatusEndpoints(inv));
    const det = { passages: 0, bytes: 0, reordered: 0, late: 0 };
    for (const c of view.consumers) {
      const d = (c.status?.detector ?? {}) as { passages?: number; bytesEstimate?: number; reordered?: number; late?: number };
      det.passages += d.passages ?? 0;
      det.bytes += d.bytesEstimate ?? 0;
      det.reordered += d.reordered ?? 0;
      det.late += d.late ?? 0;
    }
    out.multi_day_file_order_rows = replay.sent;
    out.multi_day_file_order_end_to_end_s = caughtUp;
    out.multi_day_warnings_settled_s = (Date.now() - t0) / 1000;
    out.multi_day_detector_passages_held = det.passages;
    out.multi_day_detector_state_mib = det.bytes / 1048576;
    out.multi_day_reordered_within_bound = det.reordered;
    out.multi_day_late_beyond_bound = det.late;

    // 3. The month-long table through the CLI as a user runs it (its own process, so its own peak RSS).
    const month = buildRunTable(DECEMBER, join(dir, 'december.csv'));
    const r = spawnSync(process.execPath, ['bin/etclab.mjs', 'replay', month.file, '--max', '--json', '--topic', `bench_month_${Date.now()}`, '--state', join(dir, 'month.json'), '--quarantine', join(dir, 'q-month')], { encoding: 'utf8', timeout: 900_000 });
    if (r.status !== 0) throw new Error(`month-long replay failed: ${r.stderr.slice(-400)}`);
    const s = JSON.parse(r.stdout) as { sent: number; elapsedMs: number; peakRssMiB: number };
    out.month_time_order_rows = s.sent;
    out.month_time_order_events_per_s = s.sent / (s.elapsedMs / 1000);
    out.month_time_order_peak_rss_mib = s.peakRssMiB;
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
