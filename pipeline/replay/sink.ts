import { CompressionTypes, Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';

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
  const compression = o.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return {
    async send(messages) {
      if (messages.length === 0) return;
      await producer.send({ topic: o.topic, acks: -1, compression, messages });
    },
    async close() {
      await producer.disconnect();
    },
  };
}
