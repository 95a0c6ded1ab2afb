import { mkdirSync, openSync, fsyncSync, closeSync, readFileSync, renameSync, writeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ReplayOrder } from './order.ts';

/**
 * Resume state. `ackedLine` is the highest line of a file such that every line up to it was either
 * acknowledged by Kafka or rejected. It is written only after the acks, and atomically (rename), so a
 * recorded line was always acknowledged, and a stop by signal records every acknowledged line.
 */
export interface ReplayState {
  version: 1;
  topic: string;
  /** Absent in states written before time order existed: those were file order. */
  order?: ReplayOrder;
  /** File order: per file, the acknowledged prefix. Time order: `ackedLine` is 0 and the file is only fingerprinted. */
  files: Record<string, { size: number; mtimeMs: number; ackedLine: number }>;
  /** Time order: the last acknowledged row (every row before it in time order was acknowledged or rejected). */
  timeAcked?: { eventTime: number; file: string; line: number };
  /** Time order: the inputs, in the order they were given (ties in event time go by this order). */
  inputs?: string[];
  sent: number;
  updatedAt: string;
}

export function emptyState(topic: string, order: ReplayOrder = 'file'): ReplayState {
  return { version: 1, topic, order, files: {}, sent: 0, updatedAt: new Date().toISOString() };
}

export function loadState(path: string): ReplayState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let s: ReplayState;
  try {
    s = JSON.parse(text) as ReplayState;
  } catch (e) {
    throw new Error(`${path}: replay state is not valid JSON (${(e as Error).message}); delete it to start over`);
  }
  if (s.version !== 1 || typeof s.topic !== 'string' || typeof s.files !== 'object') throw new Error(`${path}: not a replay state file (version ${String(s.version)})`);
  return s;
}

export function saveState(path: string, s: ReplayState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 1));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function checkSameReplay(state: ReplayState, topic: string, order: ReplayOrder): void {
  if (state.topic !== topic) throw new Error(`the saved replay went to topic ${state.topic}, not ${topic}; pass --topic ${state.topic} or drop --resume`);
  const saved = state.order ?? 'file';
  if (saved !== order) throw new Error(`the saved replay ran in ${saved} order, not ${order}: resuming in another order would skip or repeat rows; pass --order ${saved} or drop --resume`);
}

/** Lines to skip per file when resuming in file order; refuses if a file changed since it was partly sent. */
export function resumePoints(state: ReplayState, topic: string, files: readonly string[]): Map<string, number> {
  checkSameReplay(state, topic, 'file');
  const out = new Map<string, number>();
  for (const f of files) {
    const saved = state.files[f];
    if (!saved) continue;
    const st = statSync(f);
    if (st.size !== saved.size || Math.trunc(st.mtimeMs) !== Math.trunc(saved.mtimeMs)) {
      throw new Error(`${f}: changed since it was partly replayed (line ${saved.ackedLine} acknowledged); resuming would skip or repeat rows`);
    }
    out.set(f, saved.ackedLine);
  }
  return out;
}

/**
 * Where a time-ordered replay resumes: the last acknowledged row, with its input's position. Refuses when the
 * inputs are not the same files in the same order, or one changed (the merged order would not be the same).
 */
export function resumeTimeKey(state: ReplayState, topic: string, files: readonly string[]): { eventTime: number; fileIndex: number; line: number } | null {
  checkSameReplay(state, topic, 'time');
  const inputs = state.inputs ?? [];
  if (inputs.length !== files.length || inputs.some((f, i) => f !== files[i])) {
    throw new Error(`the saved replay merged ${inputs.length} input(s) (${inputs.slice(0, 3).join(', ')}${inputs.length > 3 ? ', …' : ''}); resume needs the same files in the same order`);
  }
  for (const f of files) {
    const saved = state.files[f];
    const st = statSync(f);
    if (!saved || st.size !== saved.size || Math.trunc(st.mtimeMs) !== Math.trunc(saved.mtimeMs)) {
      throw new Error(`${f}: changed since it was partly replayed in time order; resuming would skip or repeat rows`);
    }
  }
  if (!state.timeAcked) return null;
  const fileIndex = files.indexOf(state.timeAcked.file);
  return { eventTime: state.timeAcked.eventTime, fileIndex, line: state.timeAcked.line };
}
