// Flink health from the JobManager's REST API.
import type { Probe, ProbeContext, ProbeResult } from '../../probes/types.ts';
import { getJson, reason, str } from '../hdfs/probe.ts';
import { FlinkRest } from './rest.ts';
import { canaryJar, CANARY_CLASS } from './canary.ts';

/** How long a finished canary job vouches for the cluster before the next check runs a new one. */
export const CANARY_FRESH_MS = 10 * 60_000;
const CANARY_JOB_NAME = 'etclab-canary';

/** Every TaskManager registered with every slot (a TaskManager registers before all its slots do). */
export function judgeOverview(doc: unknown, expect: number, expectSlots?: number): ProbeResult {
  const o = doc as { taskmanagers?: unknown; 'slots-total'?: unknown; 'flink-version'?: unknown };
  if (typeof o?.taskmanagers !== 'number') throw new Error('no taskmanagers field in /overview');
  const slotsOk = expectSlots === undefined || o['slots-total'] === expectSlots;
  return {
    ok: o.taskmanagers === expect && slotsOk,
    detail: `${o.taskmanagers}/${expect} TaskManagers registered, ${String(o['slots-total'])}${expectSlots === undefined ? '' : `/${expectSlots}`} slots, Flink ${String(o['flink-version'])}`,
  };
}

/**
 * The work canary: the cluster is healthy when a job runs, not when daemons answer. Submits the canary job
 * (a bounded sequence into a discarding sink) through the REST API as a user's `flink run` does, and waits
 * for it to FINISH.
 */
export async function runCanary(http: string, flinkVersion: string, freshMs = CANARY_FRESH_MS): Promise<ProbeResult> {
  const rest = new FlinkRest(`http://${http}`);
  const t0 = Date.now();
  let jobId: string;
  try {
    // `status` (and the console every few seconds) asks often: a canary that finished recently on this
    // JobManager still proves jobs run. Its history is in memory, so a restarted JobManager runs a new one.
    const recent = (await rest.jobs()).find((j) => j.name === CANARY_JOB_NAME && j.state === 'FINISHED' && t0 - (j.startTime + j.durationMs) < freshMs);
    if (recent) return { ok: true, detail: `canary job ${recent.id} FINISHED ${Math.round((t0 - recent.startTime - recent.durationMs) / 1000)} s ago` };
    const jar = await rest.upload(canaryJar(flinkVersion), true);
    jobId = await rest.run(jar, { entryClass: CANARY_CLASS, parallelism: 1 });
  } catch (e) {
    const msg = (e as Error).message;
    if (/BlobServer|upload job files|blob/i.test(msg)) return { ok: false, detail: `no job can start: the job's files cannot reach the JobManager's blob server (${msg})` };
    return { ok: false, detail: `no job can start: ${msg}` };
  }
  try {
    await rest.waitFor(jobId, ['FINISHED'], 60_000);
    return { ok: true, detail: `canary job ${jobId} ran and FINISHED in ${((Date.now() - t0) / 1000).toFixed(1)} s` };
  } catch (e) {
    return { ok: false, detail: `the canary job did not finish: ${(e as Error).message}` };
  }
}

/** "2 jobs running: etc stream analysis (5m), …", for status (the canary's own runs are left out). */
async function runningJobs(http: string): Promise<string> {
  const jobs = (await new FlinkRest(`http://${http}`, 5_000).jobs().catch(() => null))?.filter((j) => j.state === 'RUNNING');
  if (!jobs) return 'jobs unknown';
  if (!jobs.length) return 'no job running';
  const age = (ms: number) => (ms < 3_600_000 ? `${Math.round(ms / 60_000)}m` : `${(ms / 3_600_000).toFixed(1)}h`);
  return `${jobs.length} job${jobs.length > 1 ? 's' : ''} running: ${jobs.map((j) => `${j.name} (${age(j.durationMs)})`).join(', ')}`;
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
export async function probe(p: Probe, ctx?: ProbeContext): Promise<ProbeResult> {
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
    if (check === 'cluster') {
      const r = judgeOverview(doc, Number(p.expectTaskManagers), p.expectSlots === undefined ? undefined : Number(p.expectSlots));
      if (!r.ok) return r;
      if (ctx?.deep && p.canaryVersion !== undefined) {
        const c = await runCanary(http, String(p.canaryVersion));
        return { ok: c.ok, detail: `${r.detail}; ${c.detail}` };
      }
      return { ok: true, detail: `${r.detail}; ${await runningJobs(http)}` };
    }
    const o = doc as { 'flink-version'?: unknown; taskmanagers?: unknown };
    if (o['flink-version'] === undefined) throw new Error('not a Flink /overview answer');
    return { ok: true, detail: `JobManager REST at ${http}, Flink ${String(o['flink-version'])}, ${String(o.taskmanagers)} TaskManagers` };
  } catch (e) {
    return { ok: false, detail: `${check} at ${http}: ${(e as Error).message}` };
  }
}
