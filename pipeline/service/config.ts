// Addresses and secrets of the stores, from the inventory (a developer's run) or from the 0600 config file
// the pipeline module renders on a node: nothing secret ever comes from argv.
import { readFile } from 'node:fs/promises';
import type { Endpoint } from '../hbase/client.ts';
import type { MysqlEndpoint } from '../sinks/mysql.ts';
import type { RedisEndpoint } from '../sinks/redis.ts';

export interface StoreConfig {
  brokers: string[];
  mysql: MysqlEndpoint;
  redis: RedisEndpoint;
  hbase: { thrift: Endpoint; admin: Endpoint };
}

/** From a checkout only: the bundle a node runs leaves the inventory code out (provision/artifacts/bundle.ts). */
export async function storeConfig(inventoryFile: string): Promise<StoreConfig> {
  const { loadInventory } = await import('../../provision/inventory/load.ts');
  const { resolveSecret } = await import('../../provision/inventory/resolve-secrets.ts');
  const { serviceModules } = await import('../../provision/services/registry.ts');
  const { kafkaBrokers } = await import('../../provision/services/kafka/endpoints.ts');
  const { proxyApp } = await import('../../provision/services/proxy/endpoints.ts');
  const { redisServer } = await import('../../provision/services/redis/endpoints.ts');
  const { hbaseAdmin, hbaseThrift } = await import('../../provision/services/hbase/endpoints.ts');
  const inv = await loadInventory(inventoryFile, serviceModules);
  const app = proxyApp(inv);
  const redis = redisServer(inv);
  return {
    brokers: kafkaBrokers(inv),
    mysql: { host: app.host, port: app.port, user: app.user, password: await resolveSecret(inv, app.passwordSecret), database: app.database },
    redis: { host: redis.host, port: redis.port, password: redis.passwordSecret ? await resolveSecret(inv, redis.passwordSecret) : undefined },
    hbase: { thrift: hbaseThrift(inv), admin: hbaseAdmin(inv) },
  };
}

/** The clone detector's bound when run from a checkout without a config file (the module's default: a week). */
export const DEFAULT_LATENESS_MS = 7 * 86_400_000;

/** What a node's consumer reads: the stores plus where it runs. Rendered 0600 by the pipeline module. */
export interface ServiceConfig extends StoreConfig {
  /** consumer: one member of the group; warner: the one flow-warning judge. */
  role: 'consumer' | 'warner';
  /** The topic's partitions (the warner waits for a clock from each). */
  partitions: number;
  /** Flow baseline: ewma (the last minutes) or seasonal (same minute of day on earlier days). */
  flowDetector: 'ewma' | 'seasonal';
  /** Event time every partition's clock must be past a minute before the warner first judges it. */
  flowFinalMs: number;
  topic: string;
  group: string;
  chunk: number;
  clones: { gapMs: number; outOfOrdernessMs: number };
  /** Where the status endpoint listens (the probe and `etclab pipeline status` read it). */
  status: { host: string; port: number };
}

/** Reads and checks a service config file; an error names the file and the field. */
export async function serviceConfigFile(file: string): Promise<ServiceConfig> {
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw new Error(`${file}: cannot read the pipeline config (${e.message})`);
  });
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const get = (field: string): unknown => field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], raw);
  const str = (field: string, optional = false): string => {
    const v = get(field);
    if (typeof v === 'string' && v !== '') return v;
    if (optional && v === undefined) return '';
    throw new Error(`${file}: field ${field} must be a non-empty string`);
  };
  const int = (field: string): number => {
    const v = get(field);
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    throw new Error(`${file}: field ${field} must be a positive integer`);
  };
  const endpoint = (field: string) => ({ host: str(`${field}.host`), port: int(`${field}.port`) });
  const brokers = get('brokers');
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === 'string')) throw new Error(`${file}: field brokers must list host:port strings`);
  const redisPassword = str('redis.password', true);
  const role = str('role');
  if (role !== 'consumer' && role !== 'warner') throw new Error(`${file}: field role must be consumer or warner, got ${JSON.stringify(role)}`);
  const flowDetector = str('flowDetector');
  if (flowDetector !== 'ewma' && flowDetector !== 'seasonal') throw new Error(`${file}: field flowDetector must be ewma or seasonal, got ${JSON.stringify(flowDetector)}`);
  return {
    role,
    partitions: int('partitions'),
    flowDetector,
    flowFinalMs: int('flowFinalMs'),
    topic: str('topic'),
    group: str('group'),
    chunk: int('chunk'),
    clones: { gapMs: int('clones.gapMs'), outOfOrdernessMs: int('clones.outOfOrdernessMs') },
    brokers: brokers as string[],
    mysql: { ...endpoint('mysql'), user: str('mysql.user'), password: str('mysql.password'), database: str('mysql.database') },
    redis: { ...endpoint('redis'), password: redisPassword || undefined },
    hbase: { thrift: endpoint('hbase.thrift'), admin: endpoint('hbase.admin') },
    status: endpoint('status'),
  };
}
