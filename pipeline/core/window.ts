// Per-checkpoint per-minute passage counts on event time (GCSJ as Beijing time), with a watermark.
import type { Passage } from './passage.ts';

export const MINUTE_MS = 60_000;
export const DEFAULT_OUT_OF_ORDERNESS_MS = 5 * MINUTE_MS;

export interface WindowOptions {
  /** Watermark = max event time seen − this. A minute closes once the watermark passes its end. */
  outOfOrdernessMs?: number;
}

export interface MinuteCount {
  checkpoint: string;
  /** Epoch ms of the minute's start (UTC-aligned minutes are Beijing-aligned too: +8 h is whole minutes). */
  minute: number;
  count: number;
}

/** An event whose minute had already closed: not counted in the closed result, reported on its own. */
export interface LateEvent {
  checkpoint: string;
  minute: number;
  gcxh: string;
  eventTime: number;
  watermark: number;
}

export interface WindowStep {
  /** Minutes closed by this event's watermark advance, by minute then checkpoint. */
  closed: MinuteCount[];
  late: LateEvent | null;
}

export interface WindowStats {
  watermark: number;
  openMinutes: number;
  events: number;
  late: number;
  duplicates: number;
}

interface OpenMinute {
  counts: Map<string, number>;
  /** Redelivered records (same GCXH) inside an open minute are counted once. */
  seen: Set<string>;
}

/**
 * Deterministic: the output depends only on the input sequence (no clocks, sorted emission).
 *
 * Zero counts: when a minute closes and at least one checkpoint had traffic in it, every checkpoint
 * seen so far gets a row, zeros included, so a checkpoint going silent while the others are live
 * is visible to the flow detector. Minutes with no traffic anywhere (the exports miss whole hours and
 * days) produce nothing: that is missing data, not an empty road.
 */
export class MinuteWindow {
  private readonly ooo: number;
  private maxTs = Number.NEGATIVE_INFINITY;
  private wm = Number.NEGATIVE_INFINITY;
  private readonly open = new Map<number, OpenMinute>();
  /** Sorted keys of `open`: minutes close in order, from the front. */
  private readonly openKeys: number[] = [];
  private readonly checkpoints = new Set<string>();
  private sortedCheckpoints: string[] = [];
  private readonly lateCounts = new Map<string, number>();
  private events = 0;
  private lateTotal = 0;
  private duplicates = 0;

  constructor(opts: WindowOptions = {}) {
    this.ooo = opts.outOfOrdernessMs ?? DEFAULT_OUT_OF_ORDERNESS_MS;
    if (!(this.ooo >= 0)) throw new RangeError(`outOfOrdernessMs must be ≥ 0, got ${this.ooo}`);
  }

  watermark(): number {
    return this.wm;
  }

  observe(p: Pick<Passage, 'checkpoint' | 'eventTime' | 'gcxh'>): WindowStep {
    this.events++;
    if (!this.checkpoints.has(p.checkpoint)) {
      this.checkpoints.add(p.checkpoint);
      this.sortedCheckpoints = [...this.checkpoints].sort();
    }
    const minute = Math.floor(p.eventTime / MINUTE_MS) * MINUTE_MS;
    let late: LateEvent | null = null;
    if (minute + MINUTE_MS <= this.wm) {
      this.lateTotal++;
      const k = `${p.checkpoint}\u0000${minute}`;
      this.lateCounts.set(k, (this.lateCounts.get(k) ?? 0) + 1);
      late = { checkpoint: p.checkpoint, minute, gcxh: p.gcxh, eventTime: p.eventTime, watermark: this.wm };
    } else {
      let m = this.open.get(minute);
      if (!m) {
        m = { counts: new Map(), seen: new Set() };
        this.open.set(minute, m);
        insertSorted(this.openKeys, minute);
      }
      if (m.seen.has(p.gcxh)) {
        this.duplicates++;
      } else {
        m.seen.add(p.gcxh);
        m.counts.set(p.checkpoint, (m.counts.get(p.checkpoint) ?? 0) + 1);
      }
    }
    if (p.eventTime > this.maxTs) {
      this.maxTs = p.eventTime;
      this.wm = Math.max(this.wm, this.maxTs - this.ooo);
    }
    return { closed: this.closeUpTo(this.wm), late };
  }

  /** End of input: close every open minute. */
  flush(): MinuteCount[] {
    return this.closeUpTo(Number.POSITIVE_INFINITY);
  }

  /** Late events per checkpoint and minute (a correction feed for the sinks). */
  lateByMinute(): MinuteCount[] {
    return [...this.lateCounts]
      .map(([k, count]) => {
        const [checkpoint, minute] = k.split('\u0000') as [string, string];
        return { checkpoint, minute: Number(minute), count };
      })
      .sort((a, b) => a.minute - b.minute || cmp(a.checkpoint, b.checkpoint));
  }

  stats(): WindowStats {
    return { watermark: this.wm, openMinutes: this.open.size, events: this.events, late: this.lateTotal, duplicates: this.duplicates };
  }

  private closeUpTo(wm: number): MinuteCount[] {
    const out: MinuteCount[] = [];
    while (this.openKeys.length > 0 && this.openKeys[0]! + MINUTE_MS <= wm) {
      const minute = this.openKeys.shift()!;
      const m = this.open.get(minute)!;
      this.open.delete(minute);
      if (m.counts.size === 0) continue;
      for (const checkpoint of this.sortedCheckpoints) out.push({ checkpoint, minute, count: m.counts.get(checkpoint) ?? 0 });
    }
    return out;
  }
}

/** Whole-input reference: the counts a batch job would produce (no watermark, nothing late). */
export function referenceMinuteCounts(passages: Iterable<Pick<Passage, 'checkpoint' | 'eventTime' | 'gcxh'>>): Map<string, number> {
  const out = new Map<string, number>();
  const seen = new Set<string>();
  for (const p of passages) {
    if (seen.has(p.gcxh)) continue;
    seen.add(p.gcxh);
    const k = minuteKey(p.checkpoint, Math.floor(p.eventTime / MINUTE_MS) * MINUTE_MS);
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

export function minuteKey(checkpoint: string, minute: number): string {
  return `${checkpoint}@${minute}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
