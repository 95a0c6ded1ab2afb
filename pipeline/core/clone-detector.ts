/**
 * Clone-plate (套牌车) detection: the same plate at two different checkpoints closer in time than a
 * vehicle can travel between them.
 *
 * Definition (shared by the streaming detector and the offline reference): every pair of passages
 * (a, b) of one plate with a.checkpoint ≠ b.checkpoint and |a.t − b.t| < threshold(a.cp, b.cp) is one
 * alert. Pairs rather than "compare with the previous passage" (the user's Flink job): a pair set does
 * not depend on arrival order, so an out-of-order stream finds exactly what a sorted batch finds,
 * and alerts can fire as soon as the second passage arrives instead of waiting for the watermark.
 *
 * Rule A: the user's fixed rule, threshold 10 min for every pair.
 * Rule B: a threshold per unordered checkpoint pair learned from the data (`learnPairThresholds`).
 *
 * Caveat the numbers must be read with: plates are masked (苏C08***), so one plate string stands for
 * many vehicles; most alerts on this data are different vehicles sharing a mask, not clones.
 */
import type { Passage } from './passage.ts';
import { DEFAULT_OUT_OF_ORDERNESS_MS, MINUTE_MS } from './window.ts';

export type CloneInput = Pick<Passage, 'gcxh' | 'plate' | 'checkpoint' | 'eventTime'>;

export const RULE_A_GAP_MS = 10 * MINUTE_MS;

export interface CloneRule {
  /** Goes into alert ids: 'A' or 'B'. */
  name: string;
  /** Minimum plausible travel time between two different checkpoints (ms). */
  thresholdMs(cpA: string, cpB: string): number;
  /** Largest threshold of any pair: how long a passage must be remembered. */
  horizonMs: number;
}

export function fixedRule(gapMs = RULE_A_GAP_MS, name = 'A'): CloneRule {
  if (!(gapMs > 0)) throw new RangeError(`rule ${name}: gap must be > 0 ms, got ${gapMs}`);
  return { name, thresholdMs: () => gapMs, horizonMs: gapMs };
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}

export interface LearnOptions {
  /** Quantile of observed transit times taken as the minimum plausible one. */
  quantile?: number;
  /** Never below this: collisions of masked plates put mass near 0 that is not travel. */
  floorMs?: number;
  /** Pairs with fewer observed transits fall back to rule A. */
  minSamples?: number;
  /** Transits longer than this are stops, not trips, and are ignored. */
  maxTransitMs?: number;
}

export interface PairThresholds {
  options: Required<LearnOptions>;
  /** pairKey → { thresholdMs, samples } */
  pairs: Map<string, { thresholdMs: number; samples: number }>;
}

/**
 * Transit = two consecutive passages of one plate (by event time) at different checkpoints within
 * maxTransitMs. The observed distribution per pair mixes real trips with masked-plate collisions
 * (different vehicles, any gap); a low quantile estimates where real trips start, and the floor keeps
 * collision mass near zero from pulling the threshold to nothing.
 */
export function learnPairThresholds(passages: Iterable<CloneInput>, opts: LearnOptions = {}): PairThresholds {
  const o: Required<LearnOptions> = {
    quantile: opts.quantile ?? 0.05,
    floorMs: opts.floorMs ?? 2 * MINUTE_MS,
    minSamples: opts.minSamples ?? 50,
    maxTransitMs: opts.maxTransitMs ?? 3 * 60 * MINUTE_MS,
  };
  if (!(o.quantile >= 0 && o.quantile <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${o.quantile}`);
  const samples = new Map<string, number[]>();
  for (const list of byPlateSorted(passages).values()) {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!, b = list[i]!;
      const gap = b.eventTime - a.eventTime;
      if (a.checkpoint === b.checkpoint || gap > o.maxTransitMs) continue;
      const k = pairKey(a.checkpoint, b.checkpoint);
      (samples.get(k) ?? samples.set(k, []).get(k)!).push(gap);
    }
  }
  const pairs = new Map<string, { thresholdMs: number; samples: number }>();
  for (const [k, v] of [...samples].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (v.length < o.minSamples) continue;
    v.sort((x, y) => x - y);
    const q = v[Math.floor(o.quantile * (v.length - 1))]!;
    pairs.set(k, { thresholdMs: Math.max(o.floorMs, q), samples: v.length });
  }
  return { options: o, pairs };
}

export function learnedRule(table: PairThresholds, fallbackMs = RULE_A_GAP_MS, name = 'B'): CloneRule {
  let horizon = fallbackMs;
  for (const { thresholdMs } of table.pairs.values()) horizon = Math.max(horizon, thresholdMs);
  return {
    name,
    thresholdMs: (a, b) => table.pairs.get(pairKey(a, b))?.thresholdMs ?? fallbackMs,
    horizonMs: horizon,
  };
}

export interface AlertSide {
  gcxh: string;
  checkpoint: string;
  eventTime: number;
}

export interface CloneAlert {
  /** Stable across runs and replays: the sinks dedupe on it (Redis HSET, MySQL primary key). */
  id: string;
  rule: string;
  plate: string;
  /** The earlier passage (ties broken by GCXH). */
  first: AlertSide;
  second: AlertSide;
  gapMs: number;
  thresholdMs: number;
}

function before(a: CloneInput, b: CloneInput): boolean {
  return a.eventTime < b.eventTime || (a.eventTime === b.eventTime && a.gcxh < b.gcxh);
}

function makeAlert(rule: CloneRule, x: CloneInput, y: CloneInput, thresholdMs: number): CloneAlert {
  const [a, b] = before(x, y) ? [x, y] : [y, x];
  return {
    id: `clone:${rule.name}:${a.gcxh}:${b.gcxh}`,
    rule: rule.name,
    plate: a.plate,
    first: { gcxh: a.gcxh, checkpoint: a.checkpoint, eventTime: a.eventTime },
    second: { gcxh: b.gcxh, checkpoint: b.checkpoint, eventTime: b.eventTime },
    gapMs: b.eventTime - a.eventTime,
    thresholdMs,
  };
}

function byPlateSorted(passages: Iterable<CloneInput>): Map<string, CloneInput[]> {
  const m = new Map<string, CloneInput[]>();
  const seen = new Set<string>();
  for (const p of passages) {
    if (seen.has(p.gcxh)) continue;
    seen.add(p.gcxh);
    (m.get(p.plate) ?? m.set(p.plate, []).get(p.plate)!).push(p);
  }
  for (const list of m.values()) list.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return m;
}

/** Offline reference: group by plate, sort by time, compare each passage with those within the horizon. */
export function referenceCloneAlerts(passages: Iterable<CloneInput>, rule: CloneRule): CloneAlert[] {
  const out: CloneAlert[] = [];
  for (const list of byPlateSorted(passages).values()) {
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      for (let j = i + 1; j < list.length && list[j]!.eventTime - a.eventTime < rule.horizonMs; j++) {
        const b = list[j]!;
        if (a.checkpoint === b.checkpoint) continue;
        const th = rule.thresholdMs(a.checkpoint, b.checkpoint);
        if (b.eventTime - a.eventTime < th) out.push(makeAlert(rule, a, b, th));
      }
    }
  }
  return out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

export interface DetectorOptions {
  /** Watermark = max event time − this. Events older than the watermark are late. */
  outOfOrdernessMs?: number;
}

export interface DetectorStats {
  watermark: number;
  /** Plates with at least one passage held. */
  plates: number;
  /** Passages held. */
  passages: number;
  /** Rough V8 heap held by the state (see STATE_BYTES_*). */
  bytesEstimate: number;
  events: number;
  /** Arrived after a later passage, within the bound: held and paired exactly like an in-order one. */
  reordered: number;
  /** Older than the watermark (beyond the bound): paired only with what is still held; a pair whose partner expired is missed. */
  late: number;
  duplicates: number;
  alerts: number;
}

// Measured order of magnitude for V8 (object header + fields + an 18-char GCXH string; checkpoint and
// plate strings are shared with the input): a held passage ≈ 120 B, a plate entry ≈ 150 B (Map slot,
// array, key string). Used for the state-size metric, not for enforcement.
export const STATE_BYTES_PER_PASSAGE = 120;
export const STATE_BYTES_PER_PLATE = 150;

interface Held {
  gcxh: string;
  checkpoint: string;
  eventTime: number;
}

/**
 * Streaming detector, keyed by plate like the Flink job (keyBy(plate) + keyed state + event-time
 * timers). A held passage can only pair with a future non-late passage x (x.t ≥ watermark) if
 * t + horizon > watermark, so it is dropped once the watermark passes t + horizon: memory holds
 * about (horizon + out-of-orderness) of traffic, whatever the stream length.
 *
 * Late passages (t < watermark) are still compared with what is held (any pair found is genuine)
 * and counted in stats().late; a pair whose partner already expired is missed. With disorder within
 * the bound there are no late passages and the alerts equal `referenceCloneAlerts`.
 * A passage whose GCXH is already held is a redelivery and raises nothing.
 */
export class CloneDetector {
  private readonly ooo: number;
  get outOfOrdernessMs(): number { return this.ooo; }
  private maxTs = Number.NEGATIVE_INFINITY;
  private wm = Number.NEGATIVE_INFINITY;
  private readonly state = new Map<string, Held[]>();
  /** Expiry buckets: minute index of (t + horizon) → plates to prune then. */
  private readonly buckets = new Map<number, Set<string>>();
  private readonly bucketKeys: number[] = [];
  private held = 0;
  private events = 0;
  private reordered = 0;
  private late = 0;
  private duplicates = 0;
  private alerts = 0;

  constructor(
    readonly rule: CloneRule,
    opts: DetectorOptions = {},
  ) {
    this.ooo = opts.outOfOrdernessMs ?? DEFAULT_OUT_OF_ORDERNESS_MS;
    if (!(this.ooo >= 0)) throw new RangeError(`outOfOrdernessMs must be ≥ 0, got ${this.ooo}`);
  }

  observe(p: CloneInput): CloneAlert[] {
    this.events++;
    const list = this.state.get(p.plate);
    const out: CloneAlert[] = [];
    if (list) {
      for (const h of list) {
        if (h.gcxh === p.gcxh) {
          this.duplicates++;
          return [];
        }
      }
      for (const h of list) {
        if (h.checkpoint === p.checkpoint) continue;
        const th = this.rule.thresholdMs(h.checkpoint, p.checkpoint);
        if (Math.abs(h.eventTime - p.eventTime) < th) out.push(makeAlert(this.rule, { ...h, plate: p.plate }, p, th));
      }
    }
    if (p.eventTime < this.wm) this.late++;
    else if (p.eventTime < this.maxTs) this.reordered++;
    const expireAt = p.eventTime + this.rule.horizonMs;
    if (expireAt > this.wm) {
      const h: Held = { gcxh: p.gcxh, checkpoint: p.checkpoint, eventTime: p.eventTime };
      if (list) list.push(h);
      else this.state.set(p.plate, [h]);
      this.held++;
      const b = Math.floor(expireAt / MINUTE_MS);
      let set = this.buckets.get(b);
      if (!set) {
        set = new Set();
        this.buckets.set(b, set);
        insertSorted(this.bucketKeys, b);
      }
      set.add(p.plate);
    }
    if (p.eventTime > this.maxTs) {
      this.maxTs = p.eventTime;
      const wm = this.maxTs - this.ooo;
      if (wm > this.wm) {
        this.wm = wm;
        this.expire();
      }
    }
    if (out.length > 1) out.sort((x, y) => (x.id < y.id ? -1 : 1));
    this.alerts += out.length;
    return out;
  }

  /** Newest event time seen (the watermark is this minus the out-of-orderness), null before any event. */
  clock(): number | null {
    return Number.isFinite(this.maxTs) ? this.maxTs : null;
  }

  /**
   * Sets the clock of a detector being rebuilt after a restart to where the stored one was, so re-read
   * passages are held or dropped exactly as the first time. Only on a fresh detector.
   */
  restoreClock(maxTs: number): void {
    if (this.events > 0) throw new Error('restoreClock on a detector that has seen events');
    this.maxTs = maxTs;
    this.wm = maxTs - this.ooo;
  }

  stats(): DetectorStats {
    return {
      watermark: this.wm,
      plates: this.state.size,
      passages: this.held,
      bytesEstimate: this.state.size * STATE_BYTES_PER_PLATE + this.held * STATE_BYTES_PER_PASSAGE,
      events: this.events,
      reordered: this.reordered,
      late: this.late,
      duplicates: this.duplicates,
      alerts: this.alerts,
    };
  }

  private expire(): void {
    const horizon = this.rule.horizonMs;
    // A bucket b holds expiries in [b, b+1) minutes; all of them are ≤ watermark once (b+1)·min ≤ wm.
    while (this.bucketKeys.length > 0 && (this.bucketKeys[0]! + 1) * MINUTE_MS <= this.wm) {
      const b = this.bucketKeys.shift()!;
      for (const plate of this.buckets.get(b)!) {
        const list = this.state.get(plate);
        if (!list) continue;
        const keep = list.filter((h) => h.eventTime + horizon > this.wm);
        this.held -= list.length - keep.length;
        if (keep.length === 0) this.state.delete(plate);
        else if (keep.length !== list.length) this.state.set(plate, keep);
      }
      this.buckets.delete(b);
    }
  }
}

function insertSorted(arr: number[], v: number): void {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  arr.splice(lo, 0, v);
}
