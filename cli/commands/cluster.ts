// up, down, start, stop, restart, status: flags in, ops/lifecycle out, lines printed.
import type { Command } from 'commander';
import type { Operation } from '../../provision/plan/types.ts';
import type { RunResult } from '../../provision/executors/direct/run.ts';
import { formatStatusTable } from '../../provision/status/status.ts';
import { clusterStatus, purge, purgeList, restartService, runOperation } from '../../ops/lifecycle.ts';
import { loadClusterInventory, splitList, UserError } from '../context.ts';
import { confirm } from '../confirm.ts';
import { EXIT } from '../exit-codes.ts';

const stderr = (l: string) => process.stderr.write(`${l}\n`);

/** One lifecycle operation as a command: progress on stderr, `--json` puts the step results on stdout. */
export async function runOperationCommand(program: Command, op: Operation, services: string[] | undefined, nodes: string[] | undefined, label: string, json = false): Promise<RunResult> {
  const inv = await loadClusterInventory(program.opts().inventory);
  const r = await runOperation(inv, op, { services, nodes, label, log: stderr });
  stderr(r.summary);
  if (json) console.log(JSON.stringify(runJson(r.run), null, 2));
  if (!r.run.ok) process.exitCode = EXIT.failed;
  return r.run;
}

/** What `--json` prints for a plan run: every step with its outcome, and the totals. */
export function runJson(r: RunResult) {
  return {
    ok: r.ok,
    changed: r.changed,
    wallSeconds: r.wallSeconds,
    criticalPathSeconds: r.criticalPathSeconds,
    runDir: r.runDir,
    steps: r.results.map((x) => ({ id: x.step.id, service: x.step.service, node: x.step.node, phase: x.step.phase, status: x.status, seconds: x.seconds, detail: x.detail })),
  };
}

export function registerClusterCommands(program: Command): void {
  program
    .command('up')
    .description('install, configure, start and health-check every service in order (safe to re-run)')
    .option('--services <list>', 'only these services')
    .option('--with-jobs', 'then submit again the Flink jobs `etclab down` stopped (from their savepoints if it took them)')
    .option('--json', 'the steps and their outcome as JSON on stdout')
    .action(async (o) => {
      const run = await runOperationCommand(program, 'up', splitList(o.services), undefined, 'up', o.json);
      if (!run.ok) return;
      const inv = await loadClusterInventory(program.opts().inventory);
      if (!inv.services.flink) return;
      const flink = await import('../../ops/flink.ts');
      const parked = flink.parkedJobs(inv);
      if (!parked.length) return;
      if (!o.withJobs) return void stderr(`flink: ${parked.length} job${parked.length > 1 ? 's' : ''} stopped by \`etclab down\` not running again (${parked.map((p) => p.entryClass ?? p.jar).join(', ')}): \`etclab up --with-jobs\` submits ${parked.length > 1 ? 'them' : 'it'}`);
      await flink.resumeParkedJobs(inv, stderr);
    });

  program
    .command('down')
    .description('stop every service in reverse order and wait for each process to exit')
    .option('--services <list>', 'only these services')
    .option('--purge', 'then remove every service\'s data, logs and tmp directories on every node, so the next up starts from nothing')
    .option('--yes', 'with --purge: do not ask')
    .option('--savepoints', 'stop running Flink jobs with a savepoint (default: cancel them); `up --with-jobs` resumes them from it')
    .option('--json', 'the steps and their outcome as JSON on stdout')
    .action(async (o) => {
      if (o.purge && o.services) throw new UserError('--purge removes every service\'s data: it goes with a whole `etclab down`, not with --services');
      const inv = await loadClusterInventory(program.opts().inventory);
      // Jobs first: a job whose Kafka or HBase goes away first fails and restarts until Flink goes too.
      const services = splitList(o.services);
      if (!services || services.includes('flink')) await (await import('../../ops/flink.ts')).parkJobs(inv, { savepoints: o.savepoints, log: stderr });
      if (o.purge && !o.yes) {
        const list = purgeList(inv);
        console.log(`down --purge will stop everything, then remove on each node:\n${list.map((t) => `  ${t.node} ${t.service}: ${t.dirs.join(' ')}`).join('\n')}`);
        if (!process.stdin.isTTY) throw new UserError('refusing to purge without confirmation: stdin is not a terminal. Run again with --yes');
        if (!(await confirm('Stop everything and delete all of the above? [y/N] '))) return void console.error('down --purge cancelled: nothing was changed');
      }
      const down = await runOperationCommand(program, 'down', splitList(o.services), undefined, 'down', o.json && !o.purge);
      if (!down.ok || !o.purge) return;
      const r = await purge(inv, { log: stderr });
      stderr(r.summary);
      if (o.json) console.log(JSON.stringify({ down: runJson(down), purge: runJson(r.run) }, null, 2));
      if (!r.run.ok) process.exitCode = EXIT.failed;
    });

  program
    .command('start')
    .description('start one service (all its daemons, or one node), after checking what it needs is healthy')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .option('--json', 'the steps and their outcome as JSON on stdout')
    .action(async (svc: string, o) => void (await runOperationCommand(program, 'start', [svc], splitList(o.node), `start ${svc}`, o.json)));

  program
    .command('stop')
    .description('stop one service (or one node of it)')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .option('--json', 'the steps and their outcome as JSON on stdout')
    .action(async (svc: string, o) => void (await runOperationCommand(program, 'stop', [svc], splitList(o.node), `stop ${svc}`, o.json)));

  program
    .command('restart')
    .description('stop then start a service; --rolling does one node at a time, each gated on health')
    .argument('<service>')
    .option('--node <list>', 'only on these nodes')
    .option('--rolling', 'one node at a time, waiting for health before the next')
    .option('--json', 'the outcome as JSON on stdout')
    .action(async (svc: string, o) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const r = await restartService(inv, svc, { nodes: splitList(o.node), rolling: o.rolling, log: stderr });
      if (o.json) console.log(JSON.stringify({ ok: r.ok, detail: r.detail, operations: r.steps.map((s) => runJson(s.run)) }, null, 2));
      if (!r.ok) process.exitCode = EXIT.failed;
    });

  program
    .command('status')
    .description('node × service: state, pid, port, health, uptime, stale config')
    .option('--services <list>', 'only these services')
    .option('--node <list>', 'only these nodes')
    .option('--deep', 'also prove the work runs: a canary job on Flink (a few seconds)')
    .option('--json', 'machine-readable')
    .action(async (o) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const st = await clusterStatus(inv, { services: splitList(o.services), nodes: splitList(o.node), deep: o.deep });
      console.log(o.json ? JSON.stringify(st, null, 2) : formatStatusTable(st));
      if (st.services.some((s) => !s.healthy)) process.exitCode = EXIT.unhealthy;
    });
}
