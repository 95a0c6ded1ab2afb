// `etclab replay`: feed the ETC exports into Kafka at a chosen pace, resumable.
import type { Command } from 'commander';
import { formatProgress } from '../../pipeline/replay/pacing.ts';
import { DEFAULT_RATE, DEFAULT_TOPIC, runReplay, type ReplayOptions } from '../../pipeline/replay/run.ts';

export { runReplay };

/** The inventory's Kafka brokers and the pipeline's topic, so a user on the lab never types an address. */
async function fromInventory(program: Command): Promise<{ brokers: string[]; topic: string }> {
  const { loadClusterInventory, UserError } = await import('../context.ts');
  const { kafkaBrokers } = await import('../../provision/services/kafka/endpoints.ts');
  const { pipelineTopic } = await import('../../provision/services/pipeline/endpoints.ts');
  const inv = await loadClusterInventory(program.opts().inventory);
  if (!inv.services.kafka) throw new UserError('no kafka service in the inventory: pass --brokers host:port,...');
  return { brokers: kafkaBrokers(inv), topic: pipelineTopic(inv) };
}

const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};

interface CliOpts {
  topic?: string;
  order: string;
  brokers?: string;
  rate?: number;
  speed?: number;
  max?: boolean;
  limit?: number;
  resume?: boolean;
  dryRun?: boolean;
  state?: string;
  quarantine?: string;
  compression: 'gzip' | 'none';
  batchSize: number;
  json?: boolean;
}

export function registerReplayCommands(program: Command): void {
  program
    .command('replay')
    .description('send cleaned ETC rows to Kafka (JSON, key = plate, timestamp = event time); bad rows are quarantined, never fatal')
    .argument('[inputs...]', 'CSV files or directories (default: the shared ETC data set)')
    .option('--topic <name>', `Kafka topic (default: the pipeline's, ${DEFAULT_TOPIC} unless the inventory renames it)`)
    .option('--order <order>', 'time: all inputs merged by event time, as a live feed sends them; file: file after file, each in its own order', 'time')
    .option('--brokers <list>', 'host:port,... of the Kafka brokers')
    .option('--rate <n>', `rows per second, 0 = unlimited (default ${DEFAULT_RATE}, or unlimited with --speed)`, num('--rate'))
    .option('--speed <x>', 'replay x seconds of traffic per second (60 = one event minute per second; time order only)', num('--speed'))
    .option('--max', 'as fast as the brokers take it (same as --rate 0)')
    .option('--limit <n>', 'stop after sending n rows', num('--limit'))
    .option('--resume', 'continue after the last acknowledged row of the previous replay')
    .option('--dry-run', 'read and validate only; nothing is sent or written')
    .option('--state <file>', 'resume state file', '.lab/replay/state.json')
    .option('--quarantine <dir>', 'where rejected rows go', '.lab/replay/quarantine')
    .option('--compression <kind>', 'gzip or none', 'gzip')
    .option('--batch-size <n>', 'messages per produce request', num('--batch-size'), 500)
    .option('--json', 'print the summary as JSON')
    .action(async (inputs: string[], o: CliOpts) => {
      if (o.max && (o.rate !== undefined || o.speed !== undefined)) throw new Error('--max goes alone: it means no pacing; drop --rate/--speed');
      if (o.order !== 'time' && o.order !== 'file') throw new Error(`--order must be time or file, got "${o.order}"`);
      if (o.compression !== 'gzip' && o.compression !== 'none') throw new Error(`--compression must be gzip or none, got "${o.compression}"`);
      const ac = new AbortController();
      const onSigint = () => {
        if (ac.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping after the batch in flight is acknowledged (Ctrl-C again to quit at once)\n');
        ac.abort();
      };
      process.on('SIGINT', onSigint);
      const tty = process.stderr.isTTY;
      let lastLine = 0;
      // The inventory gives what the flags leave out; with --brokers (or --dry-run) it is optional.
      const needInventory = !o.brokers && !o.dryRun;
      const inv = o.brokers && o.topic ? undefined : await fromInventory(program).catch((e: unknown) => { if (needInventory) throw e; return undefined; });
      const opts: ReplayOptions = {
        inputs,
        topic: o.topic ?? inv?.topic ?? DEFAULT_TOPIC,
        order: o.order,
        brokers: o.brokers?.split(',').map((b) => b.trim()).filter(Boolean) ?? inv?.brokers,
        rate: o.max ? 0 : o.rate,
        speed: o.speed,
        max: o.limit,
        resume: o.resume,
        dryRun: o.dryRun,
        stateFile: o.state,
        quarantineDir: o.quarantine,
        compression: o.compression,
        batchSize: o.batchSize,
        signal: ac.signal,
        log: (l) => process.stderr.write(`${tty ? '\n' : ''}${l}\n`),
        progress: (p) => {
          if (tty) process.stderr.write(`\r${formatProgress(p)}\x1b[K`);
          else if (p.elapsedMs - lastLine >= 10_000) {
            lastLine = p.elapsedMs;
            process.stderr.write(`${formatProgress(p)}\n`);
          }
        },
      };
      try {
        const s = await runReplay(opts);
        if (tty) process.stderr.write('\n');
        if (o.json) console.log(JSON.stringify(s, null, 2));
        else {
          const rej = Object.entries(s.rejected).map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
          console.log(`${o.dryRun ? 'validated' : 'sent'} ${s.sent} rows from ${s.files} files in ${(s.elapsedMs / 1000).toFixed(1)}s in ${s.order} order (${s.stopped}); peak RSS ${s.peakRssMiB} MiB; rejected: ${rej}` +
            (s.skipped ? `; skipped ${s.skipped} already sent` : '') + (s.quarantineDir && rej !== 'none' ? `; quarantine: ${s.quarantineDir}` : ''));
          for (const e of s.fileErrors) console.log(`unreadable: ${e}`);
        }
        if (s.stopped === 'signal') process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
