// Redis: AUTH + PING with ioredis; never retries on its own (the executor retries the probe).
import { Redis } from 'ioredis';
import type { ProbeResult } from '../../probes/types.ts';
import type { ProbeContext } from '../../probes/types.ts';

export async function probe(p: Record<string, unknown>, ctx: ProbeContext): Promise<ProbeResult> {
  const password = await ctx.secret(String(p.passwordSecret));
  const r = new Redis({ host: String(p.host), port: Number(p.port), password, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    const pong = await r.ping();
    return { ok: pong === 'PONG', detail: pong };
  } finally {
    r.disconnect();
  }
}
