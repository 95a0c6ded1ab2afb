// Flow warnings: a checkpoint's per-minute count far above or below its baseline.
// Behind `FlowDetector` so a forecasting model (the user's CNN+LSTM idea) can replace the baseline.
import { BEIJING_OFFSET_MS } from './beijing-time.ts';

export interface FlowWarning {
  checkpoint: string;
  /** Epoch ms of the minute's start. */
  minute: number;
  count: number;
  direction: 'high' | 'low';
  /** Expected count for this minute. */
  baseline: number;
  /** The bound that was crossed (count > threshold for high, count < threshold for low). */
  threshold: number;
  /** Spread used for the bound. */
  sd: number;
}

export interface FlowDetector {
  /** Called once per checkpoint and closed minute, in minute order per checkpoint. */
  observe(checkpoint: string, minute: number, count: number): FlowWarning | null;
}

export interface EwmaOptions {
  /** Weight of the newest minute (0..1]: 0.1 ≈ a 10-minute memory. */
  alpha?: number;
  /** Warn beyond baseline ± k·sd. */
  k?: number;
  /** Minutes observed per checkpoint before it may warn. */
  warmup?: number;
  /** Floor of sd: with ~1 car a minute the EWMA variance alone can collapse to 0. */
  minSd?: number;
}

interface Ewma {
  mean: number;
  variance: number;
  n: number;
}

/**
 * EWMA of mean and variance per checkpoint. The spread is max(√variance, √mean, minSd): counts are
 * roughly Poisson, so √mean is the least spread a count can honestly have, and it keeps quiet
 * checkpoints from warning on every second car. The minute is compared with the baseline *before*
 * it updates it, so a spike is judged against the traffic that preceded it.
 */
export class EwmaFlowDetector implements FlowDetector {
  private readonly alpha: number;
  private readonly k: number;
  private readonly warmup: number;
  private readonly minSd: number;
  private readonly state = new Map<string, Ewma>();

  constructor(opts: EwmaOptions = {}) {
    this.alpha = opts.alpha ?? 0.1;
    this.k = opts.k ?? 4;
    this.warmup = opts.warmup ?? 30;
    this.minSd = opts.minSd ?? 1;
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${this.alpha}`);
    if (!(this.k > 0)) throw new RangeError(`k must be > 0, got ${this.k}`);
  }

  observe(checkpoint: string, minute: number, count: number): FlowWarning | null {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`${checkpoint}@${minute}: count must be a non-negative integer, got ${count}`);
    const s = this.state.get(checkpoint);
    if (!s) {
      this.state.set(checkpoint, { mean: count, variance: 0, n: 1 });
      return null;
    }
    let warning: FlowWarning | null = null;
    if (s.n >= this.warmup) {
      const sd = Math.max(Math.sqrt(s.variance), Math.sqrt(s.mean), this.minSd);
      const hi = s.mean + this.k * sd;
      const lo = s.mean - this.k * sd;
      if (count > hi) warning = { checkpoint, minute, count, direction: 'high', baseline: round2(s.mean), threshold: round2(hi), sd: round2(sd) };
      else if (count < lo) warning = { checkpoint, minute, count, direction: 'low', baseline: round2(s.mean), threshold: round2(lo), sd: round2(sd) };
    }
    const diff = count - s.mean;
    s.mean += this.alpha * diff;
    s.variance = (1 - this.alpha) * (s.variance + this.alpha * diff * diff);
    s.n++;
    return warning;
  }

  baseline(checkpoint: string): { mean: number; sd: number; n: number } | undefined {
    const s = this.state.get(checkpoint);
    return s && { mean: s.mean, sd: Math.sqrt(s.variance), n: s.n };
  }
}

export interface SeasonalOptions {
  /** Minutes of day per slot: the same slot on earlier days is the baseline. */
  slotMinutes?: number;
  /** Weight of the newest day per slot. */
  alpha?: number;
  k?: number;
  /** Days of history a slot needs before it may warn. */
  warmupDays?: number;
  minSd?: number;
}

const DAY_MS = 86_400_000;

/**
 * Same minute-of-day history: the baseline for 08:03 is what this checkpoint did in the 08:00–08:15
 * slot on earlier days (EWMA across observations of that slot). Catches "busy for a Tuesday morning"
 * which a 10-minute EWMA absorbs as the normal morning ramp.
 */
export class SeasonalFlowDetector implements FlowDetector {
  private readonly slotMs: number;
  private readonly alpha: number;
  private readonly k: number;
  private readonly warmupDays: number;
  private readonly minSd: number;
  // Minutes arrive in order per checkpoint, so counting day changes counts distinct days.
  private readonly state = new Map<string, Ewma & { lastDay: number; days: number }>();

  constructor(opts: SeasonalOptions = {}) {
    this.slotMs = (opts.slotMinutes ?? 15) * 60_000;
    this.alpha = opts.alpha ?? 0.05;
    this.k = opts.k ?? 4;
    this.warmupDays = opts.warmupDays ?? 3;
    this.minSd = opts.minSd ?? 1;
    if (!(this.slotMs > 0 && DAY_MS % this.slotMs === 0)) throw new RangeError(`slotMinutes must divide a day, got ${opts.slotMinutes}`);
  }

  observe(checkpoint: string, minute: number, count: number): FlowWarning | null {
    const local = minute + BEIJING_OFFSET_MS;
    const day = Math.floor(local / DAY_MS);
    const slot = Math.floor((local % DAY_MS) / this.slotMs);
    const key = `${checkpoint}\u0000${slot}`;
    const s = this.state.get(key);
    if (!s) {
      this.state.set(key, { mean: count, variance: 0, n: 1, lastDay: day, days: 1 });
      return null;
    }
    let warning: FlowWarning | null = null;
    const priorDays = s.days - (s.lastDay === day ? 1 : 0);
    if (priorDays >= this.warmupDays) {
      const sd = Math.max(Math.sqrt(s.variance), Math.sqrt(s.mean), this.minSd);
      const hi = s.mean + this.k * sd;
      const lo = s.mean - this.k * sd;
      if (count > hi) warning = { checkpoint, minute, count, direction: 'high', baseline: round2(s.mean), threshold: round2(hi), sd: round2(sd) };
      else if (count < lo) warning = { checkpoint, minute, count, direction: 'low', baseline: round2(s.mean), threshold: round2(lo), sd: round2(sd) };
    }
    const diff = count - s.mean;
    s.mean += this.alpha * diff;
    s.variance = (1 - this.alpha) * (s.variance + this.alpha * diff * diff);
    s.n++;
    if (s.lastDay !== day) {
      s.lastDay = day;
      s.days++;
    }
    return warning;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
