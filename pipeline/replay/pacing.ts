/**
 * Pure pacing: given "now", say when the next message may go. No timers here, so tests drive a fake clock.
 */

/** Token bucket in virtual-scheduling form: `rate` per second, up to `burst` at once after idling. */
export class TokenBucket {
  private nextFree = -Infinity;
  private readonly interval: number;
  constructor(readonly rate: number, readonly burst = 1) {
    if (!(rate > 0)) throw new Error(`rate must be > 0, got ${rate}`);
    if (!(burst >= 1)) throw new Error(`burst must be >= 1, got ${burst}`);
    this.interval = 1000 / rate;
  }
  /** Takes one token; returns the wall time (ms) at which it may be used (>= now). */
  reserve(now: number): number {
    this.nextFree = Math.max(this.nextFree, now - (this.burst - 1) * this.interval);
    const at = this.nextFree;
    this.nextFree += this.interval;
    return Math.max(at, now);
  }
}

/**
 * Replays event time at `speed`× wall time. A jump in event time longer than `maxIdleMs` of wall time
 * (missing days between files, a night with no traffic at high speed) is cut short instead of waited out.
 * Events earlier than the previous one are due immediately.
 */
export class EventTimeScheduler {
  private anchorEvent: number | undefined;
  private anchorWall = 0;
  private lastDue = -Infinity;
  constructor(readonly speed: number, readonly maxIdleMs = 10_000) {
    if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  }
  due(eventTime: number, now: number): number {
    if (this.anchorEvent === undefined) {
      this.anchorEvent = eventTime;
      this.anchorWall = now;
    }
    let due = this.anchorWall + (eventTime - this.anchorEvent) / this.speed;
    const base = Math.max(this.lastDue, now);
    if (due - base > this.maxIdleMs) {
      this.anchorEvent = eventTime;
      this.anchorWall = base + this.maxIdleMs;
      due = this.anchorWall;
    }
    due = Math.max(due, now);
    this.lastDue = Math.max(this.lastDue, due);
    return due;
  }
}

export interface PacerOptions {
  /** Rows per second; 0 or undefined means no rate cap. */
  rate?: number;
  /** Event-time multiple; undefined means event time does not pace. */
  speed?: number;
  burst?: number;
  maxIdleMs?: number;
}

/** Both limits at once: a message goes when the rate allows it and its event time has come. */
export class Pacer {
  private readonly bucket?: TokenBucket;
  private readonly scheduler?: EventTimeScheduler;
  constructor(o: PacerOptions) {
    if (o.rate) this.bucket = new TokenBucket(o.rate, o.burst ?? 1);
    if (o.speed) this.scheduler = new EventTimeScheduler(o.speed, o.maxIdleMs);
  }
  next(eventTime: number, now: number): number {
    const byEvent = this.scheduler ? this.scheduler.due(eventTime, now) : now;
    // Reserve the token at the event's due time so an idle wait does not bank a burst.
    return this.bucket ? this.bucket.reserve(byEvent) : byEvent;
  }
}

export interface Progress {
  sent: number;
  rejected: number;
  skipped: number;
  elapsedMs: number;
  /** Rows this run expects to send, if known. */
  total?: number;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatProgress(p: Progress): string {
  const rate = p.elapsedMs > 0 ? (p.sent * 1000) / p.elapsedMs : 0;
  const of = p.total !== undefined ? `/${p.total}` : '';
  const eta = p.total !== undefined && rate > 0 ? ` ETA ${duration(((p.total - p.sent) / rate) * 1000)}` : '';
  const skipped = p.skipped ? ` skipped ${p.skipped} (already sent)` : '';
  return `sent ${p.sent}${of} ${rate.toFixed(1)}/s${eta} rejected ${p.rejected}${skipped} elapsed ${duration(p.elapsedMs)}`;
}
