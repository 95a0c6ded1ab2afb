// Clone detection for one Kafka partition, restartable. Records are keyed by plate, so a plate's passages
// all land in one partition and one detector per partition sees everything a rule needs.
//
// What a restart must rebuild is the detector's state at the stored offset: the passages it still held and
// its clock. Both go into MySQL with the offset (DetectorMark): `warmOffset` is the lowest offset of a
// passage that may still be held, `maxEventMs` the clock. Re-reading from warmOffset with the clock
// restored holds exactly the live passages again; records below the stored offset only warm the state,
// their alerts were written the first time.
import { CloneDetector, type CloneAlert, type CloneInput, type CloneRule, type DetectorOptions } from './clone-detector.ts';

export interface DetectorMark {
  warmOffset: number;
  maxEventMs: number | null;
}

export class PartitionClones {
  readonly detector: CloneDetector;
  /** (offset, event time) of observed passages in offset order; the dead prefix is dropped as the clock moves. */
  private readonly seen: Array<[number, number]> = [];
  private head = 0;

  constructor(
    private readonly rule: CloneRule,
    opts: DetectorOptions = {},
    restoredClock: number | null = null,
  ) {
    this.detector = new CloneDetector(rule, opts);
    if (restoredClock !== null) this.detector.restoreClock(restoredClock);
  }

  /** Alerts raised by this passage (records must come in offset order). */
  observe(offset: number, p: CloneInput): CloneAlert[] {
    this.seen.push([offset, p.eventTime]);
    return this.detector.observe(p);
  }

  /** To store with `nextOffset`: where a rebuild starts reading and the clock it restores. */
  mark(nextOffset: number): DetectorMark {
    const wm = this.detector.stats().watermark;
    // A passage at t is held while t + horizon > watermark; the first live one in offset order bounds
    // every live one (dead ones behind it are merely re-read and dropped again).
    while (this.head < this.seen.length && this.seen[this.head]![1] + this.rule.horizonMs <= wm) this.head++;
    if (this.head > 4096 && this.head * 2 > this.seen.length) {
      this.seen.splice(0, this.head);
      this.head = 0;
    }
    return { warmOffset: this.head < this.seen.length ? this.seen[this.head]![0] : nextOffset, maxEventMs: this.detector.clock() };
  }
}
