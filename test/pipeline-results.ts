// What the pipeline should hold after a replay of the data set (the offline reference, computed from the
// CSVs with the same decoding and the same detector), and what it holds on the lab: MySQL through the
// proxy, Redis, HBase. Shared by the stack suite and the bench.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { fixedRule, referenceCloneAlerts } from '../pipeline/core/clone-detector.ts';
import { flowMinuteKey, KEYS } from '../pipeline/core/redis-keys.ts';
import { MAIN_TABLE, CHECKPOINT_INDEX_TABLE } from '../pipeline/core/rowkey.ts';
import { connect } from '../pipeline/hbase/client.ts';
import { expandInputs, DEFAULT_DATA_DIR } from '../pipeline/data/inputs.ts';
import { openEtcFile } from '../pipeline/data/reader.ts';
import { passageToMessage } from '../pipeline/data/record.ts';
import { decodeMessage } from '../pipeline/sinks/message.ts';
import { FLOW_MINUTES_SQL, flowCounts } from '../pipeline/sinks/proxy-sql.ts';
import type { Passage } from '../pipeline/core/passage.ts';
import { topicOffsets } from '../pipeline/kafka/topic-offsets.ts';

export const LAB = process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab';
const addr = (n: number) => `10.213.7.1${n}`;
const secret = (name: string) => readFileSync(path.join(LAB, 'secrets', name), 'utf8').trim();
export const PIPELINE_TOPIC = 'etc_traffic_data';
export const PIPELINE_GROUP = 'etc_pipeline';

export interface Reference {
  total: number;
  /** "checkpoint\0YYYY-MM-DD HH:mm:00" → count (MySQL's etc_flow_minute). */
  flow: Map<string, number>;
  /** Minutes (epoch ms) with traffic, for reading Redis's per-minute hashes. */
  minutes: number[];
  cloneIds: string[];
}

/** Every valid, first-seen passage of the data set, as the consumer decodes it. */
export async function referencePassages(dir = DEFAULT_DATA_DIR): Promise<Passage[]> {
  const seen = new Set<string>();
  const out: Passage[] = [];
  for (const f of await expandInputs([dir])) {
    for await (const ev of (await openEtcFile(f)).rows()) {
      if (ev.kind !== 'record' || seen.has(ev.record.GCXH)) continue;
      seen.add(ev.record.GCXH);
      out.push(decodeMessage(JSON.stringify(passageToMessage(ev.record)), 0, f).passage);
    }
  }
  return out;
}

export async function reference(dir = DEFAULT_DATA_DIR): Promise<Reference> {
  const passages = await referencePassages(dir);
  const flow = flowCounts(passages.map((passage) => ({ passage })));
  const minutes = [...new Set(passages.map((p) => Math.floor(p.eventTime / 60_000) * 60_000))].sort((a, b) => a - b);
  return { total: passages.length, flow, minutes, cloneIds: referenceCloneAlerts(passages, fixedRule()).map((a) => a.id).sort() };
}

export interface LabResults {
  mysqlRows: number;
  mysqlFlow: Map<string, number>;
  cloneIds: string[];
  flowWarnings: number;
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

export async function labResults(ref: Reference): Promise<LabResults> {
  const db = await appDb();
  const redis = new Redis({ host: addr(1), port: 6379, password: secret('redis_password') });
  const hb = await connect(addr(1), 8085, { timeoutMs: 120_000 });
  try {
    const [[{ n }]] = (await db.query('SELECT COUNT(*) AS n FROM etc_passage')) as unknown as [[{ n: number }]];
    const [fm] = await db.query(FLOW_MINUTES_SQL);
    const mysqlFlow = new Map((fm as Array<{ CLEAN_KKMC: string; minute_start: string; vehicle_count: number | string }>).map((r) => [`${r.CLEAN_KKMC}\u0000${r.minute_start}`, Number(r.vehicle_count)]));
    const [ca] = await db.query('SELECT alert_id FROM etc_clone_alert');
    const [[{ w }]] = (await db.query('SELECT COUNT(*) AS w FROM etc_flow_warning')) as unknown as [[{ w: number }]];
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
      cloneIds: (ca as Array<{ alert_id: string }>).map((r) => r.alert_id).sort(),
      flowWarnings: Number(w),
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
