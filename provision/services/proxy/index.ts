// The MySQL sharding proxy on 8066 over the MariaDB shards: Apache ShardingSphere-Proxy in the lab
// (from Maven Central), or the user's own MyCat 1.6 (`engine: mycat`, source existing or tarball).
// Both get the same logical database, tables and sharding column; see sharding.ts for where rows land.
import type { NodeSpec, ServiceSpec, Inventory } from '../../inventory/types.ts';
import type { Action } from '../../plan/types.ts';
import type { DaemonContext, ServiceModule } from '../types.ts';
import { q } from '../../plan/daemon-scripts.ts';
import { runtimeHome } from '../../artifacts/classpath.ts';
import { syncArtifact } from '../../artifacts/install.ts';
import { javaCommand, secretRef } from '../common.ts';
import { MYCAT_MAIN, SHARDINGSPHERE_DEFAULT_VERSION, SHARDINGSPHERE_MAIN } from './artifact.ts';
import { renderMycat, renderShardingSphere, type ProxyLayout, type Shard } from './configs.ts';
import type { ShardEngine } from './sharding.ts';
import { SHARD_COLUMN } from '../../../pipeline/contract/mysql-schema.ts';

export { proxyArtifact } from './artifact.ts';
export { shardFor, mycatShardFor, shardForEngine } from './sharding.ts';

const ENGINES: ShardEngine[] = ['shardingsphere', 'mycat'];
const ident = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
/** ShardingSphere picks the data source whose name ends with the remainder: ds_1 and ds_11 would collide. */
const MAX_SHARDS = 10;

/** What MyCat needs on Java 9+; JDK 8's launcher ignores JDK_JAVA_OPTIONS, so one command serves both. */
const MYCAT_JDK9_OPTIONS = [
  '--add-exports=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
].join(' ');

export const engineOf = (spec: ServiceSpec): ShardEngine => (spec.settings.engine as ShardEngine | undefined) ?? 'shardingsphere';

/** The shards in order: shard i is the i-th node of the mariadb service's `server` role. */
export function shardsOf(inventory: Inventory): { shards: Shard[]; appUser: string; database: string } {
  const db = inventory.services.mariadb;
  if (!db) throw new Error('services.proxy needs services.mariadb: the proxy shards over its servers');
  const names = db.roles.server ?? [];
  const port = db.ports.mysql ?? 3306;
  const shards = names.map((name) => {
    const node = inventory.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`services.mariadb.roles.server names ${name}, which is not in nodes`);
    return { node: name, host: node.address, port };
  });
  return { shards, appUser: String(db.settings.appUser ?? 'etc'), database: String(db.settings.database ?? 'etc') };
}

function layoutFor(ctx: Pick<DaemonContext, 'inventory' | 'spec' | 'node' | 'home'>): ProxyLayout {
  const { shards, appUser, database } = shardsOf(ctx.inventory);
  return {
    node: ctx.node.name,
    home: ctx.home,
    port: ctx.spec.ports.server,
    version: ctx.spec.version,
    database: String(ctx.spec.settings.database ?? database),
    appUser,
    appPasswordSecret: ctx.spec.secrets.appPassword!,
    shards,
  };
}

const artifactRef = (spec: ServiceSpec) => ({ service: 'proxy', version: spec.version });

function runtimeLib(spec: ServiceSpec, node: NodeSpec): string[] {
  const home = runtimeHome(spec.source, node, artifactRef(spec));
  if (spec.source.kind === 'maven') return [`${home}/lib/*`];
  // Release tarballs: ShardingSphere keeps JDBC drivers in ext-lib/.
  return engineOf(spec) === 'mycat' ? [`${home}/lib/*`] : [`${home}/lib/*`, `${home}/ext-lib/*`];
}

export const proxy: ServiceModule = {
  name: 'proxy',
  description: 'MySQL sharding proxy on 8066 over the MariaDB shards (ShardingSphere-Proxy 5.1, or your MyCat 1.6); health: SELECT 1 and a routed marker row',
  roles: ['server'],
  runtime: 'java',
  after: ['mariadb'],
  defaults: (profile, nodes) => ({
    roles: { server: nodes.slice(0, 1) },
    version: SHARDINGSPHERE_DEFAULT_VERSION,
    source: { kind: 'maven' },
    ports: { server: 8066, manager: 9066 },
    heap: { server: profile === 'lab' ? '128m' : '1g' },
    settings: { engine: 'shardingsphere', database: 'etc' },
    secrets: { appPassword: 'mysql_app_password' },
  }),
  validate(spec, inventory) {
    const out: Array<{ field: string; message: string }> = [];
    const engine = spec.settings.engine ?? 'shardingsphere';
    if (!ENGINES.includes(engine as ShardEngine))
      out.push({ field: 'settings.engine', message: `must be one of ${ENGINES.join(', ')}, got ${JSON.stringify(engine)}` });
    if (engine === 'mycat' && (spec.source.kind === 'maven' || spec.source.kind === 'debian'))
      out.push({
        field: 'source',
        message: `MyCat is not on Maven Central nor in Debian: use source {kind: existing, home: <your mycat dir, e.g. /export/server/mycat1>} or {kind: tarball, url: …}`,
      });
    if (engine === 'shardingsphere' && spec.source.kind === 'debian')
      out.push({ field: 'source', message: 'ShardingSphere-Proxy is not packaged by Debian: use kind maven, tarball or existing' });
    // server.yaml + config-*.yaml with schemaName and `mode:` is the 5.1 layout; 5.2+ renamed it (global.yaml, databaseName).
    if (engine === 'shardingsphere' && !/^5\.1\.\d+$/.test(spec.version))
      out.push({ field: 'version', message: `the rendered ShardingSphere config is the 5.1.x format (Maven Central has the proxy only up to 5.1.0), got ${spec.version}` });
    if (spec.settings.database !== undefined && !ident.test(String(spec.settings.database)))
      out.push({ field: 'settings.database', message: `must be a plain SQL identifier, got ${JSON.stringify(spec.settings.database)}` });
    if (!spec.secrets.appPassword) out.push({ field: 'secrets.appPassword', message: 'the proxy needs the app user password secret (the same as services.mariadb)' });
    if (!spec.ports.server) out.push({ field: 'ports.server', message: 'the proxy needs its client port (8066)' });
    if ((spec.roles.server?.length ?? 0) !== 1) out.push({ field: 'roles.server', message: `run exactly one proxy, got ${spec.roles.server?.length ?? 0}` });
    const db = inventory.services.mariadb;
    if (!db) out.push({ field: 'after', message: 'services.mariadb is missing: the proxy shards over its servers' });
    else {
      const n = db.roles.server?.length ?? 0;
      if (n < 1 || n > MAX_SHARDS) out.push({ field: 'roles.server', message: `services.mariadb has ${n} servers; the proxy supports 1..${MAX_SHARDS} shards` });
      if (db.secrets.appPassword && spec.secrets.appPassword && db.secrets.appPassword !== spec.secrets.appPassword)
        out.push({ field: 'secrets.appPassword', message: `must be the same secret as services.mariadb.secrets.appPassword (${db.secrets.appPassword}): the proxy logs in to the shards as that user` });
    }
    return out;
  },
  install({ spec, node }): Action | null {
    const a = artifactRef(spec);
    if (spec.source.kind === 'maven' || spec.source.kind === 'tarball') return syncArtifact(a, node);
    if (spec.source.kind !== 'existing') return null;
    const lib = `${runtimeHome(spec.source, node, a)}/lib`;
    return {
      kind: 'shell',
      script: `if ! ls ${q(lib)}/*.jar >/dev/null 2>&1; then
  echo "services.proxy.source.home: ${lib} on $(hostname) has no jars" >&2; exit 1
fi
echo "ETCLAB_UNCHANGED proxy ${spec.version} found in ${lib}"
`,
    };
  },
  daemon(ctx) {
    const { spec, node, home } = ctx;
    const engine = engineOf(spec);
    const conf = `${home}/conf`;
    const layout = layoutFor(ctx);
    const common = { javaHome: node.javaHome, heap: spec.heap.server, tmpDir: `${home}/tmp` };
    let files, command: string, env: Record<string, string> | undefined;
    if (engine === 'shardingsphere') {
      files = renderShardingSphere(layout);
      command = javaCommand({
        ...common,
        // 5.1 resolves its config dir as a classpath resource: `/conf/` is found under <home>, and
        // logback.xml at the root of <home>/conf.
        classpath: [conf, home, ...runtimeLib(spec, node)].join(':'),
        main: SHARDINGSPHERE_MAIN,
        args: [String(spec.ports.server), '/conf/'],
        // Atomikos (XA, unused but initialised) writes its transaction log to the working directory otherwise.
        props: { 'com.atomikos.icatch.log_base_dir': `${home}/data/xa`, 'com.atomikos.icatch.output_dir': `${home}/data/xa` },
      });
    } else {
      files = renderMycat(layout, { managerPort: spec.ports.manager ?? 9066, processors: 2, myid: 1 });
      command = javaCommand({
        ...common,
        classpath: [conf, ...runtimeLib(spec, node)].join(':'),
        main: MYCAT_MAIN,
        props: { MYCAT_HOME: home },
      });
      env = { JDK_JAVA_OPTIONS: MYCAT_JDK9_OPTIONS };
    }
    return {
      role: 'server',
      files: files.map((f) => ({ path: `${conf}/${f.name}`, content: f.content, mode: f.mode })),
      command,
      ...(env ? { env } : {}),
      prestart: [
        `mkdir -p ${q(`${home}/tmp`)} ${q(`${home}/data/xa`)} ${q(`${home}/logs`)}`,
        // MyCat reads its DTDs, index_to_charset.properties, log4j2.xml… from MYCAT_HOME/conf: take the
        // install's copies of everything etclab does not render (-n keeps the rendered files).
        ...(engine === 'mycat' ? [`cp -Rn ${q(`${runtimeHome(spec.source, node, artifactRef(spec))}/conf`)}/. ${q(conf)}/`] : []),
      ].join('\n'),
      ports: engine === 'mycat' ? [spec.ports.server, spec.ports.manager ?? 9066] : [spec.ports.server],
      probe: {
        protocol: 'mysql-proxy',
        node: node.name,
        host: node.address,
        port: spec.ports.server,
        user: layout.appUser,
        database: layout.database,
        passwordSecret: spec.secrets.appPassword,
        engine,
        shardColumn: SHARD_COLUMN,
        shards: layout.shards,
        ensureSchema: true,
      },
      stopGraceSec: 20,
    };
  },
};
