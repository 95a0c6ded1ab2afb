// `etclab data check|clean`: look at the ETC exports before anything downstream trusts them.
import type { Command } from 'commander';
import { checkFiles } from '../../pipeline/data/check.ts';
import { cleanFiles } from '../../pipeline/data/clean.ts';
import { DEFAULT_DATA_DIR, expandInputs } from '../../pipeline/data/inputs.ts';
import { renderCheckReport, table } from '../../pipeline/data/report.ts';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('check and clean the ETC CSV exports (cleaned 16-column or raw 8-column)');
  data
    .command('check')
    .description('per file and in total: rows, rejections by reason, duplicate GCXH, time coverage and gaps, checkpoints, GCSJ_TS offset')
    .argument('[inputs...]', `CSV files or directories (default: ${DEFAULT_DATA_DIR})`)
    .option('--json', 'machine-readable report on stdout')
    .action(async (inputs: string[], o: { json?: boolean }) => {
      const files = await expandInputs(inputs.length ? inputs : [DEFAULT_DATA_DIR]);
      if (files.length === 0) throw new Error(`no CSV files in ${inputs.join(' ') || DEFAULT_DATA_DIR}`);
      const report = await checkFiles(files, (f) => {
        if (!o.json && process.stderr.isTTY) process.stderr.write(`\rchecked ${f.file}`.padEnd(60));
      });
      if (!o.json && process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
      console.log(o.json ? JSON.stringify(report, null, 2) : renderCheckReport(report));
      if (report.total.fileErrors > 0) process.exitCode = 1;
    });
  data
    .command('clean')
    .description('write cleaned CSVs (GCSJ_TS recomputed as Beijing time) and <name>.quarantine.csv with every rejected row')
    .argument('<inputs...>', 'CSV files or directories')
    .requiredOption('--out <dir>', 'output directory (must not be an input directory)')
    .option('--json', 'machine-readable summary on stdout')
    .action(async (inputs: string[], o: { out: string; json?: boolean }) => {
      const files = await expandInputs(inputs);
      if (files.length === 0) throw new Error(`no CSV files in ${inputs.join(' ')}`);
      const results = await cleanFiles(files, { outDir: o.out });
      if (o.json) console.log(JSON.stringify(results, null, 2));
      else {
        const rows = results.map((r) => [
          r.file, String(r.rows), String(r.written),
          Object.entries(r.quarantined).map(([k, v]) => `${k}=${v}`).join(' ') || (r.error ? 'ERROR' : '-'),
          r.error ?? r.output ?? '',
        ]);
        console.log(table(['file', 'rows', 'written', 'quarantined', 'output'], rows));
      }
      if (results.some((r) => r.error)) process.exitCode = 1;
    });
}
