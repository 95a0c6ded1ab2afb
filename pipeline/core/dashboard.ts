/**
 * Dashboard state in Redis, derived from (partition, offset)-ordered batches so replays are harmless.
 *
 * Writer protocol (the ioredis adapter runs it; this module only decides):
 *   WATCH <offsetKey(topic)>
 *   applied = HGET <offsetKey(topic)> <partition>          (absent → nothing applied yet)
 *   plan = planDashboardBatch(batch, applied)
 *   if plan.commands is empty → UNWATCH, done
 *   MULTI, plan.commands…, EXEC                             (nil → someone else wrote: re-read, re-plan)
 * The counters and the partition's next offset change in one MULTI, so after any crash Redis holds
 * either both or neither; a redelivered batch finds its offsets already applied and is skipped.
 * Everything a record causes (its counts, the clone alerts raised while processing it) travels
 * with its offset, so skipping by offset also skips its alerts: the stream job is
 * deterministic given the input, so a replay re-derives exactly those outputs.
 */
import type { CloneAlert } from './clone-detector.ts';
import type { FlowWarning } from './flow-warning.ts';
import type { Passage } from './passage.ts';
import { DEFAULT_TTLS, KEYS, RECENT_ALERTS_KEEP, flowMinuteKey, offsetKey, type RedisTtls } from './redis-keys.ts';

export type RedisCommand = [string, ...string[]];

export interface BatchRecord {
  offset: number;
  passage: Passage;
  /** Clone alerts raised while processing this record. */
  alerts?: CloneAlert[];
}

export interface PartitionBatch {
  topic: string;
  partition: number;
  /** Ascending offsets (gaps allowed: transaction markers, compaction). */
  records: BatchRecord[];
}

export interface DashboardPlan {
  commands: RedisCommand[];
  /** Records new to Redis (offset ≥ applied). */
  applied: number;
  /** Records already applied before (replay). */
  skipped: number;
  /** What the offset hash holds for this partition after EXEC. */
  nextOffset: number | null;
}

export interface PlanOptions {
  ttls?: RedisTtls;
  recentKeep?: number;
}

export function checkBatch(batch: PartitionBatch): void {
  if (!Number.isInteger(batch.partition) || batch.partition < 0) throw new Error(`${batch.topic}: bad partition ${batch.partition}`);
  let prev = -1;
  for (const r of batch.records) {
    if (!Number.isSafeInteger(r.offset) || r.offset < 0) throw new Error(`${batch.topic}[${batch.partition}]: bad offset ${r.offset}`);
    if (r.offset <= prev) throw new Error(`${batch.topic}[${batch.partition}]: offsets not ascending (${prev} then ${r.offset})`);
    prev = r.offset;
  }
}

/** Stored value of the offset hash field → next offset to apply (null when never applied). */
export function parseAppliedOffset(v: string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new Error(`offset hash holds a non-offset value: ${JSON.stringify(v)}`);
  return n;
}

/** Canonical JSON: fixed key order so the same alert is the same ZSET member on every replay. */
export function alertMember(a: CloneAlert): string {
  return JSON.stringify({
    id: a.id,
    rule: a.rule,
    plate: a.plate,
    first: { gcxh: a.first.gcxh, checkpoint: a.first.checkpoint, eventTime: a.first.eventTime },
    second: { gcxh: a.second.gcxh, checkpoint: a.second.checkpoint, eventTime: a.second.eventTime },
    gapMs: a.gapMs,
    thresholdMs: a.thresholdMs,
  });
}

export function warningMember(w: FlowWarning): string {
  return JSON.stringify({
    checkpoint: w.checkpoint,
    minute: w.minute,
    count: w.count,
    direction: w.direction,
    baseline: w.baseline,
    threshold: w.threshold,
    sd: w.sd,
  });
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

const sortedEntries = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

export function planDashboardBatch(batch: PartitionBatch, appliedNextOffset: number | null, opts: PlanOptions = {}): DashboardPlan {
  checkBatch(batch);
  const ttls = opts.ttls ?? DEFAULT_TTLS;
  const keep = opts.recentKeep ?? RECENT_ALERTS_KEEP;
  const fresh = batch.records.filter((r) => appliedNextOffset === null || r.offset >= appliedNextOffset);
  const skipped = batch.records.length - fresh.length;
  if (fresh.length === 0) return { commands: [], applied: 0, skipped, nextOffset: appliedNextOffset };

  const boundary = new Map<string, number>();
  const county = new Map<string, number>();
  const vtype = new Map<string, number>();
  const rank = new Map<string, number>();
  const perMinute = new Map<number, Map<string, number>>();
  const alertCounts = new Map<string, number>();
  const clones: [number, string][] = [];
  let maxTs = Number.NEGATIVE_INFINITY;
  for (const r of fresh) {
    const p = r.passage;
    bump(boundary, p.boundaryLevel);
    bump(county, p.xzqhmc);
    bump(vtype, p.hpzlLabel);
    bump(rank, p.checkpoint);
    const minute = Math.floor(p.eventTime / 60_000) * 60_000;
    bump(perMinute.get(minute) ?? perMinute.set(minute, new Map()).get(minute)!, p.checkpoint);
    maxTs = Math.max(maxTs, p.eventTime);
    for (const a of r.alerts ?? []) {
      bump(alertCounts, `clone_${a.rule}`);
      clones.push([a.second.eventTime, alertMember(a)]);
    }
  }

  const cmds: RedisCommand[] = [['INCRBY', KEYS.total, String(fresh.length)]];
  for (const [key, m] of [[KEYS.boundary, boundary], [KEYS.county, county], [KEYS.vehicleType, vtype], [KEYS.alertCounts, alertCounts]] as const) {
    for (const [f, n] of sortedEntries(m)) cmds.push(['HINCRBY', key, f, String(n)]);
  }
  for (const [cp, n] of sortedEntries(rank)) cmds.push(['ZINCRBY', KEYS.checkpointRank, String(n), cp]);
  for (const minute of [...perMinute.keys()].sort((a, b) => a - b)) {
    const key = flowMinuteKey(minute);
    for (const [cp, n] of sortedEntries(perMinute.get(minute)!)) cmds.push(['HINCRBY', key, cp, String(n)]);
    // Relative TTL, not EXPIREAT(event time): replayed history (2023) would expire on arrival.
    cmds.push(['EXPIRE', key, String(ttls.flowMinuteSec)]);
  }
  cmds.push(...recentSetCommands(KEYS.cloneRecent, clones, keep));
  // GT (Redis ≥ 6.2): the dashboard clock only moves forward whatever partition lands last.
  cmds.push(['ZADD', KEYS.clock, 'GT', String(maxTs), 'event_time']);
  const nextOffset = fresh.at(-1)!.offset + 1;
  cmds.push(['HSET', offsetKey(batch.topic), String(batch.partition), String(nextOffset)]);
  return { commands: cmds, applied: fresh.length, skipped, nextOffset };
}

/** Adds scored members to a recent-items ZSET (in a stable order) and trims it to the newest `keep`. */
function recentSetCommands(key: string, members: Array<[number, string]>, keep: number): RedisCommand[] {
  if (members.length === 0) return [];
  members.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return [
    ['ZADD', key, ...members.flatMap(([s, m]) => [String(s), m])],
    ['ZREMRANGEBYRANK', key, '0', String(-(keep + 1))],
  ];
}

/**
 * The flow warner's MULTI body: the recent set and the counts by direction rebuilt from every current
 * warning (a checkpoint judged again can take warnings back), then its progress. Absolute, so repeatable.
 */
export function planWarningCommands(warnings: FlowWarning[], to: number, keep = RECENT_ALERTS_KEEP): RedisCommand[] {
  const newest = [...warnings].sort((a, b) => a.minute - b.minute || (a.checkpoint < b.checkpoint ? -1 : 1)).slice(-keep);
  const cmds: RedisCommand[] = [['DEL', KEYS.flowRecent]];
  cmds.push(...recentSetCommands(KEYS.flowRecent, newest.map((w) => [w.minute, warningMember(w)]), keep));
  const by = new Map<string, number>([['flow_high', 0], ['flow_low', 0]]);
  for (const w of warnings) bump(by, `flow_${w.direction}`);
  cmds.push(['HSET', KEYS.alertCounts, ...sortedEntries(by).flatMap(([f, n]) => [f, String(n)])]);
  cmds.push(['SET', KEYS.flowProgress, String(to)]);
  return cmds;
}

// ---- read side: what the console fetches every 30 s, and how it assembles the replies ----

export interface DashboardSnapshot {
  /** Newest event time applied (the dashboard's "now": the data is a replay of history). */
  clock: number | null;
  total: number;
  boundary: Record<string, number>;
  county: Record<string, number>;
  vehicleType: Record<string, number>;
  topCheckpoints: { checkpoint: string; count: number }[];
  /** Per minute (oldest first), per checkpoint. */
  flow: { minute: number; counts: Record<string, number> }[];
  alertCounts: Record<string, number>;
  recentClones: CloneAlert[];
  recentWarnings: FlowWarning[];
}

export function clockReadCommand(): RedisCommand {
  return ['ZSCORE', KEYS.clock, 'event_time'];
}

/** After reading the clock: the commands whose replies `assembleSnapshot` takes, in this order. */
export function snapshotReadCommands(clock: number | null, minutes = 60, top = 10, recent = 20): RedisCommand[] {
  const cmds: RedisCommand[] = [
    ['GET', KEYS.total],
    ['HGETALL', KEYS.boundary],
    ['HGETALL', KEYS.county],
    ['HGETALL', KEYS.vehicleType],
    ['ZREVRANGE', KEYS.checkpointRank, '0', String(top - 1), 'WITHSCORES'],
    ['HGETALL', KEYS.alertCounts],
    ['ZREVRANGE', KEYS.cloneRecent, '0', String(recent - 1)],
    ['ZREVRANGE', KEYS.flowRecent, '0', String(recent - 1)],
  ];
  for (const m of flowMinutes(clock, minutes)) cmds.push(['HGETALL', flowMinuteKey(m)]);
  return cmds;
}

function flowMinutes(clock: number | null, minutes: number): number[] {
  if (clock === null) return [];
  const last = Math.floor(clock / 60_000) * 60_000;
  return Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * 60_000);
}

type Reply = string | null | string[] | Record<string, string>;

function asHash(r: Reply): Record<string, number> {
  const out: Record<string, number> = {};
  if (r === null) return out;
  const entries: [string, string][] = Array.isArray(r) ? pairs(r) : typeof r === 'object' ? Object.entries(r) : [];
  for (const [k, v] of entries) out[k] = Number(v);
  return out;
}

function pairs(a: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push([a[i]!, a[i + 1]!]);
  return out;
}

/** Replies may be raw arrays (RESP) or objects (ioredis hgetall); both are accepted. */
export function assembleSnapshot(clockReply: string | null, replies: Reply[], minutes = 60): DashboardSnapshot {
  const clock = clockReply === null ? null : Number(clockReply);
  const [total, boundary, county, vtype, rank, counts, clones, flows, ...flow] = replies;
  const list = (r: Reply | undefined) => (Array.isArray(r) ? r : []);
  return {
    clock,
    total: total === null || total === undefined ? 0 : Number(total),
    boundary: asHash(boundary ?? null),
    county: asHash(county ?? null),
    vehicleType: asHash(vtype ?? null),
    topCheckpoints: pairs(list(rank)).map(([checkpoint, n]) => ({ checkpoint, count: Number(n) })),
    flow: flowMinutes(clock, minutes).map((minute, i) => ({ minute, counts: asHash(flow[i] ?? null) })),
    alertCounts: asHash(counts ?? null),
    recentClones: list(clones).map((s) => JSON.parse(s) as CloneAlert),
    recentWarnings: list(flows).map((s) => JSON.parse(s) as FlowWarning),
  };
}
