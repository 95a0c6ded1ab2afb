// What the pipeline should hold after a replay (the offline reference: test/reference, code of its own that
// imports nothing from the product), and what it holds on the lab: MySQL through the proxy, Redis, HBase.
// Shared by the stack suite and the bench.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { flowMinuteKey, KEYS } from '../pipeline/core/redis-keys.ts';
import { MAIN_TABLE, CHECKPOINT_INDEX_TABLE } from '../pipeline/core/rowkey.ts';
import { connect } from '../pipeline/hbase/client.ts';
import { FLOW_MINUTES_SQL } from '../pipeline/sinks/proxy-sql.ts';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';
import { clonePairs, flowCounts, flowWarnings, judgedUntil, readPassages, type RefWarning } from './reference/etc-reference.ts';
import { SHARED_ETC } from './fixtures/run-tables.ts';

export const LAB = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
const addr = (n: number) => `10.213.7.1${n}`;
const secret = (name: string) => readFileSync(path.join(LAB, 'secrets', name), 'utf8').trim();
export const PIPELINE_TOPIC = 'etc_traffic_data';
export const PIPELINE_GROUP = 'etc_pipeline';
/** The lab's topic has the brokers' default partition count. */
const PARTITIONS = 3;

export interface Reference {
  total: number;
  /** "checkpoint\0YYYY-MM-DD HH:mm:00" → count (MySQL's etc_flow_minute). */
  flow: Map<string, number>;
  /** Minutes (epoch ms) with traffic, for reading Redis's per-minute hashes. */
  minutes: number[];
  /** Clone pairs as "earlier GCXH|later GCXH", sorted. */
  clonePairs: string[];
  /** Flow warnings of every minute judged by the end (sorted by minute, then checkpoint). */
  warnings: RefWarning[];
}

/** The reference for these CSV files (default: every file of the shared data set, in name order). */
export async function reference(files?: string[]): Promise<Reference> {
  const { readdirSync } = await import('node:fs');
  const inputs = files ?? readdirSync(SHARED_ETC).filter((f) => f.endsWith('.csv')).sort().map((f) => path.join(SHARED_ETC, f));
  const passages = readPassages(inputs);
  const minutes = [...new Set(passages.map((p) => Math.floor(p.t / 60_000) * 60_000))].sort((a, b) => a - b);
  return {
    total: passages.length,
    flow: flowCounts(passages),
    minutes,
    clonePairs: clonePairs(passages),
    warnings: flowWarnings(passages, judgedUntil(passages, PARTITIONS)),
  };
}

export interface LabResults {
  mysqlRows: number;
  mysqlFlow: Map<string, number>;
  clonePairs: string[];
  /** etc_flow_warning, shaped and sorted like Reference.warnings. */
  warnings: RefWarning[];
  redisWarningCounts: { high: number; low: number };
  redisTotal: number;
  /** Same keying as Reference.flow, read from the per-minute hashes. */
  redisFlow: Map<string, number>;
  redisCloneCount: number;
  hbaseRows: number;
  hbaseIndexRows: number;
}

const appDb = () => mysql.createConnection({ host: addr(1), port: 8066, user: 'etc', password: secret('mysql_app_password'), database: 'etc', dateStrings: true });

/** Waits until the pipeline's stored offsets reach the end of the topic; returns the lag seen over time. */
export async function waitCaughtUp(timeoutMs: number, onLag?: (lag: number, elapsedMs: number) => void): Promise<Array<[number, number]>> {
  const kafka = new Kafka({ clientId: 'etclab-results', brokers: [1, 2, 3].map((n) => `${addr(n)}:9092`), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const db = await appDb();
  const t0 = Date.now();
  const series: Array<[number, number]> = [];
  try {
    for (;;) {
      const ends = await topicOffsets(admin, PIPELINE_TOPIC);
      const [rows] = await db.query('SELECT kafka_partition, next_offset FROM etc_offsets WHERE consumer_group = ? AND topic = ?', [PIPELINE_GROUP, PIPELINE_TOPIC]);
      const stored = new Map((rows as Array<{ kafka_partition: number; next_offset: string }>).map((r) => [Number(r.kafka_partition), Number(r.next_offset)]));
      const lag = ends.reduce((n, e) => n + Math.max(0, Number(e.high) - (stored.get(e.partition) ?? 0)), 0);
      const elapsed = Date.now() - t0;
      series.push([elapsed, lag]);
      onLag?.(lag, elapsed);
      if (lag === 0) return series;
      if (elapsed > timeoutMs) throw new Error(`pipeline still ${lag} records behind after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await db.end();
    await admin.disconnect();
  }
}

async function readWarnings(db: mysql.Connection): Promise<RefWarning[]> {
  const [fw] = await db.query('SELECT CLEAN_KKMC, minute_start, direction, vehicle_count, baseline, threshold FROM etc_flow_warning');
  return (fw as Array<{ CLEAN_KKMC: string; minute_start: string; direction: 'high' | 'low'; vehicle_count: number; baseline: string | number; threshold: string | number }>)
    .map((r) => ({ checkpoint: r.CLEAN_KKMC, minuteLabel: r.minute_start, direction: r.direction, count: Number(r.vehicle_count), baseline: Number(r.baseline), threshold: Number(r.threshold) }))
    .sort((a, b) => (a.minuteLabel < b.minuteLabel ? -1 : a.minuteLabel > b.minuteLabel ? 1 : a.checkpoint < b.checkpoint ? -1 : 1));
}

/** The flow warnings MySQL holds now (the warner works behind the consumers: tests poll this). */
export async function labWarnings(): Promise<RefWarning[]> {
  const db = await appDb();
  try {
    return await readWarnings(db);
  } finally {
    await db.end();
  }
}

export async function labResults(ref: Reference): Promise<LabResults> {
  const db = await appDb();
  const redis = new Redis({ host: addr(1), port: 6379, password: secret('redis_password') });
  const hb = await connect(addr(1), 8085, { timeoutMs: 120_000 });
  try {
    const [[{ n }]] = (await db.query('SELECT COUNT(*) AS n FROM etc_passage')) as unknown as [[{ n: number }]];
    const [fm] = await db.query(FLOW_MINUTES_SQL);
    const mysqlFlow = new Map((fm as Array<{ CLEAN_KKMC: string; minute_start: string; vehicle_count: number | string }>).map((r) => [`${r.CLEAN_KKMC}\u0000${r.minute_start}`, Number(r.vehicle_count)]));
    const [ca] = await db.query('SELECT first_gcxh, GCXH FROM etc_clone_alert');
    const warnings = await readWarnings(db);
    const counts = await redis.hgetall(KEYS.alertCounts);
    const redisFlow = new Map<string, number>();
    for (let i = 0; i < ref.minutes.length; i += 500) {
      const pipe = redis.pipeline();
      const part = ref.minutes.slice(i, i + 500);
      for (const m of part) pipe.hgetall(flowMinuteKey(m));
      const res = (await pipe.exec())!;
      part.forEach((m, j) => {
        const label = new Date(m + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
        for (const [cp, c] of Object.entries(res[j]![1] as Record<string, string>)) redisFlow.set(`${cp}\u0000${label}`, Number(c));
      });
    }
    const count = async (table: string) => {
      let rows = 0;
      for await (const _ of hb.scanRows(table, { batch: 5000, filter: 'FirstKeyOnlyFilter() AND KeyOnlyFilter()' })) rows++;
      return rows;
    };
    return {
      mysqlRows: Number(n),
      mysqlFlow,
      clonePairs: (ca as Array<{ first_gcxh: string; GCXH: string }>).map((r) => `${r.first_gcxh}|${r.GCXH}`).sort(),
      warnings,
      redisWarningCounts: { high: Number(counts.flow_high ?? 0), low: Number(counts.flow_low ?? 0) },
      redisTotal: Number((await redis.get(KEYS.total)) ?? 0),
      redisFlow,
      redisCloneCount: Number((await redis.hget(KEYS.alertCounts, 'clone_A')) ?? 0),
      hbaseRows: await count(MAIN_TABLE),
      hbaseIndexRows: await count(CHECKPOINT_INDEX_TABLE),
    };
  } finally {
    await db.end();
    redis.disconnect();
    hb.close();
  }
}
