// Flink health from the JobManager's REST API.
import type { Probe, ProbeResult } from '../../probes/types.ts';
import { getJson, reason, str } from '../hdfs/probe.ts';

export function judgeOverview(doc: unknown, expect: number): ProbeResult {
  const o = doc as { taskmanagers?: unknown; 'slots-total'?: unknown; 'flink-version'?: unknown };
  if (typeof o?.taskmanagers !== 'number') throw new Error('no taskmanagers field in /overview');
  return {
    ok: o.taskmanagers === expect,
    detail: `${o.taskmanagers}/${expect} TaskManagers registered, ${String(o['slots-total'])} slots, Flink ${String(o['flink-version'])}`,
  };
}

/** A TaskManager is known by the address in its RPC path (pekko.tcp://flink@<address>:<port>/…). */
export function judgeTaskManager(doc: unknown, address: string): ProbeResult {
  const tms = (doc as { taskmanagers?: Array<{ id?: string; path?: string; slotsNumber?: number }> })?.taskmanagers;
  if (!Array.isArray(tms)) throw new Error('no taskmanagers list in /taskmanagers');
  const mine = tms.find((t) => String(t.path ?? '').includes(`@${address}:`));
  return mine
    ? { ok: true, detail: `TaskManager ${mine.id} registered with ${mine.slotsNumber} slots` }
    : { ok: false, detail: `no TaskManager from ${address} registered yet (${tms.length} others)` };
}

/** protocol "flink": check jobmanager | taskmanager (address) | cluster (expectTaskManagers); http = REST host:port. */
export async function probe(p: Probe): Promise<ProbeResult> {
  const check = str(p, 'check');
  const http = str(p, 'http');
  const path = check === 'taskmanager' ? '/taskmanagers' : '/overview';
  if (!['jobmanager', 'taskmanager', 'cluster'].includes(check)) throw new Error(`probe flink: check must be jobmanager, taskmanager or cluster, not ${check}`);
  let doc: unknown;
  try {
    doc = await getJson(`http://${http}${path}`);
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${reason(e)}` };
  }
  try {
    if (check === 'taskmanager') return judgeTaskManager(doc, str(p, 'address'));
    if (check === 'cluster') return judgeOverview(doc, Number(p.expectTaskManagers));
    const o = doc as { 'flink-version'?: unknown; taskmanagers?: unknown };
    if (o['flink-version'] === undefined) throw new Error('not a Flink /overview answer');
    return { ok: true, detail: `JobManager REST at ${http}, Flink ${String(o['flink-version'])}, ${String(o.taskmanagers)} TaskManagers` };
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${(e as Error).message}` };
  }
}
