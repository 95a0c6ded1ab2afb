// The listener list of the lab's inventory (as `lab up` writes it) and of etclab.example.yaml, parsed by the
// inventory loader: ports from the service modules, bind addresses, which ask for nothing, the nft rules.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../inventory/load.ts';
import { renderLabInventory } from '../lab/inventory-file.ts';
import { labPaths } from '../lab/layout.ts';
import { serviceModules } from '../services/registry.ts';
import { listenersOf, nftRules, type Listener } from './listeners.ts';

const parse = (text: string, file: string) =>
  parseInventory(text, file, serviceModules, { env: { ETCLAB_REDIS_PASSWORD: 'x'.repeat(12) }, homeDir: '/home/op', fileExists: () => true });
const lab = () => parse(renderLabInventory({ paths: labPaths('/var/lib/etclab-lab'), mode: 'shared', javaHome: '/usr/lib/jvm/java-17' }), '/var/lib/etclab-lab/inventory.yaml');
const example = () => parse(readFileSync(new URL('../../etclab.example.yaml', import.meta.url), 'utf8'), '/work/etclab.yaml');

const at = (ls: Listener[], node: string, port: number) => ls.filter((l) => l.node === node && l.port === port);

describe('listeners of the lab', () => {
  it('node1: Flink REST, YARN REST, HBase Thrift and the NameNode web unauthenticated on the node address; Redis and MariaDB ask', async () => {
    const inv = await lab();
    const ls = listenersOf(inv, serviceModules);
    const one = (port: number) => {
      const found = at(ls, 'node1', port);
      expect(found, `node1:${port}`).toHaveLength(1);
      return found[0]!;
    };
    expect(one(inv.services.flink!.ports.rest!)).toMatchObject({ service: 'flink', role: 'jobmanager', port: 8081, authenticated: false, bind: '10.213.7.11', protocol: 'HTTP' });
    expect(one(inv.services.flink!.ports.rest!).note).toMatch(/cancels jobs/);
    expect(one(inv.services.yarn!.ports.resourcemanagerWeb!)).toMatchObject({ service: 'yarn', role: 'resourcemanager', port: 8088, authenticated: false });
    expect(one(inv.services.hdfs!.ports.namenodeHttp!)).toMatchObject({ service: 'hdfs', role: 'namenode', port: 9870, authenticated: false });
    expect(one(inv.services.hbase!.ports.thrift!)).toMatchObject({ service: 'hbase', role: 'thrift', port: 8085, protocol: 'Thrift', authenticated: false });
    expect(one(inv.services.kafka!.ports.broker!)).toMatchObject({ service: 'kafka', port: 9092, authenticated: false });
    expect(one(inv.services.zookeeper!.ports.client!)).toMatchObject({ service: 'zookeeper', port: 2181, authenticated: false });
    expect(one(inv.services.redis!.ports.redis!)).toMatchObject({ service: 'redis', port: 6379, authenticated: true, bind: '10.213.7.11' });
    expect(one(inv.services.mariadb!.ports.mysql!)).toMatchObject({ service: 'mariadb', port: 3306, authenticated: true });
    expect(one(inv.services.dashboard!.ports.http!)).toMatchObject({ service: 'dashboard', port: 8080, authenticated: false, bind: '10.213.7.11' });
    expect(one(inv.services.pipeline!.ports.status!)).toMatchObject({ service: 'pipeline', role: 'consumer', port: 9470 });
  });

  it('ShardingSphere-Proxy 8066 is the one listener on every interface; it asks for a password', async () => {
    const ls = listenersOf(await lab(), serviceModules);
    expect(ls.filter((l) => l.bind !== l.address).map((l) => `${l.node} ${l.bind}:${l.port}`)).toEqual(['node1 0.0.0.0:8066']);
    expect(at(ls, 'node1', 8066)[0]).toMatchObject({ service: 'proxy', authenticated: true });
  });

  it('a node lists only the roles it holds: no Redis, NameNode or JobManager on node2; every port described', async () => {
    const ls = listenersOf(await lab(), serviceModules);
    for (const port of [6379, 8081, 9870, 8088, 8085, 8066, 8080]) expect(at(ls, 'node2', port), `node2:${port}`).toEqual([]);
    expect(at(ls, 'node2', 9868)[0]).toMatchObject({ service: 'hdfs', role: 'secondarynamenode' });
    expect(ls.filter((l) => /not described/.test(l.note))).toEqual([]);
    // One daemon per port per node: two listeners on one node:port would be a port clash the plan would hit.
    const keys = ls.map((l) => `${l.node}:${l.port}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the nft rules fence every unauthenticated port and the wildcard one, allowing the three nodes', async () => {
    const inv = await lab();
    const rules = nftRules(inv, listenersOf(inv, serviceModules));
    expect(rules).toContain('elements = { 10.213.7.11, 10.213.7.12, 10.213.7.13 }');
    const ports = /tcp dport \{ ([\d, ]+) \} jump guarded/.exec(rules)![1]!.split(', ').map(Number);
    for (const p of [2181, 8081, 8088, 9870, 9092, 8085, 9090, 8080, 9470, 8066]) expect(ports).toContain(p);
    for (const p of [6379, 3306]) expect(ports).not.toContain(p);
  });
});

describe('listeners of etclab.example.yaml', () => {
  it('ZooKeeper on every node, Redis, Flink REST, Thrift and the proxy only on node1, its own addresses', async () => {
    const ls = listenersOf(await example(), serviceModules);
    expect(at(ls, 'node1', 6379)[0]).toMatchObject({ service: 'redis', bind: '192.168.88.131', authenticated: true });
    expect(at(ls, 'node2', 6379)).toEqual([]);
    expect(at(ls, 'node3', 6379)).toEqual([]);
    for (const node of ['node1', 'node2', 'node3']) expect(at(ls, node, 2181)[0]).toMatchObject({ service: 'zookeeper', authenticated: false });
    // The whole stack: Flink's REST only where the JobManager is, HBase Thrift on 8085 and the proxy on node1.
    expect(ls.filter((l) => l.port === 8081).map((l) => `${l.node} ${l.bind}`)).toEqual(['node1 192.168.88.131']);
    expect(at(ls, 'node1', 8085)[0]).toMatchObject({ service: 'hbase', role: 'thrift', authenticated: false });
    expect(at(ls, 'node1', 8066)[0]).toMatchObject({ service: 'proxy', bind: '0.0.0.0', authenticated: true });
    expect(ls.filter((l) => /not described/.test(l.note))).toEqual([]);
  });
});
