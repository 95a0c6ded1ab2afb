// The logical schema behind the proxy: which tables exist, how each is distributed, and their DDL.
// DDL goes through the proxy (never per shard): the proxy fans a sharded or broadcast table's CREATE out
// to every shard, so one statement list serves both engines and no shard can be forgotten.

/** Column every sharded table is split on: the cleaned checkpoint id (e.g. `S250-K1-省际卡口`). */
export const SHARD_COLUMN = 'CLEAN_KKMC';

export interface LogicalTable {
  name: string;
  /** sharded: split by SHARD_COLUMN; broadcast: a full copy on every shard (MyCat: global table). */
  kind: 'sharded' | 'broadcast';
  ddl: string;
}

export const TABLES: LogicalTable[] = [
  {
    name: 'etc_passage',
    kind: 'sharded',
    // GCXH is unique per passage and a passage never changes checkpoint, so a per-shard primary key is global.
    ddl: `CREATE TABLE IF NOT EXISTS etc_passage (
  GCXH VARCHAR(64) NOT NULL,
  XZQHMC VARCHAR(32) NULL,
  ROAD_ID VARCHAR(16) NULL,
  K_INDEX VARCHAR(16) NULL,
  BOUNDARY_LEVEL VARCHAR(16) NULL,
  BOUNDARY_DETAIL VARCHAR(64) NULL,
  BOUNDARY_LABEL VARCHAR(32) NULL,
  CLEAN_KKMC VARCHAR(64) NOT NULL,
  FXLX TINYINT NULL,
  GCSJ DATETIME NOT NULL,
  event_ms BIGINT NOT NULL,
  HPZL VARCHAR(8) NULL,
  HPZL_LABEL VARCHAR(16) NULL,
  HPHM VARCHAR(16) NULL,
  BRAND VARCHAR(64) NULL,
  kafka_partition INT NULL,
  kafka_offset BIGINT NULL,
  PRIMARY KEY (GCXH),
  KEY idx_checkpoint_time (CLEAN_KKMC, GCSJ),
  KEY idx_plate (HPHM),
  KEY idx_partition_time (kafka_partition, event_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    name: 'etc_flow_minute',
    kind: 'sharded',
    // One row per (checkpoint, minute, Kafka partition): each holds the number of etc_passage rows from that
    // partition (recounted, not incremented: see pipeline/sinks/mysql.ts); the minute's flow is their SUM.
    // Neutral column names: MINUTE and COUNT are keywords some SQL parsers in the path reject as identifiers.
    ddl: `CREATE TABLE IF NOT EXISTS etc_flow_minute (
  CLEAN_KKMC VARCHAR(64) NOT NULL,
  minute_start DATETIME NOT NULL,
  kafka_partition INT NOT NULL,
  vehicle_count INT NOT NULL,
  updated_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (CLEAN_KKMC, minute_start, kafka_partition),
  KEY etc_flow_minute_updated (updated_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    name: 'etc_clone_alert',
    kind: 'sharded',
    // Sharded by the checkpoint of the later passage (the one that raised the alert); alert_id is
    // deterministic (rule + both GCXH), so a per-shard key is global.
    ddl: `CREATE TABLE IF NOT EXISTS etc_clone_alert (
  alert_id VARCHAR(160) NOT NULL,
  rule_name VARCHAR(8) NOT NULL,
  HPHM VARCHAR(16) NOT NULL,
  CLEAN_KKMC VARCHAR(64) NOT NULL,
  GCXH VARCHAR(64) NOT NULL,
  event_ms BIGINT NOT NULL,
  first_kkmc VARCHAR(64) NOT NULL,
  first_gcxh VARCHAR(64) NOT NULL,
  first_event_ms BIGINT NOT NULL,
  gap_ms BIGINT NOT NULL,
  threshold_ms BIGINT NOT NULL,
  PRIMARY KEY (alert_id),
  KEY idx_plate (HPHM)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    name: 'etc_flow_warning',
    kind: 'sharded',
    ddl: `CREATE TABLE IF NOT EXISTS etc_flow_warning (
  CLEAN_KKMC VARCHAR(64) NOT NULL,
  minute_start DATETIME NOT NULL,
  direction VARCHAR(4) NOT NULL,
  vehicle_count INT NOT NULL,
  baseline DOUBLE NOT NULL,
  threshold DOUBLE NOT NULL,
  sd DOUBLE NOT NULL,
  PRIMARY KEY (CLEAN_KKMC, minute_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    name: 'etc_flow_progress',
    kind: 'broadcast',
    // The flow warner's position: minutes before closed_until (epoch ms) are judged and their warnings stored.
    ddl: `CREATE TABLE IF NOT EXISTS etc_flow_progress (
  job VARCHAR(128) NOT NULL,
  closed_until BIGINT NOT NULL,
  claim VARCHAR(36) NULL,
  PRIMARY KEY (job)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
  {
    name: 'etc_offsets',
    kind: 'broadcast',
    ddl: `CREATE TABLE IF NOT EXISTS etc_offsets (
  consumer_group VARCHAR(128) NOT NULL,
  topic VARCHAR(128) NOT NULL,
  kafka_partition INT NOT NULL,
  next_offset BIGINT NOT NULL,
  warm_offset BIGINT NULL,
  max_event_ms BIGINT NULL,
  claim VARCHAR(36) NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (consumer_group, topic, kafka_partition)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  },
];

/** The columns a table's DDL declares, so a table left by an older etclab can be recognised. */
export function columnsOf(t: LogicalTable): string[] {
  return [...t.ddl.matchAll(/^  (\w+) [A-Z]/gm)].map((m) => m[1]!).filter((c) => c !== 'PRIMARY' && c !== 'KEY');
}

export const shardedTables = () => TABLES.filter((t) => t.kind === 'sharded').map((t) => t.name);
export const broadcastTables = () => TABLES.filter((t) => t.kind === 'broadcast').map((t) => t.name);
