// The user's Flink jobs on the inventory's JobManager, as `flink run -d -m node1:8081 -c … app.jar` and the
// web UI's cancel button do it: through the REST API on 8081.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSubmissions, recordSubmission, writeSubmissions } from '../provision/services/flink/submissions.ts';
import { submitAgain } from '../provision/services/flink/tasks.ts';
import type { Inventory } from '../provision/inventory/types.ts';
import { flinkRest } from '../provision/services/flink/endpoints.ts';
import { FlinkRest, type FlinkJob } from '../provision/services/flink/rest.ts';
import { UserError } from './errors.ts';

export type { FlinkJob };

export function flinkClient(inv: Inventory): FlinkRest {
  if (!inv.services.flink) throw new UserError(`the inventory ${inv.file} has no flink service (services.flink)`);
  const { host, port } = flinkRest(inv);
  return new FlinkRest(`http://${host}:${port}`);
}

export interface RunOptions {
  entryClass?: string;
  args?: string[];
  parallelism?: number;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
  /** Wait until the job is RUNNING (or FINISHED, for a bounded job). */
  wait?: boolean;
}

export interface RunResult {
  jobId: string;
  state?: string;
  restoredFrom?: string | null;
}

/** Uploads the jar and runs it detached; with `wait`, until the job runs, or its failure in two lines. */
export async function runJob(inv: Inventory, jar: string, o: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(jar)) throw new UserError(`${jar}: no such jar`);
  const rest = flinkClient(inv);
  const id = await rest.upload(jar);
  const jobId = await rest.run(id, { entryClass: o.entryClass, args: o.args, parallelism: o.parallelism, savepointPath: o.fromSavepoint, allowNonRestoredState: o.allowNonRestoredState });
  // Kept so a reset can submit it again as it was (the REST API forgets program arguments).
  recordSubmission(inv.stateDir, { jobId, jar: resolve(jar), entryClass: o.entryClass, args: o.args ?? [], parallelism: o.parallelism, submittedAt: new Date().toISOString() });
  if (!o.wait) return { jobId };
  const job = await rest.waitFor(jobId, ['RUNNING', 'FINISHED'], 120_000);
  return { jobId, state: job.state, restoredFrom: o.fromSavepoint ? await rest.restoredFrom(jobId).catch(() => null) : null };
}

export async function listJobs(inv: Inventory): Promise<FlinkJob[]> {
  return flinkClient(inv).jobs();
}

const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);
const JOB_ID = /^[0-9a-f]{32}$/;

/**
 * A job the user names by id, or by name among the jobs still alive (a name's finished runs stay listed
 * after every resubmit); a name several live jobs share is refused with their ids.
 */
export async function resolveJob(inv: Inventory, ref: string): Promise<FlinkJob> {
  const jobs = await listJobs(inv);
  if (JOB_ID.test(ref)) {
    const j = jobs.find((x) => x.id === ref);
    if (!j) throw new UserError(`no job ${ref} on the cluster (etclab flink list shows them)`);
    return j;
  }
  const named = jobs.filter((j) => j.name === ref && !TERMINAL.has(j.state));
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new UserError(`${named.length} jobs are named "${ref}": ${named.map((j) => `${j.id} (${j.state})`).join(', ')}; name one by its id`);
  const ended = jobs.filter((j) => j.name === ref);
  throw new UserError(ended.length ? `no running job named "${ref}" (${ended.length} ended: ${ended.map((j) => `${j.id} ${j.state}`).join(', ')})` : `no job named "${ref}" on the cluster (etclab flink list shows them)`);
}

export interface JobRow extends FlinkJob {
  parallelism: number | null;
  /** Epoch ms of the last completed checkpoint; null when none (or the job is not running). */
  lastCheckpointAt: number | null;
  /** Submitted by `etclab flink run` (or a reset), so it can be submitted again as it was. */
  resubmittable: boolean;
}

/** Every job with what the console's jobs view shows; details only for jobs still alive (the rest have none). */
export async function jobRows(inv: Inventory): Promise<JobRow[]> {
  const rest = flinkClient(inv);
  const known = new Set(readSubmissions(inv.stateDir).submissions.map((s) => s.jobId));
  return Promise.all(
    (await rest.jobs()).map(async (j) => {
      const d = TERMINAL.has(j.state) ? { parallelism: null, lastCheckpointAt: null } : await rest.details(j.id).catch(() => ({ parallelism: null, lastCheckpointAt: null }));
      return { ...j, ...d, resubmittable: known.has(j.id) };
    }),
  );
}

/** Submits a recorded job again as it was submitted (fresh: no savepoint); refused while it still runs. */
export async function resubmitJob(inv: Inventory, jobId: string): Promise<string> {
  const s = readSubmissions(inv.stateDir).submissions.find((x) => x.jobId === jobId);
  if (!s) throw new UserError(`job ${jobId} was not submitted by etclab flink run: nothing recorded to submit again`);
  const rest = flinkClient(inv);
  const job = await rest.job(jobId).catch(() => null);
  if (job && !TERMINAL.has(job.state)) throw new UserError(`job ${jobId} (${job.name}) is ${job.state}: cancel or stop it first`);
  return submitAgain(rest, inv.stateDir, s);
}

/** A savepoint of a running job, which keeps running; returns its location. */
export async function savepointJob(inv: Inventory, jobId: string, targetDirectory?: string): Promise<string> {
  const rest = flinkClient(inv);
  return onceRunning(rest, jobId, () => rest.savepoint(jobId, targetDirectory));
}

/** What the JobManager says of a savepoint it aborted because the job failed over (or was not running yet). */
const FAILED_OVER = /Checkpoint Coordinator is suspending|not all required tasks are currently running|is not in state RUNNING/i;

/**
 * A savepoint needs every task running: a job restarting after a failover (a TaskManager lost under load) is
 * waited for first, and a savepoint aborted by a failover meanwhile is taken once more after it runs again.
 */
async function onceRunning<T>(rest: ReturnType<typeof flinkClient>, jobId: string, take: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await rest.waitFor(jobId, ['RUNNING'], 120_000);
    try {
      return await take();
    } catch (e) {
      if (attempt >= 2 || !FAILED_OVER.test((e as Error).message)) throw e;
    }
  }
}

/**
 * Before `down`: every running job is stopped (with a savepoint when asked, else cancelled) and remembered,
 * so `up --with-jobs` can submit it again. A JobManager that does not answer has no job to stop.
 */
export async function parkJobs(inv: Inventory, o: { savepoints?: boolean; log: (line: string) => void }): Promise<number> {
  if (!inv.services.flink) return 0;
  const rest = flinkClient(inv);
  const running = await rest.jobs().then((js) => js.filter((j) => j.state === 'RUNNING'), () => null);
  if (!running) return void o.log('flink: the JobManager does not answer; no job to stop'), 0;
  const f = readSubmissions(inv.stateDir);
  for (const j of running) {
    const s = f.submissions.find((x) => x.jobId === j.id);
    const savepoint = o.savepoints ? await stopJob(inv, j.id) : (await cancelJob(inv, j.id), undefined);
    if (s) f.parked.push({ ...s, savepoint });
    o.log(`flink: job ${j.id} (${j.name}) ${savepoint ? `stopped with savepoint ${savepoint}` : 'cancelled'}${s ? '; `etclab up --with-jobs` submits it again' : '; not submitted by etclab flink run, so not kept'}`);
  }
  writeSubmissions(inv.stateDir, { ...readSubmissions(inv.stateDir), parked: f.parked });
  return running.length;
}

/** The jobs `down` stopped; `up --with-jobs` submits them again, each from its savepoint if it took one. */
export function parkedJobs(inv: Inventory) {
  return readSubmissions(inv.stateDir).parked;
}

export async function resumeParkedJobs(inv: Inventory, log: (line: string) => void): Promise<string[]> {
  const rest = flinkClient(inv);
  const started: string[] = [];
  for (const s of parkedJobs(inv)) {
    const { savepoint, ...sub } = s;
    const jobId = await submitAgain(rest, inv.stateDir, sub, savepoint);
    const f = readSubmissions(inv.stateDir);
    writeSubmissions(inv.stateDir, { ...f, parked: f.parked.filter((x) => x.jobId !== s.jobId) });
    started.push(jobId);
    log(`flink: ${s.jar} submitted again as job ${jobId}${savepoint ? `, from savepoint ${savepoint}` : ''}`);
  }
  return started;
}

/** Stop with a savepoint (the job can be resumed from it with `run --from-savepoint`); returns its location. */
export async function stopJob(inv: Inventory, jobId: string, targetDirectory?: string): Promise<string> {
  const rest = flinkClient(inv);
  const location = await onceRunning(rest, jobId, () => rest.stopWithSavepoint(jobId, targetDirectory));
  await rest.waitFor(jobId, ['FINISHED', 'CANCELED'], 60_000);
  return location;
}

export async function cancelJob(inv: Inventory, jobId: string): Promise<FlinkJob> {
  const rest = flinkClient(inv);
  await rest.cancel(jobId);
  return rest.waitFor(jobId, ['CANCELED'], 60_000);
}
