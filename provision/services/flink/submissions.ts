// What `etclab flink run` submitted, kept under the inventory's state dir: Flink's REST API does not keep a
// job's program arguments, and a reset resubmits the jobs it cancelled exactly as they were submitted.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Submission {
  jobId: string;
  /** The jar on the controller, uploaded again on resubmit. */
  jar: string;
  entryClass?: string;
  args: string[];
  parallelism?: number;
  submittedAt: string;
}

export interface SubmissionsFile {
  submissions: Submission[];
  /** Cancelled by a reset, to run again once the stores are empty. */
  pendingResubmit: Submission[];
  /** Stopped by `etclab down` (with the savepoint when it took one), for `etclab up --with-jobs`. */
  parked: Array<Submission & { savepoint?: string }>;
}

export const submissionsPath = (stateDir: string) => join(stateDir, 'flink', 'submissions.json');

export function readSubmissions(stateDir: string): SubmissionsFile {
  try {
    const f = JSON.parse(readFileSync(submissionsPath(stateDir), 'utf8')) as Partial<SubmissionsFile>;
    return { submissions: f.submissions ?? [], pendingResubmit: f.pendingResubmit ?? [], parked: f.parked ?? [] };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { submissions: [], pendingResubmit: [], parked: [] };
    throw new Error(`${submissionsPath(stateDir)}: ${(e as Error).message}`);
  }
}

export function writeSubmissions(stateDir: string, f: SubmissionsFile): void {
  const path = submissionsPath(stateDir);
  mkdirSync(dirname(path), { recursive: true });
  // 0600: a job's program arguments may hold a password the user passed to it.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(f, null, 1)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function recordSubmission(stateDir: string, s: Submission): void {
  const f = readSubmissions(stateDir);
  // The newest 100 are plenty to find what a reset cancels.
  writeSubmissions(stateDir, { ...f, submissions: [s, ...f.submissions].slice(0, 100) });
}
