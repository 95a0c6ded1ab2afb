// Real-data fixtures for the core tests and the bench: the user's ETC exports next to the repo.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, loadPassagesDir, type Passage } from './passage.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR = process.env.ETC_DATA_DIR ?? defaultDataDir(REPO_ROOT);
export const HAS_DATA = existsSync(DATA_DIR);
export const NO_DATA_REASON = `needs the ETC CSVs in ${DATA_DIR} (or set ETC_DATA_DIR)`;

let cached: Passage[] | undefined;
/** All passages in file order (files by name, rows as written). */
export function realPassages(): Passage[] {
  cached ??= loadPassagesDir(DATA_DIR);
  return cached;
}

/** Deterministic PRNG (mulberry32) so shuffled-order tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Event-time order, then displaced by a bounded shuffle: each element moves to a random position
 * such that no event arrives more than `boundMs` after a later-timestamped one was seen.
 * Implementation: sort by (eventTime + U[0, boundMs)) — an event's arrival key exceeds its time by
 * < boundMs, so when it arrives, every already-seen event has time < its own time + boundMs.
 */
export function boundedShuffle<T extends { eventTime: number }>(items: readonly T[], boundMs: number, seed = 1): T[] {
  const r = rng(seed);
  return items
    .map((it, i) => ({ it, k: it.eventTime + Math.floor(r() * boundMs), i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.it);
}
