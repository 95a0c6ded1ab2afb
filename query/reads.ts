// Every read the big screen, the query page, the JSON API and `etclab query` make: HBase for passages
// (the two row-key designs of pipeline/core/rowkey.ts), the shards for counts, alerts and warnings (summed
// here, never by the proxy), Redis for the live dashboard keys. Pure shaping is in shape.ts.
import { CHECKPOINT_INDEX_TABLE, MAIN_TABLE, checkpointRange, plateScanPrefix } from '../pipeline/core/rowkey.ts';
import { KEYS, flowMinuteKey } from '../pipeline/core/redis-keys.ts';
import { beijingDate, beijingMidnight, formatBeijingTime } from '../pipeline/core/beijing-time.ts';
import { reading, type Stores } from './stores.ts';
import { bucketCounts, indexRowPassage, mainRowPassage, newestFirst, type Passage } from './shape.ts';

const MIN = 60_000;

/** A plate's most recent passages, newest first, ties in time by GCXH descending. */
export async function platePassages(stores: Stores, plate: string, limit: number): Promise<Passage[]> {
  const hb = await stores.hbase();
  return reading(stores, 'hbase', async () => {
    const rows: Passage[] = [];
    // Newest first by the reversed time in the key; rows of the same second sort by checkpoint there, so
    // the scan runs on past the limit while the time stays the same, and the tie is broken by GCXH.
    for await (const r of hb.scanRows(MAIN_TABLE, { prefix: plateScanPrefix(plate), batch: Math.min(limit + 10, 1000) })) {
      const p = mainRowPassage(r);
      if (rows.length >= limit && p.eventMs !== rows[rows.length - 1]!.eventMs) break;
      rows.push(p);
    }
    return newestFirst(rows).slice(0, limit);
  });
}

/** Passages at a checkpoint with from ≤ time < to, oldest first (the index table's order). */
export async function checkpointPassages(stores: Stores, checkpoint: string, from: number, to: number, limit: number): Promise<Passage[]> {
  const hb = await stores.hbase();
  const { startRow, stopRow } = checkpointRange(checkpoint, from, to);
  return reading(stores, 'hbase', async () => (await hb.scan(CHECKPOINT_INDEX_TABLE, { start: startRow, stop: stopRow, limit, batch: Math.min(limit, 2000) })).map(indexRowPassage));
}

/** Passages per step-minute bucket at a checkpoint (every bucket of the range, zeros included). */
export async function checkpointAggregate(stores: Stores, checkpoint: string, from: number, to: number, stepMin: number): Promise<Array<{ start: string; end: string; passages: number }>> {
  const rows = await stores.shards<{ minute_start: string; n: string | number }>(
    'SELECT minute_start, SUM(vehicle_count) AS n FROM etc_flow_minute WHERE CLEAN_KKMC = ? AND minute_start >= ? AND minute_start < ? GROUP BY minute_start',
    [checkpoint, formatBeijingTime(from), formatBeijingTime(to)],
  );
  return bucketCounts(rows.map((r) => ({ minute: r.minute_start, n: Number(r.n) })), from, to, stepMin);
}

export interface AlertFilter {
  rule?: string;
  checkpoint?: string;
  plate?: string;
  from?: number;
  to?: number;
  limit: number;
}

export interface CloneAlertRow {
  alert_id: string;
  rule: string;
  plate: string;
  first_checkpoint: string;
  first_time: string;
  first_gcxh: string;
  checkpoint: string;
  time: string;
  gcxh: string;
  gap_s: number;
  threshold_s: number;
}

/** Clone alerts, newest first, with their evidence: both passages, the gap and the rule's threshold. */
export async function cloneAlerts(stores: Stores, f: AlertFilter): Promise<CloneAlertRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.rule) where.push('rule_name = ?'), args.push(f.rule);
  if (f.checkpoint) where.push('(CLEAN_KKMC = ? OR first_kkmc = ?)'), args.push(f.checkpoint, f.checkpoint);
  if (f.plate) where.push('HPHM = ?'), args.push(f.plate);
  if (f.from !== undefined) where.push('event_ms >= ?'), args.push(f.from);
  if (f.to !== undefined) where.push('event_ms < ?'), args.push(f.to);
  const rows = await stores.shards<{ alert_id: string; rule_name: string; HPHM: string; CLEAN_KKMC: string; GCXH: string; event_ms: string; first_kkmc: string; first_gcxh: string; first_event_ms: string; gap_ms: string; threshold_ms: string }>(
    `SELECT alert_id, rule_name, HPHM, CLEAN_KKMC, GCXH, event_ms, first_kkmc, first_gcxh, first_event_ms, gap_ms, threshold_ms FROM etc_clone_alert${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY event_ms DESC, alert_id DESC LIMIT ?`,
    [...args, f.limit],
  );
  return rows
    .sort((a, b) => Number(b.event_ms) - Number(a.event_ms) || (a.alert_id < b.alert_id ? 1 : -1))
    .slice(0, f.limit)
    .map((r) => ({
      alert_id: r.alert_id, rule: r.rule_name, plate: r.HPHM,
      first_checkpoint: r.first_kkmc, first_time: formatBeijingTime(Number(r.first_event_ms)), first_gcxh: r.first_gcxh,
      checkpoint: r.CLEAN_KKMC, time: formatBeijingTime(Number(r.event_ms)), gcxh: r.GCXH,
      gap_s: Number(r.gap_ms) / 1000, threshold_s: Number(r.threshold_ms) / 1000,
    }));
}

export interface WarningRow {
  checkpoint: string;
  minute: string;
  direction: string;
  passages: number;
  baseline: number;
  bound: number;
  sd: number;
}

/** Flow warnings, newest minute first: the count and the baseline and bound it crossed. */
export async function flowWarnings(stores: Stores, f: { direction?: string; checkpoint?: string; from?: number; to?: number; limit: number }): Promise<WarningRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.direction) where.push('direction = ?'), args.push(f.direction);
  if (f.checkpoint) where.push('CLEAN_KKMC = ?'), args.push(f.checkpoint);
  if (f.from !== undefined) where.push('minute_start >= ?'), args.push(formatBeijingTime(f.from));
  if (f.to !== undefined) where.push('minute_start < ?'), args.push(formatBeijingTime(f.to));
  const rows = await stores.shards<{ CLEAN_KKMC: string; minute_start: string; direction: string; vehicle_count: number; baseline: number; threshold: number; sd: number }>(
    `SELECT CLEAN_KKMC, minute_start, direction, vehicle_count, baseline, threshold, sd FROM etc_flow_warning${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY minute_start DESC, CLEAN_KKMC LIMIT ?`,
    [...args, f.limit],
  );
  return rows
    .sort((a, b) => (a.minute_start < b.minute_start ? 1 : a.minute_start > b.minute_start ? -1 : a.CLEAN_KKMC < b.CLEAN_KKMC ? -1 : 1))
    .slice(0, f.limit)
    .map((r) => ({ checkpoint: r.CLEAN_KKMC, minute: r.minute_start, direction: r.direction, passages: Number(r.vehicle_count), baseline: Number(r.baseline), bound: Number(r.threshold), sd: Number(r.sd) }));
}

export interface Overview {
  /** Newest event time the pipeline applied (epoch ms and Beijing), null before any data. */
  eventTime: number | null;
  eventTimeText: string | null;
  total: number;
  /** The data's current day: the Beijing date of the newest passage, and its passages (summed over the shards). */
  day: { date: string; passages: number } | null;
  crossProvince: number;
  crossCity: number;
  alerts: { clone: number; flowHigh: number; flowLow: number };
  topCheckpoints: Array<{ checkpoint: string; passages: number }>;
}

export async function overview(stores: Stores): Promise<Overview> {
  const r = await stores.redis();
  const [total, boundary, alerts, top, clock] = await reading(stores, 'redis', () =>
    Promise.all([r.get(KEYS.total), r.hgetall(KEYS.boundary), r.hgetall(KEYS.alertCounts), r.zrevrange(KEYS.checkpointRank, 0, 9, 'WITHSCORES'), r.zscore(KEYS.clock, 'event_time')]),
  );
  const eventTime = clock === null ? null : Number(clock);
  let day: Overview['day'] = null;
  if (eventTime !== null) {
    const date = beijingDate(eventTime);
    const from = beijingMidnight(date);
    const rows = await stores.shards<{ n: string | number | null }>('SELECT SUM(vehicle_count) AS n FROM etc_flow_minute WHERE minute_start >= ? AND minute_start < ?', [formatBeijingTime(from), formatBeijingTime(from + 86_400_000)]);
    day = { date, passages: rows.reduce((n, x) => n + Number(x.n ?? 0), 0) };
  }
  const topCheckpoints: Overview['topCheckpoints'] = [];
  for (let i = 0; i < top.length; i += 2) topCheckpoints.push({ checkpoint: top[i]!, passages: Number(top[i + 1]) });
  const clone = Object.entries(alerts).filter(([k]) => k.startsWith('clone')).reduce((n, [, v]) => n + Number(v), 0);
  return {
    eventTime,
    eventTimeText: eventTime === null ? null : formatBeijingTime(eventTime),
    total: Number(total ?? 0),
    day,
    crossProvince: Number(boundary.PROVINCE ?? 0),
    crossCity: Number(boundary.CITY ?? 0),
    alerts: { clone, flowHigh: Number(alerts.flow_high ?? 0), flowLow: Number(alerts.flow_low ?? 0) },
    topCheckpoints,
  };
}

/** Passages per checkpoint per minute over the last `minutes` minutes of event time (Redis's minute hashes). */
export async function recentFlow(stores: Stores, minutes: number): Promise<{ minutes: string[]; checkpoints: Record<string, number[]> }> {
  const r = await stores.redis();
  const clock = await reading(stores, 'redis', () => r.zscore(KEYS.clock, 'event_time'));
  if (clock === null) return { minutes: [], checkpoints: {} };
  const last = Math.floor(Number(clock) / MIN) * MIN;
  const starts = Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * MIN);
  const pipe = r.pipeline();
  for (const m of starts) pipe.hgetall(flowMinuteKey(m));
  const res = (await reading(stores, 'redis', () => pipe.exec()))!;
  const checkpoints: Record<string, number[]> = {};
  res.forEach(([err, h], i) => {
    if (err) return;
    for (const [cp, n] of Object.entries(h as Record<string, string>)) (checkpoints[cp] ??= new Array(minutes).fill(0))[i] = Number(n);
  });
  return { minutes: starts.map((m) => formatBeijingTime(m).slice(11, 16)), checkpoints };
}

/** The newest clone alerts and flow warnings the pipeline keeps in Redis for the screen (ZSETs by event time). */
export async function recentAlerts(stores: Stores, n: number): Promise<{ clones: unknown[]; warnings: unknown[] }> {
  const r = await stores.redis();
  const [c, w] = await reading(stores, 'redis', () => Promise.all([r.zrevrange(KEYS.cloneRecent, 0, n - 1), r.zrevrange(KEYS.flowRecent, 0, n - 1)]));
  return { clones: c.map((m) => JSON.parse(m) as unknown), warnings: w.map((m) => JSON.parse(m) as unknown) };
}
