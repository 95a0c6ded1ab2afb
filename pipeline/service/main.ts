// node --import tsx pipeline/service/main.ts --inventory <file> [--group G] [--topic T] [--chunk N]
//   [--redis-namespace NS] [--hbase-tables MAIN,INDEX]
// Runs the consumer until SIGTERM/SIGINT: the chunk in flight is finished, then the group is left.
import { parseArgs } from 'node:util';
import { DEFAULT_TOPIC } from '../replay/run.ts';
import { DEFAULT_TABLES, HbaseSink } from '../sinks/hbase.ts';
import { MysqlSink } from '../sinks/mysql.ts';
import { RedisSink } from '../sinks/redis.ts';
import { storeConfig } from './config.ts';
import { DEFAULT_GROUP, PipelineConsumer } from './consumer.ts';

const USAGE = 'usage: main.ts --inventory <file> [--group G] [--topic T] [--chunk N] [--redis-namespace NS] [--hbase-tables MAIN,INDEX]';

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      inventory: { type: 'string' },
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
  if (!values.inventory) {
    console.error(`--inventory is required\n${USAGE}`);
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

  const cfg = await storeConfig(values.inventory);
  const mysql = MysqlSink.create(cfg.mysql);
  const redis = RedisSink.create(cfg.redis, values['redis-namespace']);
  const hbase = new HbaseSink(cfg.hbase.thrift, cfg.hbase.admin, tables);
  const consumer = new PipelineConsumer({ brokers: cfg.brokers, topic: values.topic!, group: values.group!, mysql, redis, hbase, chunk, log });
  log(
    `pipeline: kafka ${cfg.brokers.join(',')} topic ${values.topic} group ${values.group}; mysql ${cfg.mysql.host}:${cfg.mysql.port}/${cfg.mysql.database}; ` +
      `redis ${cfg.redis.host}:${cfg.redis.port}${values['redis-namespace'] ? ` namespace ${values['redis-namespace']}` : ''}; hbase ${cfg.hbase.thrift.host}:${cfg.hbase.thrift.port} tables ${tables.main},${tables.index}`,
  );

  let stopping: Promise<void> | null = null;
  const stop = (sig: string) => {
    if (stopping) return;
    log(`${sig}: finishing the batch in flight, then disconnecting`);
    stopping = (async () => {
      await consumer.stop().catch((e) => log(`kafka disconnect: ${(e as Error).message}`));
      await Promise.allSettled([mysql.close(), redis.close()]);
      hbase.close();
      const s = consumer.stats;
      log(`stopped: ${s.records} records in ${s.batches} batches (mysql +${s.mysqlApplied}, redis +${s.redisApplied}, skipped ${s.skipped}, duplicates ${s.duplicates}, undecodable ${s.undecodable})`);
    })();
    void stopping.then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  await consumer.start();
  return -1; // keep running until a signal
}

main().then(
  (code) => { if (code >= 0) process.exit(code); },
  (err) => {
    log(`pipeline failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
