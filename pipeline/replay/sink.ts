import { CompressionTypes, Kafka, Partitioners, logLevel, type PartitionMetadata, type Producer } from 'kafkajs';
import { waitUntilEveryBrokerKnows } from '../kafka/topic-known.ts';

export interface OutMessage {
  key: string;
  value: string;
  /** Epoch ms as a string, as Kafka wants it. */
  timestamp: string;
  headers: Record<string, string>;
}

/** Where replayed messages go. `send` resolves only once every message is acknowledged. */
export interface MessageSink {
  send(messages: OutMessage[]): Promise<void>;
  close(): Promise<void>;
}

export type Compression = 'gzip' | 'none';

export interface KafkaSinkOptions {
  brokers: string[];
  topic: string;
  compression: Compression;
  clientId?: string;
  /** Bounded so an unreachable cluster ends the replay with an error instead of hanging. */
  connectionTimeoutMs?: number;
  retries?: number;
  log?: (line: string) => void;
}

/**
 * Idempotent producer (acks=all, one request in flight) so broker-side retries never duplicate or
 * reorder a plate's passages within its partition.
 */
export async function kafkaSink(o: KafkaSinkOptions): Promise<MessageSink> {
  const kafka = new Kafka({
    clientId: o.clientId ?? 'etclab-replay',
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeoutMs ?? 5_000,
    requestTimeout: 30_000,
    retry: { retries: o.retries ?? 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: logLevel.ERROR,
    logCreator: () => ({ level, log }) => {
      if (level <= logLevel.ERROR) o.log?.(`kafka: ${log.message}${log.broker ? ` (${String(log.broker)})` : ''}`);
    },
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    // kafkajs warns that bounded retries weaken exactly-once; bounded is still required so a dead
    // cluster cannot hang the replay, and resume covers the rest.
    retry: { retries: o.retries ?? 8, initialRetryTime: 300, maxRetryTime: 10_000 },
  });
  await producer.connect();
  const partitions = await topicPartitions(kafka, o.topic);
  await waitUntilEveryBrokerKnows(o.brokers, o.topic, partitions.length);
  const partitionOf = Partitioners.DefaultPartitioner();
  const compression = o.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    async send(messages) {
      if (messages.length === 0) return;
      // One request per partition, never one spanning several leaders: kafkajs 2.2 keeps the responses of
      // brokers that answered the first attempt, so a retry after a leader moved to one of them silently
      // drops the moved partitions' messages (seen here: acked rows missing after a rolling restart).
      const byPartition = new Map<number, Array<OutMessage & { partition: number }>>();
      for (const m of messages) {
        const partition = partitionOf({ topic: o.topic, partitionMetadata: partitions, message: m });
        const list = byPartition.get(partition) ?? [];
        list.push({ ...m, partition });
        byPartition.set(partition, list);
      }
      await Promise.all([...byPartition.values()].map((msgs) => producer.send({ topic: o.topic, acks: -1, compression, messages: msgs })));
    },
    async close() {
      await producer.disconnect();
    },
  };
}

/** The topic's partitions, creating the topic with the brokers' defaults when it does not exist yet. */
async function topicPartitions(kafka: Kafka, topic: string): Promise<PartitionMetadata[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0].partitions;
  } finally {
    await admin.disconnect();
  }
}
