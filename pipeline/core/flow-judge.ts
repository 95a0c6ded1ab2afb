// The flow warner's memory: every judged minute's count per Kafka partition, and the warnings they gave.
//
// A minute is first judged once every partition's clock is `flowFinalMs` past it. A passage that arrives
// later (an export replayed in file order sends rows days late) changes a judged minute's count; the
// warnings of that checkpoint are then judged again from its first minute with a fresh baseline, so the
// result is the same as judging the complete data once, whatever the arrival order. Pure: the warner
// (pipeline/service/warner.ts) reads rows from MySQL and writes what this returns.
import type { FlowDetector, FlowWarning } from './flow-warning.ts';
import { MINUTE_MS } from './window.ts';

/** One row of etc_flow_minute: a checkpoint-minute's passages from one partition (an absolute count). */
export interface PartitionMinuteCount {
  checkpoint: string;
  minute: number;
  partition: number;
  count: number;
}

/** What to store for one checkpoint: its warnings before `to` replace every stored one (`replace`), or are added after `from`. */
export type WarningChange =
  | { checkpoint: string; kind: 'replace'; to: number; warnings: FlowWarning[] }
  | { checkpoint: string; kind: 'append'; from: number; to: number; warnings: FlowWarning[] };

interface Checkpoint {
  /** minute → count per partition. */
  minutes: Map<number, number[]>;
  first: number;
  detector: FlowDetector | null;
  warnings: FlowWarning[];
  /** A judged minute changed (or the checkpoint is new below `judgedTo`): judge it again from its first minute. */
  dirty: boolean;
}

export class FlowJudge {
  private readonly cps = new Map<string, Checkpoint>();
  /** Minutes before this are judged; null until the first `advance`. */
  judgedTo: number | null = null;
  /** Checkpoints judged again because a late passage changed one of their judged minutes. */
  rejudged = 0;

  constructor(private readonly detector: () => FlowDetector) {}

  /** Takes rows as MySQL holds them now; a changed count of a judged minute marks its checkpoint. */
  update(rows: Iterable<PartitionMinuteCount>): void {
    for (const r of rows) {
      let cp = this.cps.get(r.checkpoint);
      if (!cp) {
        cp = { minutes: new Map(), first: r.minute, detector: null, warnings: [], dirty: false };
        this.cps.set(r.checkpoint, cp);
      }
      let counts = cp.minutes.get(r.minute);
      if (!counts) cp.minutes.set(r.minute, (counts = []));
      if ((counts[r.partition] ?? 0) === r.count) continue;
      counts[r.partition] = r.count;
      if (r.minute < cp.first) cp.first = r.minute;
      if (this.judgedTo !== null && r.minute < this.judgedTo) cp.dirty = true;
    }
  }

  /** Judges every minute before `to` (at least what is judged already); says what the stored warnings must become. */
  advance(to: number): WarningChange[] {
    const from = this.judgedTo;
    const until = Math.max(to, from ?? to);
    const out: WarningChange[] = [];
    for (const name of [...this.cps.keys()].sort()) {
      const cp = this.cps.get(name)!;
      if (from === null || cp.dirty || cp.detector === null) {
        const wasDirty = cp.dirty;
        if (wasDirty) this.rejudged++;
        cp.detector = this.detector();
        cp.warnings = this.judge(name, cp, cp.first, until);
        cp.dirty = false;
        // Dirty: its stored warnings may be wrong now, including ones that no longer hold.
        if (from === null || wasDirty || cp.warnings.length > 0) out.push({ checkpoint: name, kind: 'replace', to: until, warnings: cp.warnings });
        continue;
      }
      if (until <= from) continue;
      const added = this.judge(name, cp, Math.max(from, cp.first), until);
      cp.warnings.push(...added);
      if (added.length) out.push({ checkpoint: name, kind: 'append', from, to: until, warnings: added });
    }
    this.judgedTo = until;
    return out;
  }

  /** Every checkpoint's warnings, by minute then checkpoint. */
  warnings(): FlowWarning[] {
    return [...this.cps.values()].flatMap((c) => c.warnings).sort((a, b) => a.minute - b.minute || (a.checkpoint < b.checkpoint ? -1 : 1));
  }

  /** Zero-count minutes included (a silent checkpoint is what a "far below" warning is about). */
  private judge(name: string, cp: Checkpoint, from: number, to: number): FlowWarning[] {
    const out: FlowWarning[] = [];
    for (let minute = from; minute < to; minute += MINUTE_MS) {
      const counts = cp.minutes.get(minute);
      let n = 0;
      if (counts) for (const c of counts) n += c ?? 0;
      const w = cp.detector!.observe(name, minute, n);
      if (w) out.push(w);
    }
    return out;
  }
}
