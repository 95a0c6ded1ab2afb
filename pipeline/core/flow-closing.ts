// When the flow warner first judges a minute. A checkpoint's minute count is the sum over every partition
// (a checkpoint's passages are spread over all of them), so a minute is first judged once every
// partition's event-time clock is past it by the bound; a passage later than that makes the warner judge
// its checkpoint again (flow-judge.ts).
import { MINUTE_MS } from './window.ts';

/**
 * Start of the first minute not yet final, from each partition's clock (null: no passage yet). Null when
 * some partition has no clock: its first passage may still belong to any minute.
 */
export function finalBefore(clocks: Array<number | null>, boundMs: number): number | null {
  if (clocks.length === 0 || clocks.some((c) => c === null)) return null;
  const wm = Math.min(...(clocks as number[])) - boundMs;
  return Math.floor(wm / MINUTE_MS) * MINUTE_MS;
}
