// The cluster's lifecycle as functions: up, down, start, stop, restart (rolling or not), status. They take an
// inventory and a log sink and return results; they never print or exit (front-ends do).
import type { Inventory } from '../provision/inventory/types.ts';
import { buildPlan, membersOf } from '../provision/plan/build.ts';
import { probeUntil } from '../provision/probes/until.ts';
import { resolveSecret } from '../provision/inventory/resolve-secrets.ts';
import type { Operation } from '../provision/plan/types.ts';
import { runPlan, type RunResult } from '../provision/executors/direct/run.ts';
import { SshPool } from '../provision/executors/direct/ssh.ts';
import { collectStatus, type ClusterStatus } from '../provision/status/status.ts';
import { serviceModules, moduleByName } from '../provision/services/registry.ts';
import { buildPurgePlan, purgeTargets, type PurgeTarget } from '../provision/plan/purge.ts';
import { checkNames } from './inventory.ts';
import { UserError } from './errors.ts';

export type Log = (line: string) => void;

export function summarize(op: string, r: RunResult): string {
  const count = (s: string) => r.results.filter((x) => x.status === s).length;
  const ratio = r.criticalPathSeconds > 0 ? (r.wallSeconds / r.criticalPathSeconds).toFixed(2) : '-';
  const head = !r.ok
    ? `${op} FAILED: ${count('failed')} failed, ${count('skipped')} skipped, ${count('ok')} changed, ${count('unchanged')} unchanged`
    : r.changed
      ? `${op} done: ${count('ok')} steps changed something, ${count('unchanged')} already in place`
      : `${op}: nothing changed — all ${r.results.length} steps were already in place`;
  return `${head}\nwall ${r.wallSeconds.toFixed(1)}s, critical path ${r.criticalPathSeconds.toFixed(1)}s (ratio ${ratio}); step logs in ${r.runDir}`;
}

/** Refuses to start a service whose prerequisites are not healthy, naming them. */
export async function checkPrerequisites(inv: Inventory, services: string[], pool: SshPool): Promise<void> {
  const needed = [...new Set(services.flatMap((s) => moduleByName(s)?.after ?? []))].filter((a) => inv.services[a] && !services.includes(a));
  if (!needed.length) return;
  const st = await collectStatus(inv, serviceModules, pool, { services: needed });
  const bad = st.services.filter((s) => !s.healthy);
  if (bad.length)
    throw new UserError(
      `refusing to start ${services.join(', ')}: it needs ${bad.map((b) => `${b.service} (${b.detail})`).join(' and ')} healthy first.\n` +
        `Start it with: ${bad.map((b) => `etclab start ${b.service}`).join(' && ')}  (or bring everything up in order with: etclab up)`,
    );
}

export interface OperationOptions {
  services?: string[];
  nodes?: string[];
  /** How the operation is named in progress and summary lines. */
  label?: string;
  log?: Log;
  /** An open pool to reuse (the console keeps one); otherwise one is opened and closed here. */
  pool?: SshPool;
}

export interface OperationResult {
  run: RunResult;
  summary: string;
}

/** up / down / start / stop of the whole cluster or some services and nodes, through one plan and the executor. */
export async function runOperation(inv: Inventory, op: Operation, o: OperationOptions = {}): Promise<OperationResult> {
  const { services, nodes } = o;
  const label = o.label ?? op;
  checkNames('service', services, Object.keys(inv.services));
  checkNames('node', nodes, inv.nodes.map((n) => n.name));
  const pool = o.pool ?? new SshPool(inv.nodes);
  try {
    if (op === 'start' && services) await checkPrerequisites(inv, services, pool);
    const plan = buildPlan(inv, op, serviceModules, { services, nodes });
    if (!plan.steps.length) throw new UserError(`nothing to ${op}: no daemon of ${services?.join(', ') ?? 'any service'} on ${nodes?.join(', ') ?? 'any node'}`);
    o.log?.(`${label}: ${plan.steps.length} steps on ${new Set(plan.steps.map((s) => s.node)).size} nodes`);
    const run = await runPlan(inv, plan, { pool, log: o.log ?? (() => {}) });
    return { run, summary: summarize(label, run) };
  } finally {
    if (!o.pool) pool.close();
  }
}

export interface RestartResult {
  ok: boolean;
  steps: OperationResult[];
  /** The service as a whole at the end (rolling), or why it stopped. */
  detail: string;
}

/**
 * stop + start of a service; `rolling`: one node at a time, and before the next node goes down the service as
 * a whole must be whole again (Kafka: every broker back, a controller, no under-replicated partition).
 */
export async function restartService(inv: Inventory, service: string, o: { nodes?: string[]; rolling?: boolean; log?: Log } = {}): Promise<RestartResult> {
  checkNames('service', [service], Object.keys(inv.services));
  const log = o.log ?? (() => {});
  const nodes = o.nodes ?? [...new Set(Object.values(inv.services[service]!.roles).flat())];
  const batches = o.rolling ? nodes.map((n) => [n]) : [nodes];
  const spec = inv.services[service]!;
  const clusterProbe = moduleByName(service)!.clusterProbe?.({ inventory: inv, spec, members: membersOf(inv, spec) });
  const steps: OperationResult[] = [];
  for (const batch of batches) {
    for (const op of ['stop', 'start'] as const) {
      const r = await runOperation(inv, op, { services: [service], nodes: batch, label: `${op} ${service} on ${batch.join(',')}`, log });
      steps.push(r);
      log(r.summary);
      if (!r.run.ok) return { ok: false, steps, detail: `${op} ${service} on ${batch.join(',')} failed` };
    }
    if (o.rolling && clusterProbe) {
      const r = await probeUntil(clusterProbe, { secret: (n) => resolveSecret(inv, n), deep: true }, {
        timeoutSec: 300,
        onAttempt: (n, a) => { if (!a.ok && n % 5 === 1) log(`waiting for ${service} to be whole again: ${a.detail}`); },
      });
      log(`${service} after ${batch.join(',')}: ${r.ok ? 'whole again' : 'NOT HEALTHY'} (${r.detail})`);
      if (!r.ok) return { ok: false, steps, detail: r.detail };
    }
  }
  if (!o.rolling) return { ok: true, steps, detail: 'restarted' };
  // The last node's health alone is not the service's: check the whole service before saying done.
  const st = await clusterStatus(inv, { services: [service] });
  const s = st.services[0]!;
  log(`rolling restart of ${service}: ${s.healthy ? 'healthy' : 'NOT HEALTHY'} (${s.detail})`);
  return { ok: s.healthy === true, steps, detail: s.detail };
}

export async function clusterStatus(inv: Inventory, o: { services?: string[]; nodes?: string[]; deep?: boolean } = {}): Promise<ClusterStatus> {
  checkNames('service', o.services, Object.keys(inv.services));
  const pool = new SshPool(inv.nodes);
  try {
    return await collectStatus(inv, serviceModules, pool, o);
  } finally {
    pool.close();
  }
}

/** What `down --purge` removes, per node and service (listed before asking). */
export function purgeList(inv: Inventory): PurgeTarget[] {
  return purgeTargets(inv, serviceModules);
}

/** Removes every service's data, logs and tmp directories on every node; refuses on a node where a daemon still runs. */
export async function purge(inv: Inventory, o: { log?: Log } = {}): Promise<OperationResult> {
  const run = await runPlan(inv, buildPurgePlan(inv, serviceModules), { log: o.log ?? (() => {}) });
  return { run, summary: summarize('purge', run) };
}
