// Pipeline consumer health from its status endpoint (pipeline/service/status-server.ts).
import type { Probe, ProbeResult } from '../../probes/types.ts';
import { classifyError, formatSummary, type ErrorClass, type ErrorSummary } from '../../../pipeline/core/error-class.ts';

export async function fetchStatus(host: string, port: number): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** What a status document says its work is retrying on ("redis store-unreachable"), or null. */
export function retryingOn(s: Record<string, unknown>): string | null {
  const e = s.lastError as ErrorSummary | string | null | undefined;
  if (!e) return null;
  // A consumer started by an older etclab still reports text; it is shown to the operator only.
  return typeof e === 'string' ? e : formatSummary(e);
}

/** Healthy once the consumer joined its group; a consumer with no partition is healthy but says so. */
export function judgeStatus(s: Record<string, unknown>): ProbeResult {
  const parts = Array.isArray(s.partitions) ? (s.partitions as number[]) : [];
  const retrying = retryingOn(s);
  const err = retrying ? `; retrying: ${retrying}` : '';
  if (s.state !== 'consuming') return { ok: false, detail: `${String(s.state)} (group ${String(s.group)})${err}` };
  if (s.role === 'warner')
    return { ok: true, detail: `flow warner on ${String(s.topic)}: minutes judged up to ${s.closedUntil === null ? 'none yet' : new Date(Number(s.closedUntil)).toISOString()}, ${String(s.warnings)} warnings${err}` };
  return {
    ok: true,
    detail: `group ${String(s.group)} on ${String(s.topic)} partitions [${parts.join(',')}]${parts.length ? '' : ' (idle: no partition assigned)'}, ${String(s.records)} records, ${String(s.rate)}/s, lag ${String(s.lag)}${err}`,
  };
}

export async function probe(p: Probe): Promise<ProbeResult> {
  try {
    return judgeStatus(await fetchStatus(String(p.host), Number(p.port)));
  } catch (e) {
    return { ok: false, detail: `status endpoint ${String(p.host)}:${String(p.port)}: ${(e as Error).message}` };
  }
}

export interface ConsumerEndpoint {
  node: string;
  host: string;
  port: number;
}

export interface GroupView {
  /** error: the text, for the operator; errorClass: what may be shown to anyone (see query/health.ts). */
  consumers: Array<ConsumerEndpoint & { status: Record<string, unknown> | null; error: string | null; errorClass: ErrorClass | null }>;
  /** Partitions assigned to some consumer, sorted. */
  assigned: number[];
  records: number;
  rate: number;
  lag: number;
}

/** Every consumer's status (an unreachable one has `error`), with the group's totals. */
export async function groupView(endpoints: ConsumerEndpoint[]): Promise<GroupView> {
  const consumers = await Promise.all(
    endpoints.map(async (e) => {
      try {
        return { ...e, status: await fetchStatus(e.host, e.port), error: null, errorClass: null };
      } catch (err) {
        return { ...e, status: null, error: (err as Error).message, errorClass: classifyError(err) };
      }
    }),
  );
  const live = consumers.flatMap((c) => (c.status ? [c.status] : []));
  const sum = (k: string) => live.reduce((n, s) => n + (Number(s[k]) || 0), 0);
  const assigned = [...new Set(live.flatMap((s) => (Array.isArray(s.partitions) ? (s.partitions as number[]) : [])))].sort((a, b) => a - b);
  return { consumers, assigned, records: sum('records'), rate: sum('rate'), lag: sum('lag') };
}

/** protocol "pipeline-group": every consumer consuming and every partition of the topic owned by one. */
export async function probeGroup(p: Probe): Promise<ProbeResult> {
  const v = await groupView(p.consumers as ConsumerEndpoint[]);
  const partitions = Number(p.partitions);
  const down = v.consumers.filter((c) => c.status?.state !== 'consuming').map((c) => `${c.node} ${c.status ? String(c.status.state) : `unreachable (${c.error})`}`);
  const missing = Array.from({ length: partitions }, (_, i) => i).filter((i) => !v.assigned.includes(i));
  const ok = down.length === 0 && missing.length === 0;
  const detail = ok
    ? `${v.consumers.length} consumers own partitions [${v.assigned.join(',')}]; ${v.records} records, ${v.rate}/s, lag ${v.lag}`
    : [down.length ? `not consuming: ${down.join(', ')}` : '', missing.length ? `partitions [${missing.join(',')}] without a consumer` : ''].filter(Boolean).join('; ');
  return { ok, detail };
}
