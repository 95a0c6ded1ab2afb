// `etclab query plate|checkpoint|aggregate|alerts|warnings`: the dashboard's queries in the terminal (the same
// API routes, called without HTTP), a table by default, --csv for Excel, --json for programs.
import type { Command } from 'commander';
import { loadClusterInventory, UserError } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

type Opts = { csv?: boolean; json?: boolean; limit?: string; from?: string; to?: string; step?: string; type?: string; checkpoint?: string; plate?: string };

/** Rows as aligned columns (CJK characters count two). */
function table(columns: string[], rows: Array<Record<string, unknown>>): string {
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const cells = [columns, ...rows.map((r) => columns.map((c) => String(r[c] ?? '')))];
  const w = columns.map((_, i) => Math.max(...cells.map((r) => width(r[i]!))));
  return cells.map((r) => r.map((v, i) => v + ' '.repeat(w[i]! - width(v))).join('  ').trimEnd()).join('\n');
}

export function registerQueryCommands(program: Command): void {
  const query = program.command('query').description('query the pipeline\'s stores like the dashboard\'s query page: plate, checkpoint, aggregate, alerts, warnings');
  const run = async (path: string, params: Record<string, string | undefined>, o: Opts) => {
    const inv = await loadClusterInventory(program.opts().inventory);
    const { openQueries } = await import('../../ops/dashboard.ts');
    const q = openQueries(inv);
    try {
      const r = await q.call(path, params);
      if (r.status !== 200) {
        const err = (r.body as { error: string }).error;
        if (r.status === 400) throw new UserError(err);
        console.error(`etclab: ${err}`);
        process.exitCode = EXIT.failed;
        return;
      }
      if (o.json) return void console.log(JSON.stringify(r.body, null, 2));
      const { toCsv } = await import('../../query/csv.ts');
      if (o.csv) return void process.stdout.write(toCsv(r.csv!.columns, r.csv!.rows));
      console.log(r.csv!.rows.length ? table(r.csv!.columns, r.csv!.rows) : 'no rows');
    } finally {
      await q.close();
    }
  };
  const out = (c: Command) => c.option('--csv', 'CSV (UTF-8 with BOM, for Excel) on stdout').option('--json', 'the API\'s JSON');

  out(query.command('plate').description('a plate\'s most recent passages, newest first').argument('<plate>').option('--limit <n>', 'how many', '50'))
    .action((plate: string, o: Opts) => run(`/api/query/plate/${encodeURIComponent(plate)}`, { limit: o.limit }, o));
  out(query.command('checkpoint').description('passages at a checkpoint in a time range (Beijing time)').argument('<checkpoint>').requiredOption('--from <time>', 'e.g. "2024-01-08 10:00"').requiredOption('--to <time>').option('--limit <n>', 'at most', '1000'))
    .action((cp: string, o: Opts) => run(`/api/query/checkpoint/${encodeURIComponent(cp)}`, { from: o.from, to: o.to, limit: o.limit }, o));
  out(query.command('aggregate').description('passages per step at a checkpoint (default 5-minute buckets)').argument('<checkpoint>').requiredOption('--from <time>').requiredOption('--to <time>').option('--step <step>', '1m, 5m, 15m or 1h', '5m'))
    .action((cp: string, o: Opts) => run('/api/query/aggregate', { checkpoint: cp, from: o.from, to: o.to, step: o.step }, o));
  out(query.command('alerts').description('clone-plate alerts with their evidence, newest first').option('--type <rule>', 'A or B').option('--checkpoint <c>').option('--plate <p>').option('--from <time>').option('--to <time>').option('--limit <n>', 'at most', '100'))
    .action((o: Opts) => run('/api/alerts', { type: o.type, checkpoint: o.checkpoint, plate: o.plate, from: o.from, to: o.to, limit: o.limit }, o));
  out(query.command('warnings').description('flow warnings with count, baseline and bound, newest first').option('--type <dir>', 'high or low').option('--checkpoint <c>').option('--from <time>').option('--to <time>').option('--limit <n>', 'at most', '100'))
    .action((o: Opts) => run('/api/warnings', { type: o.type, checkpoint: o.checkpoint, from: o.from, to: o.to, limit: o.limit }, o));
}
