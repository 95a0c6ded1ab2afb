// Dashboard health: its own /api/health, i.e. every store answers through the dashboard's read-only accounts.
import type { Probe, ProbeResult } from '../../probes/types.ts';

export async function probe(p: Probe): Promise<ProbeResult> {
  const url = `http://${String(p.host)}:${Number(p.port)}/api/health`;
  let h: { stores: Record<string, { ok: boolean; detail: string }> };
  try {
    // The dashboard gives each store 3 s: 10 s is an answer or a hung dashboard.
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!r.ok) return { ok: false, detail: `${url}: HTTP ${r.status}` };
    h = (await r.json()) as typeof h;
  } catch (e) {
    return { ok: false, detail: `${url}: ${(e as Error).message}` };
  }
  const bad = Object.entries(h.stores).filter(([, s]) => !s.ok);
  return bad.length
    ? { ok: false, detail: `reads fail: ${bad.map(([k, s]) => `${k} (${s.detail})`).join('; ')}` }
    : { ok: true, detail: `http://${String(p.host)}:${Number(p.port)}/ serves; ${Object.keys(h.stores).join(', ')} answer` };
}
