// The flow warner: judges each checkpoint's per-minute count against its baseline once the minute is final
// (every partition's clock past it by the out-of-orderness bound), from the exactly-once counts in MySQL.
// Warnings and progress go to MySQL in one transaction and to Redis under a progress marker, so each
// warning is stored once; a restart rebuilds the baseline from the judged minutes and goes on from there.
import { finalBefore, judgeMinutes } from '../core/flow-closing.ts';
import type { FlowDetector } from '../core/flow-warning.ts';
import type { MysqlSink } from '../sinks/mysql.ts';
import type { RedisSink } from '../sinks/redis.ts';
import type { ConsumerStatus } from './status-server.ts';

export interface WarnerOptions {
  mysql: MysqlSink;
  redis: RedisSink;
  group: string;
  topic: string;
  /** The topic's partition count: a minute is final only once every partition has a clock. */
  partitions: number;
  outOfOrdernessMs: number;
  detector: () => FlowDetector;
  log: (line: string) => void;
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FlowWarner {
  private detector: FlowDetector;
  private firstSeen = new Map<string, number>();
  private progress: number | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private warnings = 0;
  private lastError: string | null = null;
  private state: 'starting' | 'judging' | 'stopping' = 'starting';
  private readonly started = Date.now();

  constructor(private readonly o: WarnerOptions) {
    this.detector = o.detector();
  }

  /** Rebuilds the baseline from MySQL (retrying while it is away), then judges every `intervalMs`. */
  start(): void {
    this.loop = (async () => {
      let failures = 0;
      while (!this.stopping) {
        try {
          if (this.state === 'starting') await this.rebuild();
          await this.tick();
          this.lastError = null;
          failures = 0;
        } catch (e) {
          this.lastError = (e as Error).message;
          failures++;
          this.o.log(`flow warner: ${this.lastError}; retrying`);
        }
        // A store that is away costs a rebuild per attempt (the whole judged history): back off up to a minute.
        const interval = this.o.intervalMs ?? 2000;
        const until = Date.now() + (failures ? Math.min(interval * 2 ** failures, 60_000) : interval);
        while (!this.stopping && Date.now() < until) await sleep(Math.min(500, until - Date.now()));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    await this.loop;
  }

  status(): ConsumerStatus {
    return {
      state: this.state === 'judging' ? 'consuming' : this.state,
      role: 'warner',
      topic: this.o.topic,
      group: this.o.group,
      partitions: [],
      records: 0,
      batches: 0,
      lag: 0,
      rate: 0,
      uptimeSec: Math.round((Date.now() - this.started) / 1000),
      lastError: this.lastError,
      warnings: this.warnings,
      closedUntil: this.progress,
    };
  }

  private get job(): string {
    return `flow:${this.o.group}:${this.o.topic}`;
  }

  private async rebuild(): Promise<void> {
    this.detector = this.o.detector();
    this.firstSeen = new Map();
    this.progress = await this.o.mysql.flowProgress(this.job);
    if (this.progress !== null) {
      // Same minutes, same order, same detector: the same baseline as before the restart.
      const rows = await this.o.mysql.flowMinutes(0, this.progress);
      judgeMinutes(this.detector, rows, 0, this.progress, this.firstSeen);
      this.o.log(`flow warner: baseline rebuilt from ${rows.length} minute counts before ${new Date(this.progress).toISOString()}`);
    }
    this.state = 'judging';
  }

  private async tick(): Promise<void> {
    const clocks = await this.o.mysql.partitionClocks(this.o.group, this.o.topic);
    const all = Array.from({ length: this.o.partitions }, (_, p) => clocks.get(p) ?? null);
    const to = finalBefore(all, this.o.outOfOrdernessMs);
    const from = this.progress ?? 0;
    if (to === null || to <= from) return;
    const rows = await this.o.mysql.flowMinutes(from, to);
    const firstSeen = new Map(this.firstSeen);
    const warnings = judgeMinutes(this.detector, rows, from, to, firstSeen);
    try {
      await this.o.redis.applyWarnings(warnings, to);
      await this.o.mysql.applyWarnings(this.job, this.progress, to, warnings);
    } catch (e) {
      // The detector already moved: start over from what MySQL says is judged.
      this.state = 'starting';
      throw e;
    }
    this.firstSeen = firstSeen;
    this.progress = to;
    this.warnings += warnings.length;
    if (warnings.length) this.o.log(`flow warner: minutes up to ${new Date(to).toISOString()}: ${warnings.length} warnings (${warnings.filter((w) => w.direction === 'high').length} high)`);
  }
}
