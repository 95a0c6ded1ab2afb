// The direct executor: runs a plan over SSH, in parallel where the DAG allows. A failed step names node,
// service and step and shows the tail of its log; steps that depended on it are reported as skipped.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Inventory } from '../../inventory/types.ts';
import { CLUSTER, type Plan, type Step } from '../../plan/types.ts';
import { criticalPath, indexSteps, topoOrder } from '../../plan/dag.ts';
import { filesScript } from '../../plan/files-script.ts';
import { q } from '../../plan/daemon-scripts.ts';
import { onChangedAnswer, probeUntil } from '../../probes/until.ts';
import { taskByName } from '../../tasks/registry.ts';
import { resolveSecret, secretValues } from '../../inventory/resolve-secrets.ts';
import { SshPool } from './ssh.ts';
import { verifyArtifact } from '../../artifacts/cache.ts';
import { buildBundlesOf } from '../../artifacts/bundle.ts';
import { fillSecrets, redactingStream, redactor } from './secrets-fill.ts';

export type StepStatus = 'ok' | 'unchanged' | 'failed' | 'skipped';

export interface StepResult {
  step: Step;
  status: StepStatus;
  seconds: number;
  detail: string;
  logFile?: string;
}

export interface RunResult {
  ok: boolean;
  changed: boolean;
  wallSeconds: number;
  criticalPathSeconds: number;
  results: StepResult[];
  runDir: string;
}

export interface RunOptions {
  concurrency?: number;
  log?: (line: string) => void;
  /** Reuse a pool (status and the console keep one open). */
  pool?: SshPool;
  /** Where step logs go (default: a new directory under <stateDir>/runs); Pulumi's steps share one per run. */
  runDir?: string;
}

const tail = (text: string, n = 20) => text.trimEnd().split('\n').slice(-n).join('\n');

export async function runPlan(inv: Inventory, plan: Plan, opts: RunOptions = {}): Promise<RunResult> {
  const log = opts.log ?? ((l) => process.stderr.write(l + '\n'));
  const byId = indexSteps(plan.steps);
  topoOrder(plan.steps); // rejects cycles before anything runs
  await checkArtifacts(plan, log);
  const runDir = opts.runDir ?? path.join(inv.stateDir, 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${plan.operation}`);
  mkdirSync(runDir, { recursive: true });
  const secretList = await secretValues(inv);
  const redact = redactor(secretList);
  const secret = (name: string) => resolveSecret(inv, name);
  const pool = opts.pool ?? new SshPool(inv.nodes);
  const results = new Map<string, StepResult>();
  const total = plan.steps.length;
  const started = Date.now();
  let running = 0;
  let reported = 0;
  const limit = opts.concurrency ?? 8;

  const runStep = async (step: Step): Promise<StepResult> => {
    const logFile = path.join(runDir, `${step.id.replace(/[/:*]/g, '_')}.log`);
    const out: WriteStream = createWriteStream(logFile, { mode: 0o600 });
    // Output comes in chunks that may split a secret: the stream holds back what could be one's beginning.
    const stream = redactingStream(secretList);
    const write = (s: string) => out.write(stream.push(s));
    write(`# ${step.title} (${step.id})\n`);
    const t0 = Date.now();
    let status: StepStatus = 'ok';
    let detail = '';
    try {
      const r = await execute(step, { pool, write, secret, inv });
      status = r.changed ? 'ok' : 'unchanged';
      detail = r.detail;
    } catch (e) {
      status = 'failed';
      detail = redact((e as Error).message);
      write(`\n${detail}\n`);
    }
    out.write(stream.end());
    await new Promise<void>((res) => out.end(res));
    const result: StepResult = { step, status, seconds: (Date.now() - t0) / 1000, detail, logFile };
    // Counted at print time: steps finishing together must not share a number.
    const n = String(++reported).padStart(String(total).length);
    const mark = { ok: '✓', unchanged: '=', failed: '✗', skipped: '-' }[status];
    log(`[${n}/${total}] ${mark} ${step.title} (${result.seconds.toFixed(1)}s)${detail ? `: ${detail.split('\n')[0]}` : ''}`);
    if (status === 'failed') {
      const body = redact(await readFile(logFile, 'utf8').catch(() => ''));
      log(`    ✗ step ${step.phase} of ${step.service} on ${step.node === CLUSTER ? 'the cluster' : step.node} failed. Last lines of ${logFile}:`);
      log(tail(body).replace(/^/gm, '    │ '));
    }
    return result;
  };

  await new Promise<void>((done) => {
    const pending = new Set(plan.steps.map((s) => s.id));
    const pump = () => {
      for (const id of [...pending]) {
        const step = byId.get(id)!;
        const depResults = step.deps.map((d) => results.get(d));
        if (depResults.some((r) => !r)) continue;
        const bad = depResults.find((r) => r!.status === 'failed' || r!.status === 'skipped');
        if (bad) {
          pending.delete(id);
          const why = bad.status === 'failed' ? bad.step.title : `${bad.step.title} was skipped`;
          results.set(id, { step, status: 'skipped', seconds: 0, detail: `not run because ${why} failed` });
          log(`[${String(++reported).padStart(String(total).length)}/${total}] - ${step.title}: skipped (${why.endsWith('skipped') ? why : why + ' failed'})`);
          continue;
        }
        if (running >= limit) break;
        pending.delete(id);
        running++;
        runStep(step).then((r) => {
          results.set(id, r);
          running--;
          pump();
        });
      }
      if (pending.size === 0 && running === 0) done();
    };
    pump();
  });
  if (!opts.pool) pool.close();

  const ordered = plan.steps.map((s) => results.get(s.id)!);
  const wallSeconds = (Date.now() - started) / 1000;
  const cp = criticalPath(plan.steps, (s) => results.get(s.id)?.seconds ?? 0);
  return {
    ok: ordered.every((r) => r.status === 'ok' || r.status === 'unchanged'),
    changed: ordered.some((r) => r.status === 'ok'),
    wallSeconds,
    criticalPathSeconds: cp.seconds,
    results: ordered,
    runDir,
  };
}

/**
 * Every artifact the plan copies must be in the cache and match its manifest before any node is touched:
 * a half-copied runtime fails later as a ClassNotFoundError on one node, which is much harder to read.
 */
export async function checkArtifacts(plan: Plan, log?: (line: string) => void): Promise<void> {
  const seen = new Map<string, { service: string; version: string }>();
  for (const s of plan.steps) if (s.action.kind === 'sync') seen.set(s.action.from, s.action.artifact);
  await buildBundlesOf(plan.steps, log);
  for (const [dir, a] of seen) {
    const t0 = Date.now();
    const r = await verifyArtifact(a, path.dirname(dir));
    log?.(`artifact ${a.service} ${a.version}: ${r.files} files verified (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  }
}

interface ExecCtx {
  pool: SshPool;
  write: (s: string) => void;
  secret: (name: string) => Promise<string>;
  inv: Inventory;
}

async function execute(step: Step, ctx: ExecCtx): Promise<{ changed: boolean; detail: string }> {
  const a = step.action;
  switch (a.kind) {
    case 'shell':
    case 'files': {
      let script: string;
      if (a.kind === 'files') {
        const files = await Promise.all(a.files.map(async (f) => ({ ...f, content: await fillSecrets(f.content, ctx.secret) })));
        script = filesScript(files, a.digest);
      } else script = await fillSecrets(a.script, ctx.secret);
      const r = await ctx.pool.exec(step.node, script, { onData: ctx.write, timeoutSec: step.timeoutSec });
      if (r.code !== 0) throw new Error(`exit code ${r.code}`);
      return verdict(r.output);
    }
    case 'probe': {
      const r = await probeUntil(a.probe, { secret: ctx.secret, deep: true }, {
        timeoutSec: step.timeoutSec,
        onAttempt: onChangedAnswer((l) => ctx.write(`${l}\n`)),
      });
      if (!r.ok) throw new Error(r.detail);
      return { changed: false, detail: r.detail };
    }
    case 'sync':
      return syncDir(step.node, a.from, a.to, a.manifest, ctx);
    case 'task':
      return taskByName(a.task).run(a.params, { inventory: ctx.inv, secret: ctx.secret, log: (l) => ctx.write(`${l}\n`) });
  }
}

/** Steps print ETCLAB_CHANGED / ETCLAB_UNCHANGED lines; anything changed makes the step "ok". */
function verdict(output: string): { changed: boolean; detail: string } {
  const changed = [...output.matchAll(/^ETCLAB_CHANGED (.*)$/gm)].map((m) => m[1]);
  const unchanged = [...output.matchAll(/^ETCLAB_UNCHANGED (.*)$/gm)].map((m) => m[1]);
  if (changed.length) return { changed: true, detail: changed.join('; ') };
  return { changed: false, detail: unchanged.join('; ') };
}

/** Copies an artifact directory to a node once: re-runs compare manifests and copy nothing. */
async function syncDir(node: string, from: string, to: string, manifest: string, ctx: ExecCtx): Promise<{ changed: boolean; detail: string }> {
  const sum = createHash('sha256').update(await readFile(manifest)).digest('hex');
  const marker = `${to}/.etclab-manifest.sha256`;
  const cur = await ctx.pool.exec(node, `cat ${q(marker)} 2>/dev/null || true`);
  if (cur.output.trim() === sum) return { changed: false, detail: `${to} up to date` };
  ctx.write(`copying ${from} → ${node}:${to}\n`);
  const tar = spawn('tar', ['-C', from, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const tmp = `${to}.etclab-tmp`;
  const r = await ctx.pool.exec(
    node,
    `bash -c ${q(`set -e; rm -rf ${q(tmp)}; mkdir -p ${q(tmp)}; tar -C ${q(tmp)} -xf -; rm -rf ${q(to)}; mv ${q(tmp)} ${q(to)}; echo ${sum} > ${q(marker)}`)}`,
    { stdin: tar.stdout!, onData: ctx.write, timeoutSec: 900 },
  );
  if (r.code !== 0) throw new Error(`copy to ${node}:${to} failed (exit ${r.code})`);
  return { changed: true, detail: `copied ${path.basename(to)}` };
}
