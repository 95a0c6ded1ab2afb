// The query parameters the API, the CLI and the page share, checked once: a bad one is named with what was
// wrong, never passed to a store. Times are Beijing wall clock (the user's GCSJ) or epoch ms.
import { beijingToEpoch } from '../pipeline/core/beijing-time.ts';

export class ParamError extends Error {
  constructor(readonly param: string, message: string) {
    super(`${param}: ${message}`);
  }
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "2024-01-08 10:05[:00]" (Beijing) or epoch ms → epoch ms. */
export function time(param: string, v: string | undefined, fallback?: number): number {
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new ParamError(param, 'required (Beijing time like 2024-01-08 10:05, or epoch ms)');
  }
  if (/^\d{10,13}$/.test(v)) return Number(v);
  const m = TIME.exec(v.trim());
  const ms = m ? beijingToEpoch(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)) : null;
  if (ms === null) throw new ParamError(param, `not a time: ${JSON.stringify(v)} (Beijing time like 2024-01-08 10:05, or epoch ms)`);
  return ms;
}

export function int(param: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new ParamError(param, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** A plate or checkpoint as typed: any text (it is a parameter, never SQL), but not empty, not huge, no '|'. */
export function name(param: string, v: string | undefined, required = true): string | undefined {
  if (v === undefined || v.trim() === '') {
    if (required) throw new ParamError(param, 'required');
    return undefined;
  }
  const t = v.trim();
  if (t.length > 64) throw new ParamError(param, `at most 64 characters, got ${t.length}`);
  // '|' separates row-key parts in HBase: a value holding one could never be stored, so it matches nothing.
  if (t.includes('|')) throw new ParamError(param, `must not contain '|'`);
  return t;
}

export function range(from: number, to: number, maxDays = 31): void {
  if (!(to > from)) throw new ParamError('to', 'must be after from');
  if (to - from > maxDays * 86_400_000) throw new ParamError('to', `the range may span at most ${maxDays} days`);
}

export function oneOf<T extends string>(param: string, v: string | undefined, allowed: readonly T[], fallback?: T): T | undefined {
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new ParamError(param, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** "1m" | "5m" | "15m" | "1h" → minutes. */
export function step(v: string | undefined): number {
  const s = oneOf('step', v, ['1m', '5m', '15m', '1h'] as const, '5m')!;
  return s === '1h' ? 60 : Number(s.slice(0, -1));
}
