import { mkdirSync, openSync, fsyncSync, closeSync, readFileSync, renameSync, writeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Resume state. `ackedLine` is the highest line of a file such that every line up to it was either
 * acknowledged by Kafka or rejected. It is written only after the acks, and atomically (rename), so a
 * recorded line was always acknowledged, and a stop by signal records every acknowledged line.
 */
export interface ReplayState {
  version: 1;
  topic: string;
  files: Record<string, { size: number; mtimeMs: number; ackedLine: number }>;
  sent: number;
  updatedAt: string;
}

export function emptyState(topic: string): ReplayState {
  return { version: 1, topic, files: {}, sent: 0, updatedAt: new Date().toISOString() };
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

/** Lines to skip per file when resuming; refuses if a file changed since it was partly sent. */
export function resumePoints(state: ReplayState, topic: string, files: readonly string[]): Map<string, number> {
  if (state.topic !== topic) throw new Error(`the saved replay went to topic ${state.topic}, not ${topic}; pass --topic ${state.topic} or drop --resume`);
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
