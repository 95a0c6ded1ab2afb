// The product's MetricsSource: every panel read from the services the inventory describes.
import type { Inventory } from '../../provision/inventory/types.ts';
import { KafkaLagReader, kafkaBrokers } from './kafka-lag.ts';
import { RedisDashboardReader } from './redis-dashboard.ts';
import { readFlink, readHbase, readHdfs } from './http-figures.ts';
import { panel, type MetricsSnapshot, type MetricsSource } from './types.ts';

export function inventoryMetrics(inv: Inventory): MetricsSource {
  const kafka = new KafkaLagReader(() => kafkaBrokers(inv));
  const redis = new RedisDashboardReader(inv);
  return {
    async read(): Promise<MetricsSnapshot> {
      const [k, d, hdfs, hbase, flink] = await Promise.all([
        // Absent before connecting: kafkajs would otherwise try to reach an empty broker list.
        panel(async () => {
          kafkaBrokers(inv);
          return kafka.read();
        }),
        panel(() => redis.read()),
        panel(() => readHdfs(inv)),
        panel(() => readHbase(inv)),
        panel(() => readFlink(inv)),
      ]);
      return { kafka: k, dashboard: d, cluster: { hdfs, hbase, flink } };
    },
    async close() {
      await Promise.all([kafka.close(), redis.close()]);
    },
  };
}
