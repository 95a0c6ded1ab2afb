// Reset's Flink steps: before any store is emptied, every RUNNING job is cancelled (a job would keep writing
// into the stores, and its state would count what the stores no longer hold); after the stores are empty and
// the pipeline is back, the jobs `etclab flink run` had submitted are submitted again, fresh (no savepoint).
import type { Task } from '../../tasks/types.ts';
import { FlinkRest } from './rest.ts';
import { readSubmissions, recordSubmission, writeSubmissions, type Submission } from './submissions.ts';

const restOf = (p: Record<string, unknown>) => new FlinkRest(`http://${String(p.rest)}`);

export const flinkCancelJobsTask: Task = {
  async ready(p) {
    const o = await restOf(p).overview();
    return `Flink JobManager at ${String(p.rest)} answers: ${o['jobs-running']} jobs running`;
  },
  async inspect(p) {
    const running = (await restOf(p).jobs()).filter((j) => j.state === 'RUNNING');
    return running.length ? running.map((j) => `cancel job ${j.id} (${j.name})`) : ['no Flink job running'];
  },
  async run(p, ctx) {
    const rest = restOf(p);
    const stateDir = String(p.stateDir);
    const running = (await rest.jobs()).filter((j) => j.state === 'RUNNING');
    const known = readSubmissions(stateDir);
    const again: Submission[] = [...known.pendingResubmit];
    for (const j of running) {
      await rest.cancel(j.id);
      await rest.waitFor(j.id, ['CANCELED'], 60_000);
      const s = known.submissions.find((x) => x.jobId === j.id);
      if (s) again.push(s);
      ctx.log(`cancelled job ${j.id} (${j.name})${s ? '; it will be submitted again after the reset' : '; not submitted by etclab flink run, so not submitted again'}`);
    }
    writeSubmissions(stateDir, { ...readSubmissions(stateDir), pendingResubmit: again });
    return { changed: running.length > 0, detail: running.length ? `cancelled ${running.length} jobs (${again.length} to submit again)` : 'no Flink job running' };
  },
};

/** Uploads the recorded jar and runs it as recorded (from `savepoint` if given); the new job id. */
export async function submitAgain(rest: FlinkRest, stateDir: string, s: Submission, savepoint?: string): Promise<string> {
  const jar = await rest.upload(s.jar);
  const jobId = await rest.run(jar, { entryClass: s.entryClass, args: s.args, parallelism: s.parallelism, savepointPath: savepoint });
  await rest.waitFor(jobId, ['RUNNING', 'FINISHED'], 120_000);
  recordSubmission(stateDir, { ...s, jobId, submittedAt: new Date().toISOString() });
  return jobId;
}

export const flinkResubmitJobsTask: Task = {
  async ready(p) {
    await restOf(p).overview();
    return `Flink JobManager at ${String(p.rest)} answers`;
  },
  async inspect(p) {
    const pending = readSubmissions(String(p.stateDir)).pendingResubmit;
    return pending.length ? pending.map((s) => `submit ${s.jar} ${s.entryClass ?? ''} ${s.args.join(' ')} again`) : ['no Flink job to submit again'];
  },
  async run(p, ctx) {
    const rest = restOf(p);
    const stateDir = String(p.stateDir);
    const pending = readSubmissions(stateDir).pendingResubmit;
    const started: string[] = [];
    for (const s of pending) {
      const jobId = await submitAgain(rest, stateDir, s);
      // Taken off the list one by one: a failure half-way leaves the rest for the next reset to submit.
      const f = readSubmissions(stateDir);
      writeSubmissions(stateDir, { ...f, pendingResubmit: f.pendingResubmit.filter((x) => x !== s && x.jobId !== s.jobId) });
      started.push(jobId);
      ctx.log(`submitted ${s.jar} again as job ${jobId}`);
    }
    return { changed: started.length > 0, detail: started.length ? `submitted ${started.length} jobs again: ${started.join(', ')}` : 'no Flink job to submit again' };
  },
};
