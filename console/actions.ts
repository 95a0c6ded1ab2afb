// What the console can do to the cluster. The product implementation (cluster-actions.ts) runs the same plan
// and executor as `etclab start/stop/restart`; component tests pass their own objects.

export type ProgressLog = (line: string) => void;

export interface ActionOutcome {
  ok: boolean;
  /** Closing line(s): the same summary the CLI prints. */
  summary: string;
}

export interface ReplayOptions {
  /** CSV files (or directories) to replay into Kafka. */
  files: string[];
  /** Speed-up of event time: 1 = real time, 60 = one minute of data per second. 0 = as fast as possible. */
  pace: number;
}

export interface ReplayProgress {
  sent: number;
  total: number | null;
  eventsPerSec: number | null;
  /** Event time reached, for humans ("2023-12-09 00:14:02"). */
  /** One line for humans, as `etclab replay` prints it. */
  detail?: string;
}

/** A Flink job as the jobs view shows it (ops/flink.ts JobRow). */
export interface JobView {
  id: string;
  name: string;
  state: string;
  durationMs: number;
  parallelism: number | null;
  lastCheckpointAt: number | null;
  /** Recorded by `etclab flink run`, so `u` can submit it again. */
  resubmittable: boolean;
}

/** The jobs view (`f`): the JobManager's jobs and what can be done to one. */
export interface FlinkJobActions {
  jobs(): Promise<JobView[]>;
  cancel(id: string, log: ProgressLog): Promise<ActionOutcome>;
  /** Stop with a savepoint. */
  stop(id: string, log: ProgressLog): Promise<ActionOutcome>;
  /** Submit the recorded job again, fresh. */
  resubmit(id: string, log: ProgressLog): Promise<ActionOutcome>;
}

export interface ConsoleActions {
  start(service: string, node: string | undefined, log: ProgressLog): Promise<ActionOutcome>;
  stop(service: string, node: string | undefined, log: ProgressLog): Promise<ActionOutcome>;
  restart(service: string, node: string | undefined, log: ProgressLog): Promise<ActionOutcome>;
  /** dryRun=true returns what would be reset (nothing touched); false does it. */
  reset(dryRun: boolean, log: ProgressLog): Promise<ActionOutcome>;
  replay(opts: ReplayOptions, onProgress: (p: ReplayProgress) => void, log: ProgressLog): Promise<ActionOutcome>;
  /** Absent when the inventory has no Flink. */
  flink?: FlinkJobActions;
  /** Why reset or replay cannot run here, shown instead of prompting; absent when they can. */
  unavailable?: Partial<Record<'reset' | 'replay', string>>;
}

/** Parses the replay prompt's pace ("60", "60x", "max"); null when it is not a pace. */
export function parsePace(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'max' || t === '0') return 0;
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(t);
  if (!m) return null;
  const v = Number(m[1]);
  return v > 0 ? v : null;
}

/** Splits the replay prompt's file list on commas and whitespace. */
export function parseFiles(text: string): string[] {
  return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
}
