// The pipeline's contract: the names the stream pipeline, its deployment (provision/services/pipeline), reset,
// the console, the tests and the bench all agree on, each defined here once. The MySQL tables and their DDL
// are in mysql-schema.ts beside this file. A deployment may rename topic and group in the inventory
// (services.pipeline.settings.topic / group); these are the defaults every reader falls back to.

/** The Kafka topic the replay writes and the consumers read. */
export const DEFAULT_TOPIC = 'etc_traffic_data';
/** The consumer group of the pipeline's consumers. */
export const DEFAULT_GROUP = 'etc_pipeline';
/** Every Redis key the pipeline writes starts with `<REDIS_PROJECT>:` (reset removes exactly those). */
export const REDIS_PROJECT = 'etc';
/** HBase: one plate's passages, newest first (row key in pipeline/core/rowkey.ts). */
export const MAIN_TABLE = 'etc_traffic';
/** HBase: one checkpoint's passages by time. */
export const CHECKPOINT_INDEX_TABLE = 'etc_traffic_by_checkpoint';
/** HBase: the user's own table, named like the topic (their Flink job writes it); reset truncates it when present. */
export const USER_TABLE = DEFAULT_TOPIC;
