// The flow warner: judges each checkpoint's per-minute count against its baseline, from the exactly-once
// counts in MySQL. A minute is first judged once every partition's clock is `finalMs` past it; a passage
// that comes later and changes a judged minute makes the warner judge that checkpoint again from its first
// minute (core/flow-judge.ts), so the warnings equal a judgement of the complete data in any arrival order.
// Late changes are found by the time their count was written (etc_flow_minute.updated_ms), read back
// `CHANGE_MARGIN_MS` further than the last look so a slow transaction or a node clock a little behind is
// not missed. Warnings and progress go to MySQL in one transaction and to Redis as absolute values; a
// restart judges everything stored again and rewrites both.
import { finalBefore } from '../core/flow-closing.ts';
import { FlowJudge } from '../core/flow-judge.ts';
import type { FlowDetector } from '../core/flow-warning.ts';
import type { MysqlSink } from '../sinks/mysql.ts';
import type { RedisSink } from '../sinks/redis.ts';
import type { ConsumerStatus } from './status-server.ts';
import { inStore, messageOf, summarize, type ErrorSummary } from '../core/error-class.ts';

export const CHANGE_MARGIN_MS = 120_000;

export interface WarnerOptions {
  mysql: MysqlSink;
  redis: RedisSink;
  group: string;
  topic: string;
  /** The topic's partition count: a minute is judged only once every partition has a clock. */
  partitions: number;
  /** How far every partition's clock must be past a minute before it is first judged. */
  finalMs: number;
  detector: () => FlowDetector;
  log: (line: string) => void;
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FlowWarner {
  private judge: FlowJudge;
  private progress: number | null = null;
  /** Wall time (ms) from which the next look for late changes reads. */
  private changedSince = 0;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private warnings = 0;
  private lastError: ErrorSummary | null = null;
  private state: 'starting' | 'judging' | 'stopping' = 'starting';
  private readonly started = Date.now();

  constructor(private readonly o: WarnerOptions) {
    this.judge = new FlowJudge(o.detector);
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
          // The status endpoint answers anyone: the class and store there, the driver's text only in our log.
          this.lastError = summarize(e);
          failures++;
          this.o.log(`flow warner: ${messageOf(e)}; retrying`);
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
      rejudged: this.judge.rejudged,
      closedUntil: this.progress,
    };
  }

  private get job(): string {
    return `flow:${this.o.group}:${this.o.topic}`;
  }

  private async rebuild(): Promise<void> {
    this.judge = new FlowJudge(this.o.detector);
    this.changedSince = Date.now() - CHANGE_MARGIN_MS;
    this.progress = await inStore('mysql', this.o.mysql.flowProgress(this.job));
    if (this.progress !== null) {
      const rows = await inStore('mysql', this.o.mysql.flowRows(0, this.progress));
      this.judge.update(rows);
      this.o.log(`flow warner: ${rows.length} minute counts before ${new Date(this.progress).toISOString()} read back; judging them again`);
    }
    this.state = 'judging';
  }

  private async tick(): Promise<void> {
    const clocks = await inStore('mysql', this.o.mysql.partitionClocks(this.o.group, this.o.topic));
    const all = Array.from({ length: this.o.partitions }, (_, p) => clocks.get(p) ?? null);
    const final = finalBefore(all, this.o.finalMs);
    const from = this.progress ?? 0;
    const to = Math.max(from, final ?? from);
    const lookedAt = Date.now();
    if (this.judge.judgedTo !== null) this.judge.update(await inStore('mysql', this.o.mysql.changedFlowRows(this.changedSince, from)));
    if (to > from) this.judge.update(await inStore('mysql', this.o.mysql.flowRows(from, to)));
    const changes = this.judge.advance(to);
    this.changedSince = lookedAt - CHANGE_MARGIN_MS;
    // Nothing judged and nothing to correct (a first tick after a restart replaces every checkpoint it read back).
    if (changes.length === 0 && to === from) return;
    try {
      await inStore('redis', this.o.redis.applyWarnings(this.judge.warnings(), to));
      await inStore('mysql', this.o.mysql.applyWarnings(this.job, this.progress, to, changes));
    } catch (e) {
      // The judge already moved: start over from what MySQL holds.
      this.state = 'starting';
      throw e;
    }
    this.progress = to;
    this.warnings = this.judge.warnings().length;
    const added = changes.reduce((n, c) => n + c.warnings.length, 0);
    const again = changes.filter((c) => c.kind === 'replace').length;
    if (added || again) this.o.log(`flow warner: minutes up to ${new Date(to).toISOString()}: ${added} warnings written${again ? `, ${again} checkpoints judged again` : ''}; ${this.warnings} in all`);
  }
}
