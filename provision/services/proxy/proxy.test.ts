import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { Inventory, NodeSpec, ServiceSpec } from '../../inventory/types.ts';
import { proxy, proxyArtifact } from './index.ts';

const nodes: NodeSpec[] = [1, 2, 3].map((i) => ({
  name: `node${i}`,
  address: `10.213.7.${10 + i}`,
  ssh: { user: 'root', port: 22, key: '/k', knownHosts: '/kh' },
  baseDir: '/opt/etclab',
  javaHome: '/usr/lib/jvm/java-17-openjdk-amd64',
}));

function inventoryWith(proxyOverrides: Partial<ServiceSpec> = {}, mariadbRoles = ['node1', 'node2', 'node3']): Inventory {
  const d = proxy.defaults('lab', nodes.map((n) => n.name));
  const spec: ServiceSpec = { ...d, settings: d.settings ?? {}, ...proxyOverrides };
  return {
    file: '/x/etclab.yaml', cluster: 't', profile: 'lab', stateDir: '/x/.etclab', nodes,
    secrets: { mysql_app_password: { env: 'P' } },
    services: {
      mariadb: {
        roles: { server: mariadbRoles }, version: '10.11', source: { kind: 'debian' }, ports: { mysql: 3306 }, heap: {},
        settings: { database: 'etc', appUser: 'etc' }, secrets: { appPassword: 'mysql_app_password' },
      },
      proxy: spec,
    },
  };
}

const daemonOf = (inv: Inventory) =>
  proxy.daemon({ inventory: inv, spec: inv.services.proxy, service: 'proxy', role: 'server', node: nodes[0], home: '/opt/etclab/proxy', members: { server: [nodes[0]] } });
const file = (d: ReturnType<typeof daemonOf>, name: string) => d.files.find((f) => f.path.endsWith(`/${name}`))!;

describe('proxy module (ShardingSphere, lab default)', () => {
  const inv = inventoryWith();
  const d = daemonOf(inv);

  it('validates clean with the defaults', () => {
    expect(proxy.validate!(inv.services.proxy, inv)).toEqual([]);
  });

  it('launches Bootstrap with port and classpath conf dir, secrets only in 0600 files', () => {
    expect(d.command).toContain("org.apache.shardingsphere.proxy.Bootstrap '8066' '/conf/'");
    expect(d.command).toContain("-cp '/opt/etclab/proxy/conf:/opt/etclab/proxy:/opt/etclab/artifacts/proxy-5.1.0/lib/*'");
    expect(d.command).not.toContain('secret');
    for (const name of ['server.yaml', 'config-etc.yaml']) {
      expect(file(d, name).content).toContain('{{secret:mysql_app_password:yaml-sq}}');
      expect(file(d, name).mode).toBe(0o600);
    }
    expect(d.ports).toEqual([8066]);
  });

  it('renders one data source per MariaDB server in order, both sharded tables on HASH_MOD, offsets broadcast', () => {
    const cfg = parse(file(d, 'config-etc.yaml').content.replace(/!SHARDING/, ''));
    expect(cfg.schemaName).toBe('etc');
    expect(Object.keys(cfg.dataSources)).toEqual(['ds_0', 'ds_1', 'ds_2']);
    expect(cfg.dataSources.ds_2.url).toMatch(/^jdbc:mysql:\/\/10\.213\.7\.13:3306\/etc\?/);
    expect(cfg.dataSources.ds_0.username).toBe('etc');
    const rule = cfg.rules[0];
    expect(rule.tables.etc_passage.actualDataNodes).toBe('ds_${0..2}.etc_passage');
    expect(rule.tables.etc_flow_minute.databaseStrategy.standard.shardingColumn).toBe('CLEAN_KKMC');
    expect(rule.broadcastTables).toEqual(['etc_flow_progress', 'etc_offsets']);
    expect(rule.tables.etc_clone_alert.databaseStrategy.standard.shardingColumn).toBe('CLEAN_KKMC');
    expect(rule.shardingAlgorithms.checkpoint_hash_mod).toEqual({ type: 'HASH_MOD', props: { 'sharding-count': 3 } });
    const server = parse(file(d, 'server.yaml').content.replace(/!AUTHORITY/, ''));
    expect(server.rules[0].users).toEqual(['etc@%:{{secret:mysql_app_password:yaml-sq}}']);
    expect(server.mode.repository.props.path).toBe('/opt/etclab/proxy/data/registry');
  });

  it('probe data names the shards and the secret, never its value', () => {
    expect(d.probe).toMatchObject({ protocol: 'mysql-proxy', port: 8066, user: 'etc', passwordSecret: 'mysql_app_password', engine: 'shardingsphere' });
    expect((d.probe!.shards as unknown[]).length).toBe(3);
  });

  it('syncs the Maven artifact to the node', () => {
    const a = proxy.install!({ inventory: inv, spec: inv.services.proxy, service: 'proxy', node: nodes[0], home: '/opt/etclab/proxy', members: {} });
    expect(a).toMatchObject({ kind: 'sync', to: '/opt/etclab/artifacts/proxy-5.1.0' });
    expect(proxyArtifact().coordinates).toEqual(['org.apache.shardingsphere:shardingsphere-proxy-bootstrap:5.1.0']);
  });

  it('rejects bad settings with the field named', () => {
    const bad = inventoryWith({ settings: { engine: 'vitess' } }, []);
    expect(proxy.validate!(bad.services.proxy, bad).map((i) => i.field)).toEqual(['settings.engine', 'roles.server']);
    const newer = inventoryWith({ version: '5.5.2' });
    expect(proxy.validate!(newer.services.proxy, newer)).toEqual([{ field: 'version', message: expect.stringMatching(/5\.1\.x format/) }]);
    const mycatMaven = inventoryWith({ settings: { engine: 'mycat' } });
    expect(proxy.validate!(mycatMaven.services.proxy, mycatMaven)).toContainEqual({ field: 'source', message: expect.stringMatching(/not on Maven Central/) });
  });
});

describe('proxy module (user MyCat)', () => {
  const inv = inventoryWith({ version: '1.6.7.6', source: { kind: 'existing', home: '/export/server/mycat1' }, settings: { engine: 'mycat' } });
  const d = daemonOf(inv);

  it('validates clean and launches MycatStartup from the install with Java 9+ flags outside argv', () => {
    expect(proxy.validate!(inv.services.proxy, inv)).toEqual([]);
    expect(d.command).toContain('io.mycat.MycatStartup');
    expect(d.command).toContain("'-DMYCAT_HOME=/opt/etclab/proxy'");
    expect(d.command).toContain("-cp '/opt/etclab/proxy/conf:/export/server/mycat1/lib/*'");
    expect(d.env?.JDK_JAVA_OPTIONS).toContain('--add-exports=java.base/sun.nio.ch=ALL-UNNAMED');
    expect(d.prestart).toContain("cp -Rn '/export/server/mycat1/conf'/. '/opt/etclab/proxy/conf'/");
    expect(d.ports).toEqual([8066, 9066]);
  });

  it('renders the same tables, column and shard order as the ShardingSphere config', () => {
    const schema = file(d, 'schema.xml').content;
    expect(schema).toContain('<table name="etc_passage" dataNode="dn0,dn1,dn2" rule="etc_checkpoint_hash"/>');
    expect(schema).toContain('<table name="etc_flow_minute" dataNode="dn0,dn1,dn2" rule="etc_checkpoint_hash"/>');
    expect(schema).toContain('<table name="etc_offsets" dataNode="dn0,dn1,dn2" type="global"/>');
    expect(schema).toMatch(/<dataHost name="shard2"[\s\S]*url="10\.213\.7\.13:3306" user="etc" password="\{\{secret:mysql_app_password:xml\}\}"/);
    const rule = file(d, 'rule.xml').content;
    expect(rule).toContain('<columns>CLEAN_KKMC</columns>');
    expect(rule).toContain('class="io.mycat.route.function.PartitionByHashMod"');
    expect(rule).toContain('<property name="count">3</property>');
    expect(file(d, 'server.xml').content).toContain('<property name="serverPort">8066</property>');
    expect(file(d, 'server.xml').mode).toBe(0o600);
    expect(file(d, 'myid.properties').content).toContain('loadZk=false');
  });

  const hasPython = spawnSync('python3', ['-c', 'import xml.dom.minidom']).status === 0;
  it.skipIf(!hasPython)('writes well-formed XML (skipped without python3)', () => {
    for (const name of ['server.xml', 'schema.xml', 'rule.xml']) {
      // The DOCTYPEs name MyCat's DTDs, which live in its conf dir: parse without fetching them.
      const r = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())'], { input: file(d, name).content });
      expect(r.stderr.toString(), name).toBe('');
    }
  });
});
