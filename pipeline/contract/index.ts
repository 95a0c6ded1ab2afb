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

// The ETC job template (jobs/flink, flink.etctraffic.StreamAnalysisJob) reads DEFAULT_TOPIC and writes these;
// its Java defaults are kept equal to them by jobs/flink/contract.test.ts.
/** The template job's consumer group (its offsets, committed on each checkpoint). */
export const FLINK_JOB_GROUP = 'etc_flink_job';
/** The template job's per-checkpoint per-minute counts (JSON, keyed "checkpoint|minute"). */
export const FLINK_FLOW_TOPIC = 'etc_flink_flow_minute';
/** The template job's clone-plate pairs (JSON). */
export const FLINK_CLONE_TOPIC = 'etc_flink_clone_plate';
/** The template job's output topics, emptied by a reset like the stores. */
export const FLINK_JOB_TOPICS = [FLINK_FLOW_TOPIC, FLINK_CLONE_TOPIC];
