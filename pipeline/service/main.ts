// On a node (what the pipeline module runs): node pipeline.mjs --config <0600 json file>
// From a checkout: node --import tsx pipeline/service/main.ts --inventory <file> [--group G] [--topic T]
//   [--chunk N] [--redis-namespace NS] [--hbase-tables MAIN,INDEX]
// Runs the consumer until SIGTERM/SIGINT: the chunk in flight is finished, then the group is left.
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { fixedRule } from '../core/clone-detector.ts';
import { EwmaFlowDetector, SeasonalFlowDetector } from '../core/flow-warning.ts';
import { FlowWarner } from './warner.ts';
import { DEFAULT_TOPIC } from '../replay/run.ts';
import { DEFAULT_TABLES, HbaseSink } from '../sinks/hbase.ts';
import { MysqlSink } from '../sinks/mysql.ts';
import { RedisSink } from '../sinks/redis.ts';
import { DEFAULT_LATENESS_MS, serviceConfigFile, storeConfig } from './config.ts';
import { startStatusServer } from './status-server.ts';
import { DEFAULT_GROUP, PipelineConsumer } from './consumer.ts';

const USAGE = 'usage: main.ts --config <file> | --inventory <file> [--group G] [--topic T] [--chunk N] [--redis-namespace NS] [--hbase-tables MAIN,INDEX]';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

/** On the first SIGTERM/SIGINT: halt the role's work, close the stores and the status endpoint, exit 0. */
function exitOnSignal(o: {
  what: string;
  halt: () => Promise<void>;
  stores: { mysql: MysqlSink; redis: RedisSink; hbase: HbaseSink };
  status: () => Server | null;
  farewell?: () => string;
}): void {
  let once = false;
  const handle = async (sig: string) => {
    if (once) return;
    once = true;
    log(`${sig}: ${o.what}`);
    await o.halt();
    await Promise.allSettled([o.stores.mysql.close(), o.stores.redis.close()]);
    o.stores.hbase.close();
    o.status()?.close();
    if (o.farewell) log(o.farewell());
    process.exit(0);
  };
  process.on('SIGTERM', () => void handle('SIGTERM'));
  process.on('SIGINT', () => void handle('SIGINT'));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inventory: { type: 'string' },
      config: { type: 'string' },
      group: { type: 'string', default: DEFAULT_GROUP },
      topic: { type: 'string', default: DEFAULT_TOPIC },
      chunk: { type: 'string', default: '1000' },
      'redis-namespace': { type: 'string' },
      'hbase-tables': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.inventory === !values.config) {
    console.error(`one of --config or --inventory is required\n${USAGE}`);
    return 2;
  }
  const chunk = Number(values.chunk);
  if (!Number.isInteger(chunk) || chunk < 1) {
    console.error(`--chunk must be a positive integer, got ${values.chunk}`);
    return 2;
  }
  let tables = DEFAULT_TABLES;
  if (values['hbase-tables']) {
    const [m, i] = values['hbase-tables'].split(',');
    if (!m || !i) {
      console.error(`--hbase-tables wants MAIN,INDEX, got ${values['hbase-tables']}`);
      return 2;
    }
    tables = { main: m, index: i };
  }

  const fromFile = values.config ? await serviceConfigFile(values.config) : null;
  const cfg = fromFile ?? (await storeConfig(values.inventory!));
  const topic = fromFile?.topic ?? values.topic!;
  const group = fromFile?.group ?? values.group!;
  const mysql = MysqlSink.create(cfg.mysql);
  const redis = RedisSink.create(cfg.redis, values['redis-namespace']);
  const hbase = new HbaseSink(cfg.hbase.thrift, cfg.hbase.admin, tables);
  if (fromFile?.role === 'warner') {
    const cfgFile = fromFile;
    const warner = new FlowWarner({
      mysql, redis, group, topic, partitions: cfgFile.partitions, finalMs: cfgFile.flowFinalMs, log,
      detector: () => (cfgFile.flowDetector === 'seasonal' ? new SeasonalFlowDetector() : new EwmaFlowDetector()),
    });
    const server = await startStatusServer(cfgFile.status.host, cfgFile.status.port, () => warner.status(), log);
    exitOnSignal({ what: 'stopping the flow warner', halt: () => warner.stop(), stores: { mysql, redis, hbase }, status: () => server });
    log(`flow warner (${cfgFile.flowDetector}) on ${topic}/${group}; status on http://${cfgFile.status.host}:${cfgFile.status.port}/`);
    warner.start();
    return -1;
  }

  // A consumer that cannot start (topic being created, a broker away) or that kafkajs gives up on is
  // replaced by a fresh one after a pause: the process is its own supervisor and never exits on its own.
  let consumer!: PipelineConsumer;
  let restarting = false;
  const fresh = () => new PipelineConsumer({ brokers: cfg.brokers, topic, group, mysql, redis, hbase, chunk: fromFile?.chunk ?? chunk, log,
    cloneRule: fixedRule(fromFile?.clones.gapMs), outOfOrdernessMs: fromFile?.clones.outOfOrdernessMs ?? DEFAULT_LATENESS_MS, onFatal: (e) => void restart(`kafka consumer gave up: ${e}`) });
  const restart = async (why: string) => {
    if (restarting || stopping) return;
    restarting = true;
    for (let attempt = 1; !stopping; attempt++) {
      const pause = Math.min(2_000 * attempt, 15_000);
      log(`${why}; starting a new consumer in ${pause / 1000} s (attempt ${attempt})`);
      await consumer.stop().catch(() => {});
      await new Promise((r) => setTimeout(r, pause));
      if (stopping) break;
      consumer = fresh();
      try {
        await consumer.start();
        break;
      } catch (e) {
        why = `start failed: ${(e as Error).message}`;
      }
    }
    restarting = false;
  };
  log(
    `pipeline: kafka ${cfg.brokers.join(',')} topic ${topic} group ${group}; mysql ${cfg.mysql.host}:${cfg.mysql.port}/${cfg.mysql.database}; ` +
      `redis ${cfg.redis.host}:${cfg.redis.port}${values['redis-namespace'] ? ` namespace ${values['redis-namespace']}` : ''}; hbase ${cfg.hbase.thrift.host}:${cfg.hbase.thrift.port} tables ${tables.main},${tables.index}`,
  );

  let status: Server | null = null;
  let stopping = false;
  exitOnSignal({
    what: 'finishing the batch in flight, then disconnecting',
    halt: async () => {
      stopping = true;
      await consumer.stop().catch((e) => log(`kafka disconnect: ${(e as Error).message}`));
    },
    stores: { mysql, redis, hbase },
    status: () => status,
    farewell: () => {
      const s = consumer.stats;
      return `stopped: ${s.records} records in ${s.batches} batches (mysql +${s.mysqlApplied}, redis +${s.redisApplied}, skipped ${s.skipped}, duplicates ${s.duplicates}, undecodable ${s.undecodable})`;
    },
  });

  // Created before the status endpoint, which reads it on every request.
  consumer = fresh();
  status = fromFile ? await startStatusServer(fromFile.status.host, fromFile.status.port, () => consumer.status(), log) : null;
  if (fromFile) log(`status on http://${fromFile.status.host}:${fromFile.status.port}/`);
  await consumer.start().catch((e) => restart(`start failed: ${(e as Error).message}`));
  return -1; // keep running until a signal
}

main().then(
  (code) => { if (code >= 0) process.exit(code); },
  (err) => {
    log(`pipeline failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
