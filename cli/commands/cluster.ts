// up, down, start, stop, restart, status: the cluster's lifecycle, all through one plan and one executor.
import type { Command } from 'commander';
import type { Inventory } from '../../provision/inventory/types.ts';
import { buildPlan, membersOf } from '../../provision/plan/build.ts';
import { probeUntil } from '../../provision/probes/until.ts';
import { resolveSecret } from '../../provision/inventory/resolve-secrets.ts';
import type { Operation } from '../../provision/plan/types.ts';
import { runPlan, type RunResult } from '../../provision/executors/direct/run.ts';
import { SshPool } from '../../provision/executors/direct/ssh.ts';
import { collectStatus, formatStatusTable } from '../../provision/status/status.ts';
import { serviceModules, moduleByName } from '../../provision/services/registry.ts';
import { checkNames, loadClusterInventory, splitList, UserError } from '../context.ts';

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

export async function runOperation(program: Command, op: Operation, services: string[] | undefined, nodes: string[] | undefined, label: string): Promise<RunResult> {
  const inv = await loadClusterInventory(program.opts().inventory);
  checkNames('service', services, Object.keys(inv.services));
  checkNames('node', nodes, inv.nodes.map((n) => n.name));
  const pool = new SshPool(inv.nodes);
  try {
    if (op === 'start' && services) await checkPrerequisites(inv, services, pool);
    const plan = buildPlan(inv, op, serviceModules, { services, nodes });
    if (!plan.steps.length) throw new UserError(`nothing to ${op}: no daemon of ${services?.join(', ') ?? 'any service'} on ${nodes?.join(', ') ?? 'any node'}`);
    console.error(`${label}: ${plan.steps.length} steps on ${new Set(plan.steps.map((s) => s.node)).size} nodes`);
    const r = await runPlan(inv, plan, { pool });
    console.error(summarize(label, r));
    if (!r.ok) process.exitCode = 1;
    return r;
  } finally {
    pool.close();
  }
}

export function registerClusterCommands(program: Command): void {
  program
    .command('up')
    .description('install, configure, start and health-check every service in order (safe to re-run)')
    .option('--services <list>', 'only these services')
    .action(async (o) => void (await runOperation(program, 'up', splitList(o.services), undefined, 'up')));

  program
    .command('down')
    .description('stop every service in reverse order and wait for each process to exit')
    .option('--services <list>', 'only these services')
    .action(async (o) => void (await runOperation(program, 'down', splitList(o.services), undefined, 'down')));

  program
    .command('start')
    .description('start one service (all its daemons, or one node), after checking what it needs is healthy')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .action(async (svc: string, o) => void (await runOperation(program, 'start', [svc], splitList(o.node), `start ${svc}`)));

  program
    .command('stop')
    .description('stop one service (or one node of it)')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .action(async (svc: string, o) => void (await runOperation(program, 'stop', [svc], splitList(o.node), `stop ${svc}`)));

  program
    .command('restart')
    .description('stop then start a service; --rolling does one node at a time, each gated on health')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .option('--rolling', 'one node at a time, waiting for health before the next')
    .action(async (svc: string, o) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      checkNames('service', [svc], Object.keys(inv.services));
      const nodes = splitList(o.node) ?? [...new Set(Object.values(inv.services[svc].roles).flat())];
      const batches = o.rolling ? nodes.map((n) => [n]) : [nodes];
      const module = moduleByName(svc)!;
      const spec = inv.services[svc];
      const clusterProbe = module.clusterProbe?.({ inventory: inv, spec, members: membersOf(inv, spec) });
      for (const batch of batches) {
        const stop = await runOperation(program, 'stop', [svc], batch, `stop ${svc} on ${batch.join(',')}`);
        if (!stop.ok) return;
        const start = await runOperation(program, 'start', [svc], batch, `start ${svc} on ${batch.join(',')}`);
        if (!start.ok) return;
        if (o.rolling && clusterProbe) {
          // The node's own health is not enough before the next one goes down: the service as a whole must be
          // whole again (Kafka: every broker back, a controller, no under-replicated partition).
          const r = await probeUntil(clusterProbe, { secret: (n) => resolveSecret(inv, n) }, {
            timeoutSec: 300,
            onAttempt: (n, a) => !a.ok && n % 5 === 1 && console.error(`waiting for ${svc} to be whole again: ${a.detail}`),
          });
          console.error(`${svc} after ${batch.join(',')}: ${r.ok ? 'whole again' : 'NOT HEALTHY'} (${r.detail})`);
          if (!r.ok) {
            process.exitCode = 1;
            return;
          }
        }
      }
      if (o.rolling) {
        // The last node's health alone is not the service's: check the whole service before saying done.
        const pool = new SshPool(inv.nodes);
        try {
          const st = await collectStatus(inv, serviceModules, pool, { services: [svc] });
          const s = st.services[0];
          console.error(`rolling restart of ${svc}: ${s.healthy ? 'healthy' : 'NOT HEALTHY'} (${s.detail})`);
          if (!s.healthy) process.exitCode = 1;
        } finally {
          pool.close();
        }
      }
    });

  program
    .command('status')
    .description('node × service: state, pid, port, health, uptime, stale config')
    .option('--services <list>', 'only these services')
    .option('--node <list>', 'only these nodes')
    .option('--json', 'machine-readable')
    .action(async (o) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const services = splitList(o.services);
      checkNames('service', services, Object.keys(inv.services));
      const pool = new SshPool(inv.nodes);
      try {
        const st = await collectStatus(inv, serviceModules, pool, { services, nodes: splitList(o.node) });
        console.log(o.json ? JSON.stringify(st, null, 2) : formatStatusTable(st));
        if (st.services.some((s) => !s.healthy)) process.exitCode = 3;
      } finally {
        pool.close();
      }
    });
}
