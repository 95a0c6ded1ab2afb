// Renders the proxy's config files for either engine from one description of the shards, so the logical
// schema (database, tables, sharding column, shard order) cannot drift between ShardingSphere and MyCat.
import { secretRef } from '../common.ts';
import { render } from '../render.ts';
import { SHARD_COLUMN, TABLES, broadcastTables, shardedTables } from '../../../pipeline/contract/mysql-schema.ts';

export interface Shard {
  node: string;
  host: string;
  port: number;
}

export interface ProxyLayout {
  node: string;
  /** The proxy's home on its node: conf/, data/, logs/ below it. */
  home: string;
  port: number;
  version: string;
  /** Logical database clients see; also the database name on every shard. */
  database: string;
  appUser: string;
  /** The NAME of the app password's secret: each file writes its placeholder in its own syntax. */
  appPasswordSecret: string;
  shards: Shard[];
}

export interface RenderedFile {
  name: string;
  content: string;
  /** Files holding the password are 0600. */
  mode: number;
}

const dsName = (i: number) => `ds_${i}`;

// Connector/J 5.1 (what the proxy brings) against MariaDB: no TLS on the lab network, UTC so DATETIME
// values pass through unshifted, utf8 so Chinese checkpoint names survive.
const jdbcUrl = (s: Shard, db: string) =>
  `jdbc:mysql://${s.host}:${s.port}/${db}?useSSL=false&serverTimezone=UTC&useUnicode=true&characterEncoding=utf8`;

export function renderShardingSphere(l: ProxyLayout): RenderedFile[] {
  const last = l.shards.length - 1;
  const dataSources = l.shards
    .map(
      (s, i) => `  # shard ${i}: MariaDB on ${s.node}
  ${dsName(i)}:
    url: ${jdbcUrl(s, l.database)}
    username: ${l.appUser}
    password: '${secretRef(l.appPasswordSecret, 'yaml-sq')}'
    connectionTimeoutMilliseconds: 10000
    idleTimeoutMilliseconds: 60000
    maxLifetimeMilliseconds: 1800000
    maxPoolSize: 16
    minPoolSize: 1`,
    )
    .join('\n');
  const sharded = shardedTables()
    .map(
      (t) => `      ${t}:
        actualDataNodes: ds_\${0..${last}}.${t}
        databaseStrategy:
          standard:
            shardingColumn: ${SHARD_COLUMN}
            shardingAlgorithmName: checkpoint_hash_mod`,
    )
    .join('\n');
  const vars = {
    node: l.node,
    version: l.version,
    registryDir: `${l.home}/data/registry`,
    appUser: l.appUser,
    appPassword: secretRef(l.appPasswordSecret, 'yaml-sq'),
    database: l.database,
    shardCount: l.shards.length,
    dataSources,
    shardedTables: sharded,
    bindingTables: shardedTables().join(','),
    broadcastTables: broadcastTables().map((t) => `      - ${t}`).join('\n'),
    logDir: `${l.home}/logs`,
  };
  return [
    { name: 'server.yaml', content: render('proxy/templates/shardingsphere/server.yaml', vars), mode: 0o600 },
    { name: `config-${l.database}.yaml`, content: render('proxy/templates/shardingsphere/config-etc.yaml', vars), mode: 0o600 },
    { name: 'logback.xml', content: render('proxy/templates/shardingsphere/logback.xml', vars), mode: 0o644 },
  ];
}

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderMycat(l: ProxyLayout, opts: { managerPort: number; processors: number; myid: number }): RenderedFile[] {
  const nodes = l.shards.map((_, i) => `dn${i}`).join(',');
  const tables = TABLES.map((t) =>
    t.kind === 'sharded'
      ? `    <table name="${t.name}" dataNode="${nodes}" rule="etc_checkpoint_hash"/>`
      : `    <table name="${t.name}" dataNode="${nodes}" type="global"/>`,
  ).join('\n');
  const dataNodes = l.shards.map((s, i) => `  <dataNode name="dn${i}" dataHost="shard${i}" database="${xmlAttr(l.database)}"/>`).join('\n');
  // An attribute cannot hold CDATA: a password with `"` `&` `<` is escaped here only when it is literal;
  // a {{secret:…}} placeholder is written raw by the executor, so such passwords must avoid those characters.
  const dataHosts = l.shards
    .map(
      (s, i) => `  <!-- shard ${i}: MariaDB on ${s.node} -->
  <dataHost name="shard${i}" maxCon="100" minCon="2" balance="0" writeType="0" dbType="mysql" dbDriver="native" switchType="-1" slaveThreshold="100">
    <heartbeat>select 1</heartbeat>
    <writeHost host="shard${i}w" url="${s.host}:${s.port}" user="${xmlAttr(l.appUser)}" password="${secretRef(l.appPasswordSecret, 'xml')}"/>
  </dataHost>`,
    )
    .join('\n');
  const vars = {
    node: l.node,
    port: l.port,
    managerPort: opts.managerPort,
    processors: opts.processors,
    appUser: xmlAttr(l.appUser),
    appPassword: secretRef(l.appPasswordSecret, 'xml'),
    database: xmlAttr(l.database),
    shardCount: l.shards.length,
    shardColumn: SHARD_COLUMN,
    tables,
    dataNodes,
    dataHosts,
    myid: opts.myid,
  };
  return [
    { name: 'server.xml', content: render('proxy/templates/mycat/server.xml', vars), mode: 0o600 },
    { name: 'schema.xml', content: render('proxy/templates/mycat/schema.xml', vars), mode: 0o600 },
    { name: 'rule.xml', content: render('proxy/templates/mycat/rule.xml', vars), mode: 0o644 },
    { name: 'myid.properties', content: render('proxy/templates/mycat/myid.properties', vars), mode: 0o644 },
  ];
}
