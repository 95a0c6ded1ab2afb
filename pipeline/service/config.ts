// Addresses and secrets of the stores, from the inventory: nothing secret ever comes from argv.
import { loadInventory } from '../../provision/inventory/load.ts';
import { resolveSecret } from '../../provision/inventory/resolve-secrets.ts';
import type { Inventory } from '../../provision/inventory/types.ts';
import { serviceModules } from '../../provision/services/registry.ts';
import type { Endpoint } from '../hbase/client.ts';
import type { MysqlEndpoint } from '../sinks/mysql.ts';
import type { RedisEndpoint } from '../sinks/redis.ts';

export interface StoreConfig {
  brokers: string[];
  mysql: MysqlEndpoint;
  redis: RedisEndpoint;
  hbase: { thrift: Endpoint; admin: Endpoint };
}

function members(inv: Inventory, service: string, role: string): { address: string }[] {
  const spec = inv.services[service];
  if (!spec) throw new Error(`${inv.file}: services.${service} is missing; the pipeline needs it`);
  const names = spec.roles[role] ?? [];
  if (names.length === 0) throw new Error(`${inv.file}: services.${service}.roles.${role} names no node`);
  return names.map((n) => {
    const node = inv.nodes.find((x) => x.name === n);
    if (!node) throw new Error(`${inv.file}: services.${service}.roles.${role}: unknown node ${n}`);
    return node;
  });
}

function port(inv: Inventory, service: string, name: string): number {
  const p = inv.services[service]!.ports[name];
  if (!Number.isInteger(p)) throw new Error(`${inv.file}: services.${service}.ports.${name} is not set`);
  return p!;
}

export async function storeConfig(inventoryFile: string): Promise<StoreConfig> {
  const inv = await loadInventory(inventoryFile, serviceModules);
  const brokers = members(inv, 'kafka', 'broker').map((n) => `${n.address}:${port(inv, 'kafka', 'broker')}`);
  const proxy = inv.services.proxy!;
  if (!proxy) throw new Error(`${inv.file}: services.proxy is missing; the pipeline writes MySQL through it`);
  const mariadb = inv.services.mariadb;
  const appPassword = proxy.secrets.appPassword ?? mariadb?.secrets.appPassword;
  if (!appPassword) throw new Error(`${inv.file}: services.proxy.secrets.appPassword is not set`);
  const redisSpec = inv.services.redis;
  return {
    brokers,
    mysql: {
      host: members(inv, 'proxy', 'server')[0]!.address,
      port: port(inv, 'proxy', 'server'),
      user: String(mariadb?.settings.appUser ?? 'etc'),
      password: await resolveSecret(inv, appPassword),
      database: String(proxy.settings.database ?? mariadb?.settings.database ?? 'etc'),
    },
    redis: {
      host: members(inv, 'redis', 'server')[0]!.address,
      port: port(inv, 'redis', 'redis'),
      password: redisSpec?.secrets.password ? await resolveSecret(inv, redisSpec.secrets.password) : undefined,
    },
    hbase: {
      thrift: { host: members(inv, 'hbase', 'thrift')[0]!.address, port: port(inv, 'hbase', 'thrift') },
      admin: { host: members(inv, 'hbase', 'thrift2')[0]!.address, port: port(inv, 'hbase', 'thrift2') },
    },
  };
}
