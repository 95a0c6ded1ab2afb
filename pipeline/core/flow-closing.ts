// Which minutes are final, and judging them in order. A checkpoint's minute count is the sum over every
// partition (a checkpoint's passages are spread over all of them), so a minute is final only once every
// partition's event-time clock is past it by the out-of-orderness bound: no passage of it can still come.
import type { FlowDetector, FlowWarning } from './flow-warning.ts';
import { MINUTE_MS } from './window.ts';

/**
 * Start of the first minute not yet final, from each partition's clock (null: no passage yet). Null when
 * some partition has no clock: its first passage may still belong to any minute.
 */
export function finalBefore(clocks: Array<number | null>, outOfOrdernessMs: number): number | null {
  if (clocks.length === 0 || clocks.some((c) => c === null)) return null;
  const wm = Math.min(...(clocks as number[])) - outOfOrdernessMs;
  return Math.floor(wm / MINUTE_MS) * MINUTE_MS;
}

export interface MinuteCount {
  checkpoint: string;
  minute: number;
  count: number;
}

/**
 * Feeds the detector every minute in [from, to) of every checkpoint, zero-count minutes included (a
 * silent checkpoint is what a "far below" warning is about), starting at each checkpoint's first counted
 * minute. `firstSeen` carries that across calls and is updated. Deterministic: checkpoints in name order.
 */
export function judgeMinutes(detector: FlowDetector, counts: MinuteCount[], from: number, to: number, firstSeen: Map<string, number>): FlowWarning[] {
  const by = new Map<string, Map<number, number>>();
  for (const c of counts) {
    if (c.minute < from || c.minute >= to) continue;
    const m = by.get(c.checkpoint) ?? by.set(c.checkpoint, new Map()).get(c.checkpoint)!;
    m.set(c.minute, (m.get(c.minute) ?? 0) + c.count);
    const first = firstSeen.get(c.checkpoint);
    if (first === undefined || c.minute < first) firstSeen.set(c.checkpoint, c.minute);
  }
  const out: FlowWarning[] = [];
  for (const cp of [...firstSeen.keys()].sort()) {
    const start = Math.max(from, firstSeen.get(cp)!);
    const m = by.get(cp);
    for (let minute = start; minute < to; minute += MINUTE_MS) {
      const w = detector.observe(cp, minute, m?.get(minute) ?? 0);
      if (w) out.push(w);
    }
  }
  return out;
}
