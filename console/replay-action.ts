// `p` in the console: the same replay as `etclab replay`, brokers taken from the inventory.
import type { Inventory } from '../provision/inventory/types.ts';
import { runReplay } from '../pipeline/replay/run.ts';
import { formatProgress } from '../pipeline/replay/pacing.ts';
import { kafkaBrokers } from './metrics/kafka-lag.ts';
import type { ActionOutcome, ProgressLog, ReplayOptions, ReplayProgress } from './actions.ts';

export async function replayWith(
  inv: Inventory,
  opts: ReplayOptions,
  onProgress: (p: ReplayProgress) => void,
  log: ProgressLog,
  signal?: AbortSignal,
): Promise<ActionOutcome> {
  let brokers: string[];
  try {
    brokers = kafkaBrokers(inv);
  } catch (e) {
    return { ok: false, summary: `replay needs Kafka: ${(e as Error).message}` };
  }
  const s = await runReplay({
    inputs: opts.files.length ? opts.files : undefined,
    brokers,
    // pace 0 = as fast as possible; otherwise an event-time multiple, unlimited by a row rate.
    ...(opts.pace > 0 ? { speed: opts.pace } : { rate: 0 }),
    signal,
    log,
    progress: (p) =>
      onProgress({ sent: p.sent, total: p.total ?? null, eventsPerSec: p.elapsedMs > 0 ? (p.sent * 1000) / p.elapsedMs : null, detail: formatProgress(p) }),
  });
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  const ok = s.fileErrors.length === 0;
  return {
    ok,
    summary: `replay ${s.stopped}: sent ${s.sent} rows from ${s.files} files, ${rejected} rejected, ${s.skipped} already sent, in ${(s.elapsedMs / 1000).toFixed(1)}s${ok ? '' : `; file errors: ${s.fileErrors.join('; ')}`}`,
  };
}
