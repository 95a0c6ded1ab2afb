// `replay --max` throughput into the lab's 3-broker Kafka: every valid row of the shared data set.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { runReplay } from '../pipeline/replay/run.ts';
import { loadInventory } from '../provision/inventory/load.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { labInventoryPath } from '../provision/lab/lab.ts';
import { cpuByService, cpuSpent } from './daemon-cpu.ts';

export async function benchReplay(): Promise<Record<string, number>> {
  const inv = await loadInventory(labInventoryPath(), serviceModules);
  const kafkaSpec = inv.services.kafka;
  if (!kafkaSpec) throw new Error('no kafka in the lab inventory');
  const brokers = kafkaSpec.roles.broker.map((n) => `${inv.nodes.find((x) => x.name === n)!.address}:${kafkaSpec.ports.broker}`);
  const admin = new Kafka({ clientId: 'etclab-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const out: Record<string, number> = {};
  const dir = await mkdtemp(join(tmpdir(), 'etclab-bench-replay-'));
  try {
    // Event-time order (the default: every input merged, sorted through spilled chunks) beside file order.
    for (const [label, compression, batchSize, order] of [['gzip_500', 'gzip', 500, 'time'], ['none_2000', 'none', 2000, 'time'], ['none_2000_file_order', 'none', 2000, 'file']] as const) {
      const topic = `bench_replay_${label}_${Date.now()}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
      const cpu0 = cpuByService(inv);
      const self0 = process.cpuUsage();
      const t0 = Date.now();
      const s = await runReplay({ topic, brokers, rate: 0, compression, batchSize, order, stateFile: join(dir, `${label}.json`), quarantineDir: join(dir, `q-${label}`) });
      const sec = (Date.now() - t0) / 1000;
      const self = process.cpuUsage(self0);
      out[`${label}.rows`] = s.sent;
      out[`${label}.seconds`] = sec;
      out[`${label}.events_per_s`] = Math.round(s.sent / sec);
      // What bounds it: the producer (this process) and the brokers' CPU seconds against what the cores had.
      const kafkaCpu = cpuSpent(cpu0, cpuByService(inv)).find(([svc]) => svc === 'kafka')?.[1] ?? 0;
      out[`${label}.cpu_s.replay_producer`] = (self.user + self.system) / 1e6;
      out[`${label}.cpu_s.kafka_brokers`] = kafkaCpu;
      out[`${label}.cpu_share_of_machine`] = ((self.user + self.system) / 1e6 + kafkaCpu) / (sec * availableParallelism());
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    }
    // The same rows read and validated with no Kafka at all: what the reader alone allows on one core.
    const t1 = Date.now();
    const dry = await runReplay({ dryRun: true, rate: 0 });
    out['dry_run.events_per_s'] = Math.round(dry.sent / ((Date.now() - t1) / 1000));
    const t2 = Date.now();
    const dryFile = await runReplay({ dryRun: true, rate: 0, order: 'file' });
    out['dry_run_file_order.events_per_s'] = Math.round(dryFile.sent / ((Date.now() - t2) / 1000));
    return out;
  } finally {
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}
