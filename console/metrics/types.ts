// The metrics view's data, each panel from its own source so one failing source only blanks its panel.
import type { DashboardSnapshot } from '../../pipeline/core/dashboard.ts';

export type Panel<T> =
  | { state: 'ok'; data: T }
  | { state: 'error'; error: string }
  /** The service is not in the inventory (or the pipeline has not written the data yet). */
  | { state: 'absent'; reason: string }
  | { state: 'loading' };

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** Log-end offset minus the group's committed offset (everything when nothing is committed). */
  lag: number;
}

export interface KafkaFigures {
  /** Messages appended per second over all non-internal topics since the previous sample (null on the first). */
  produceRate: number | null;
  /** Offsets committed per second over all groups since the previous sample. */
  consumeRate: number | null;
  lag: PartitionLag[];
}

export interface ClusterFigures {
  hdfs: Panel<{ liveDataNodes: number; deadDataNodes: number }>;
  hbase: Panel<{ regionServers: number; deadRegionServers: number }>;
  flink: Panel<{ taskManagers: number; slotsTotal: number; slotsAvailable: number; jobsRunning: number; jobsFailed: number }>;
}

export interface MetricsSnapshot {
  kafka: Panel<KafkaFigures>;
  /** The stream job's Redis dashboard (flow per checkpoint and minute, recent alerts and warnings). */
  dashboard: Panel<DashboardSnapshot>;
  cluster: ClusterFigures;
}

/** One reader per panel. `read` throws to report the panel's error; `absent` says why it has nothing to read. */
export interface MetricsSource {
  read(): Promise<MetricsSnapshot>;
  close(): Promise<void>;
}

export const loadingSnapshot = (): MetricsSnapshot => ({
  kafka: { state: 'loading' },
  dashboard: { state: 'loading' },
  cluster: { hdfs: { state: 'loading' }, hbase: { state: 'loading' }, flink: { state: 'loading' } },
});

/** Runs one panel's read, turning a thrown error into that panel's error. */
export async function panel<T>(read: () => Promise<T>): Promise<Panel<T>> {
  try {
    return { state: 'ok', data: await read() };
  } catch (e) {
    if (e instanceof Absent) return { state: 'absent', reason: e.message };
    return { state: 'error', error: (e as Error).message || String(e) };
  }
}

/** Thrown by a reader when its service is not deployed: shown as a reason, not an error. */
export class Absent extends Error {}
