// A probe retried until healthy or out of time: how health steps, `etclab probe` and rolling restarts wait.
import type { Probe, ProbeResult } from './types.ts';
import { runProbe, type ProbeContext } from './registry.ts';

export interface ProbeRun extends ProbeResult {
  attempts: number;
  seconds: number;
}

/** Retries with a growing pause (0.5 s, 1 s, 1.5 s, then 2 s) so a daemon that is still starting is not hammered. */
export async function probeUntil(
  probe: Probe,
  ctx: ProbeContext,
  opts: { timeoutSec: number; onAttempt?: (attempt: number, r: ProbeResult) => void },
): Promise<ProbeRun> {
  const t0 = Date.now();
  const deadline = t0 + opts.timeoutSec * 1000;
  for (let attempt = 1; ; attempt++) {
    const r = await runProbe(probe, ctx);
    opts.onAttempt?.(attempt, r);
    const seconds = (Date.now() - t0) / 1000;
    if (r.ok) return { ...r, attempts: attempt, seconds };
    const pause = Math.min(500 * attempt, 2000);
    if (Date.now() + pause > deadline) return { ok: false, detail: `not healthy after ${opts.timeoutSec}s: ${r.detail}`, attempts: attempt, seconds };
    await new Promise((res) => setTimeout(res, pause));
  }
}


/** An onAttempt that writes one line per attempt whose answer differs from the last (no repeated "not yet"). */
export function onChangedAnswer(write: (line: string) => void): (attempt: number, r: ProbeResult) => void {
  let last = '';
  return (n, r) => {
    if (r.detail !== last) write(`attempt ${n}: ${r.ok ? 'healthy' : 'not yet'}: ${r.detail}`);
    last = r.detail;
  };
}
