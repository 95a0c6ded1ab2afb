// The user's Flink jobs on the inventory's JobManager, as `flink run -d -m node1:8081 -c … app.jar` and the
// web UI's cancel button do it: through the REST API on 8081.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { recordSubmission } from '../provision/services/flink/submissions.ts';
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

/** Stop with a savepoint (the job can be resumed from it with `run --from-savepoint`); returns its location. */
export async function stopJob(inv: Inventory, jobId: string, targetDirectory?: string): Promise<string> {
  const rest = flinkClient(inv);
  const location = await rest.stopWithSavepoint(jobId, targetDirectory);
  await rest.waitFor(jobId, ['FINISHED', 'CANCELED'], 60_000);
  return location;
}

export async function cancelJob(inv: Inventory, jobId: string): Promise<FlinkJob> {
  const rest = flinkClient(inv);
  await rest.cancel(jobId);
  return rest.waitFor(jobId, ['CANCELED'], 60_000);
}
