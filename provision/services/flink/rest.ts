// The JobManager's REST API (the same one the web UI on 8081 uses): upload and run jars, list jobs, stop
// with a savepoint, cancel. Used by the health check's canary and by `etclab flink …` (ops/flink.ts).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface FlinkJob {
  id: string;
  name: string;
  state: string;
  startTime: number;
  durationMs: number;
}

export class FlinkRestError extends Error {}

/** The first line of each error the REST API returned (its Java stack traces are for the JobManager's log). */
export function restErrorText(body: string): string {
  try {
    const errors = (JSON.parse(body) as { errors?: string[] }).errors ?? [body];
    const lines = errors.flatMap((e) => String(e).split('\n')).map((l) => l.trim());
    const causes = lines.filter((l) => /^(Caused by: )?[\w.$]+(Exception|Error)\b/.test(l) || /^[\w.$]+: /.test(l));
    const picked = causes.length ? causes : lines.slice(0, 1);
    return [...new Set(picked.map((l) => l.replace(/^Caused by: /, '')))].slice(-2).join(' ← ');
  } catch {
    return body.slice(0, 300);
  }
}

export class FlinkRest {
  constructor(readonly base: string, private readonly timeoutMs = 30_000) {}

  private async call<T>(method: string, path: string, body?: unknown, form?: FormData): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new FlinkRestError(`the JobManager at ${this.base} does not answer (${(e as Error).message})`, { cause: e });
    }
    const text = await res.text();
    if (!res.ok) throw new FlinkRestError(`${method} ${path}: HTTP ${res.status}: ${restErrorText(text)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async overview(): Promise<{ taskmanagers: number; 'slots-total': number; 'slots-available': number; 'flink-version': string; 'jobs-running': number }> {
    return this.call('GET', '/overview');
  }

  /** Uploads a jar unless one with the same file name is there already; returns its id. */
  async upload(path: string, reuse = false): Promise<string> {
    const name = basename(path);
    if (reuse) {
      const jars = await this.call<{ files: Array<{ id: string; name: string }> }>('GET', '/jars');
      const found = jars.files.find((f) => f.name === name);
      if (found) return found.id;
    }
    const form = new FormData();
    form.append('jarfile', new Blob([readFileSync(path)], { type: 'application/java-archive' }), name);
    const r = await this.call<{ filename: string }>('POST', '/jars/upload', undefined, form);
    return basename(r.filename);
  }

  /** Runs an uploaded jar (its main() runs in the JobManager, detached); returns the job id. */
  async run(jarId: string, o: { entryClass?: string; args?: string[]; parallelism?: number; savepointPath?: string; allowNonRestoredState?: boolean } = {}): Promise<string> {
    const body = { entryClass: o.entryClass, programArgsList: o.args ?? [], parallelism: o.parallelism, savepointPath: o.savepointPath, allowNonRestoredState: o.allowNonRestoredState };
    return (await this.call<{ jobid: string }>('POST', `/jars/${encodeURIComponent(jarId)}/run`, body)).jobid;
  }

  async jobs(): Promise<FlinkJob[]> {
    const r = await this.call<{ jobs: Array<{ jid: string; name: string; state: string; 'start-time': number; duration: number }> }>('GET', '/jobs/overview');
    return r.jobs.map((j) => ({ id: j.jid, name: j.name, state: j.state, startTime: j['start-time'], durationMs: j.duration })).sort((a, b) => b.startTime - a.startTime);
  }

  async job(id: string): Promise<FlinkJob & { allTasksRunning: boolean }> {
    const j = await this.call<{ jid: string; name: string; state: string; 'start-time': number; duration: number; vertices?: Array<{ status: string }> }>('GET', `/jobs/${id}`);
    const allTasksRunning = (j.vertices ?? []).length > 0 && j.vertices!.every((v) => v.status === 'RUNNING');
    return { id: j.jid, name: j.name, state: j.state, startTime: j['start-time'], durationMs: j.duration, allTasksRunning };
  }

  /** What the console's jobs view shows beyond the overview: parallelism and the last completed checkpoint. */
  async details(id: string): Promise<{ parallelism: number | null; lastCheckpointAt: number | null }> {
    const [j, c] = await Promise.all([
      this.call<{ vertices?: Array<{ parallelism: number }> }>('GET', `/jobs/${id}`),
      this.call<{ latest?: { completed?: { latest_ack_timestamp?: number } | null } }>('GET', `/jobs/${id}/checkpoints`).catch(() => ({ latest: undefined })),
    ]);
    const par = (j.vertices ?? []).map((v) => v.parallelism);
    return { parallelism: par.length ? Math.max(...par) : null, lastCheckpointAt: c.latest?.completed?.latest_ack_timestamp ?? null };
  }

  /** The job's newest root exception, in one line. */
  async failure(id: string): Promise<string> {
    const r = await this.call<{ 'root-exception'?: string }>('GET', `/jobs/${id}/exceptions`);
    return r['root-exception'] ? restErrorText(JSON.stringify({ errors: [r['root-exception']] })) : 'no exception recorded';
  }

  /** Whether the job was restored from a savepoint or checkpoint, per its checkpoint statistics. */
  async restoredFrom(id: string): Promise<string | null> {
    const r = await this.call<{ latest?: { restored?: { external_path?: string } | null } }>('GET', `/jobs/${id}/checkpoints`);
    return r.latest?.restored?.external_path ?? null;
  }

  /** Stop with a savepoint (drain=false): resolves with the savepoint's location once it is complete. */
  async stopWithSavepoint(id: string, targetDirectory?: string, timeoutMs = 120_000): Promise<string> {
    const { 'request-id': trigger } = await this.call<{ 'request-id': string }>('POST', `/jobs/${id}/stop`, { targetDirectory, drain: false });
    return this.savepointDone(id, trigger, 'stop', timeoutMs);
  }

  private async savepointDone(id: string, trigger: string, what: string, timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const s = await this.call<{ status: { id: string }; operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } } }>('GET', `/jobs/${id}/savepoints/${trigger}`);
      if (s.status.id === 'COMPLETED') {
        if (s.operation?.location) return s.operation.location;
        throw new FlinkRestError(`${what} of job ${id} failed: ${restErrorText(JSON.stringify({ errors: [s.operation?.['failure-cause']?.['stack-trace'] ?? 'unknown'] }))}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new FlinkRestError(`${what} of job ${id}: no savepoint within ${timeoutMs / 1000} s`);
  }

  /** A savepoint of a running job (it keeps running); resolves with the savepoint's location. */
  async savepoint(id: string, targetDirectory?: string, timeoutMs = 120_000): Promise<string> {
    const { 'request-id': trigger } = await this.call<{ 'request-id': string }>('POST', `/jobs/${id}/savepoints`, { 'target-directory': targetDirectory, 'cancel-job': false });
    return this.savepointDone(id, trigger, 'savepoint', timeoutMs);
  }

  async cancel(id: string): Promise<void> {
    await this.call('PATCH', `/jobs/${id}?mode=cancel`);
  }

  /**
   * Polls until the job is in one of `states` (RUNNING: every task running too, as a savepoint needs); throws
   * with the job's failure when it FAILED instead.
   */
  async waitFor(id: string, states: string[], timeoutMs = 60_000): Promise<FlinkJob> {
    const until = Date.now() + timeoutMs;
    let last: (FlinkJob & { allTasksRunning: boolean }) | undefined;
    while (Date.now() < until) {
      last = await this.job(id).catch(() => last);
      if (last && states.includes(last.state) && (last.state !== 'RUNNING' || last.allTasksRunning)) return last;
      if (last?.state === 'FAILED') throw new FlinkRestError(`job ${id} (${last.name}) FAILED: ${await this.failure(id).catch((e: Error) => e.message)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new FlinkRestError(`job ${id} is ${last?.state ?? 'unknown'} after ${timeoutMs / 1000} s, not ${states.join(' or ')}`);
  }
}
