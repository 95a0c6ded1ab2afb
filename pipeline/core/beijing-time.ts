// Beijing time, the one place it is computed. GCSJ is Beijing wall-clock time (Asia/Shanghai: UTC+8, no DST
// since 1991), so it is converted arithmetically: the result never depends on the process's TZ.
export const BEIJING_OFFSET_MS = 8 * 3600_000;

/** A Beijing wall-clock date-time → epoch ms; null when it is not a real date-time (2023-02-30, 24:00). */
export function beijingToEpoch(y: number, mo: number, d: number, h: number, mi: number, se: number): number | null {
  const utc = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(utc);
  // Date.UTC silently rolls 2023-02-30 over to March: reject instead of shifting the event.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return null;
  return utc - BEIJING_OFFSET_MS;
}

/** Epoch ms → "YYYY-MM-DD HH:mm:ss" Beijing wall clock (the MySQL-friendly form the user kept). */
export function formatBeijingTime(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Beijing calendar date (`YYYY-MM-DD`) of an epoch ms. */
export function beijingDate(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Epoch ms of 00:00 Beijing time on a `YYYY-MM-DD` date. */
export function beijingMidnight(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) - BEIJING_OFFSET_MS;
}

/** Beijing wall-clock minute "YYYYMMDDHHmm". */
export function beijingMinuteId(minuteMs: number): string {
  return new Date(minuteMs + BEIJING_OFFSET_MS).toISOString().slice(0, 16).replace(/[-T:]/g, '');
}
