// `etclab pipeline start|stop|status`: the stream consumers as the user thinks of them (one group on one
// topic), over the same plan and executor as `etclab start|stop pipeline`.
import type { Command } from 'commander';
import type { Inventory } from '../../provision/inventory/types.ts';
import { groupView, retryingOn, type ConsumerEndpoint, type GroupView } from '../../provision/services/pipeline/probe.ts';
import { consumerStatusEndpoints, pipelineGroup, pipelineTopic } from '../../provision/services/pipeline/endpoints.ts';
import { loadClusterInventory, splitList, UserError } from '../context.ts';
import { runOperationCommand } from './cluster.ts';

export function consumerEndpoints(inv: Inventory): ConsumerEndpoint[] {
  if (!inv.services.pipeline) throw new UserError(`the inventory ${inv.file} has no pipeline service (services.pipeline)`);
  return consumerStatusEndpoints(inv);
}

export function formatGroupView(v: GroupView, group: string, topic: string): string {
  const rows = [['node', 'state', 'partitions', 'records', 'rate/s', 'lag', 'note']];
  for (const c of v.consumers) {
    const s = c.status;
    rows.push(
      s
        ? [c.node, String(s.state), `[${(s.partitions as number[]).join(',')}]`, String(s.records), String(s.rate), String(s.lag), retryingOn(s) ? `retrying: ${retryingOn(s)}` : '']
        : [c.node, 'down', '-', '-', '-', '-', c.error ?? ''],
    );
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
  const up = v.consumers.filter((c) => c.status?.state === 'consuming').length;
  return `group ${group} on topic ${topic}: ${up}/${v.consumers.length} consumers consuming, partitions [${v.assigned.join(',')}], ${v.records} records since start, ${v.rate} records/s, lag ${v.lag}\n${table}${lateLine(v)}`;
}

interface DetectorFigures { passages: number; bytesEstimate: number; reordered: number; late: number; boundMs: number }

/** How out-of-order passages were handled: "late" is never silently "ignored". */
function lateLine(v: GroupView): string {
  const ds = v.consumers.map((c) => c.status?.detector as DetectorFigures | undefined).filter((d): d is DetectorFigures => !!d);
  if (ds.length === 0) return '';
  const sum = (k: keyof DetectorFigures) => ds.reduce((n, d) => n + d[k], 0);
  const days = (Math.max(...ds.map((d) => d.boundMs)) / 86_400_000).toFixed(1).replace(/\.0$/, '');
  const beyond = sum('late');
  return `\nclone detector: ${sum('passages')} passages held (~${(sum('bytesEstimate') / 1048576).toFixed(1)} MiB); ${sum('reordered')} arrived after a later passage within the ${days}-day bound (paired exactly)` +
    (beyond ? `; ${beyond} LATE beyond the bound: paired only with passages still held, pairs with expired ones may be missed (raise services.pipeline.settings.outOfOrdernessMin)` : '; none beyond it');
}

export function registerPipelineCommands(program: Command): void {
  const cmd = program.command('pipeline').description('the stream consumers (Kafka → HBase, MySQL, Redis): start, stop, status');
  cmd
    .command('start')
    .description('start the consumers (after checking Kafka, HBase, the proxy and Redis are healthy)')
    .option('--node <list>', 'only on these nodes')
    .action(async (o) => void (await runOperationCommand(program, 'start', ['pipeline'], splitList(o.node), 'start pipeline')));
  cmd
    .command('stop')
    .description('stop the consumers: each finishes its chunk in flight and leaves the group')
    .option('--node <list>', 'only on these nodes')
    .action(async (o) => void (await runOperationCommand(program, 'stop', ['pipeline'], splitList(o.node), 'stop pipeline')));
  cmd
    .command('status')
    .description('each consumer: state, partitions, records, rate, lag')
    .option('--json', 'machine-readable')
    .action(async (o: { json?: boolean }) => {
      const inv = await loadClusterInventory(program.opts().inventory);
      const v = await groupView(consumerEndpoints(inv));
      if (o.json) console.log(JSON.stringify(v, null, 2));
      else console.log(formatGroupView(v, pipelineGroup(inv), pipelineTopic(inv)));
      if (v.consumers.some((c) => c.status?.state !== 'consuming')) process.exitCode = 1;
    });
}
