import { beijingDate, beijingMidnight, formatBeijing } from './rules.ts';

export interface Gap {
  from: string;
  to: string;
  minutes: number;
  /** 'start' = before the first passage of the day, 'end' = after the last, 'inside' otherwise. */
  where: 'start' | 'inside' | 'end';
}

const DAY_MS = 86_400_000;

/**
 * Gaps of at least `minGapMs` in sorted event times. When `day` (YYYY-MM-DD, Beijing) is given the
 * file is expected to cover that whole day, so a late first or early last passage is a gap too
 * (the user's "12-12 starts at 10:21, evening missing").
 */
export function findGaps(sortedTimes: readonly number[], minGapMs: number, day?: string): Gap[] {
  const gaps: Gap[] = [];
  const mk = (a: number, b: number, where: Gap['where']) =>
    gaps.push({ from: formatBeijing(a), to: formatBeijing(b), minutes: Math.round((b - a) / 60_000), where });
  if (sortedTimes.length === 0) return gaps;
  const dayStart = day ? beijingMidnight(day) : undefined;
  if (dayStart !== undefined && sortedTimes[0] - dayStart >= minGapMs && sortedTimes[0] < dayStart + DAY_MS) mk(dayStart, sortedTimes[0], 'start');
  for (let i = 1; i < sortedTimes.length; i++) {
    if (sortedTimes[i] - sortedTimes[i - 1] >= minGapMs) mk(sortedTimes[i - 1], sortedTimes[i], 'inside');
  }
  const last = sortedTimes[sortedTimes.length - 1];
  if (dayStart !== undefined && dayStart + DAY_MS - last >= minGapMs && last >= dayStart) mk(last, dayStart + DAY_MS, 'end');
  return gaps;
}

/** YYYY-MM-DD in a file name such as 2023-12-11-final.csv, if any. */
export function dayFromFileName(name: string): string | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})/.exec(name);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Calendar days between the first and last day that have no data at all. */
export function missingDays(days: readonly string[]): string[] {
  if (days.length === 0) return [];
  const sorted = [...new Set(days)].sort();
  const have = new Set(sorted);
  const out: string[] = [];
  for (let t = beijingMidnight(sorted[0]); t <= beijingMidnight(sorted[sorted.length - 1]); t += DAY_MS) {
    const d = beijingDate(t);
    if (!have.has(d)) out.push(d);
  }
  return out;
}
