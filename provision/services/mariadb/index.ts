// MariaDB (MySQL protocol) from Debian's package, one server per shard node, data under the node's base dir.
import type { ServiceModule } from '../types.ts';
import type { Inventory } from '../../inventory/types.ts';
import { render } from '../render.ts';
import { secretRef } from '../common.ts';
import { q } from '../../plan/daemon-scripts.ts';

const ident = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;

/** Longer than any pause inside a pipeline transaction, shorter than InnoDB's 50 s lock wait. */
export const IDLE_WRITE_TIMEOUT_SEC = 30;

/** 1 when MyCat fronts the shards (it upper-cases table names in DDL, not in DML); 0 otherwise (MariaDB's default). */
export function lowerCaseTableNames(inv: Inventory): 0 | 1 {
  return inv.services.proxy?.settings.engine === 'mycat' ? 1 : 0;
}

export const mariadb: ServiceModule = {
  name: 'mariadb',
  description: 'MariaDB on every shard node (Debian package) with the app user, health: SELECT 1 as that user',
  roles: ['server'],
  after: [],
  defaults: (profile, nodes) => ({
    roles: { server: nodes.slice(0, 3) },
    version: '10.11',
    source: { kind: 'debian' },
    ports: { mysql: 3306 },
    heap: {},
    // idleWriteTimeoutSec: a transaction left open with its locks by a client the sharding proxy lost (see
    // pipeline/sinks/mysql.ts) is rolled back after this long, instead of blocking the writer's restart for hours.
    settings: { database: 'etc', appUser: 'etc', readUser: 'etc_ro', bufferPool: profile === 'lab' ? '64M' : '1G', idleWriteTimeoutSec: IDLE_WRITE_TIMEOUT_SEC },
    secrets: { appPassword: 'mysql_app_password' },
  }),
  validate(spec) {
    const out: Array<{ field: string; message: string }> = [];
    for (const key of ['database', 'appUser', 'readUser'])
      if (!ident.test(String(spec.settings[key] ?? '')))
        out.push({ field: `settings.${key}`, message: `must be a plain SQL identifier (letters, digits, _), got ${JSON.stringify(spec.settings[key])}` });
    if (!spec.secrets.appPassword) out.push({ field: 'secrets.appPassword', message: 'MariaDB needs the app user password secret' });
    const idle = spec.settings.idleWriteTimeoutSec;
    if (idle !== undefined && !(Number.isInteger(idle) && (idle as number) >= 0))
      out.push({ field: 'settings.idleWriteTimeoutSec', message: `must be a whole number of seconds (0: never), got ${JSON.stringify(idle)}` });
    return out;
  },
  packages: ['mariadb-server', 'mariadb-client'],
  daemon({ node, home, spec, inventory }) {
    const cnf = `${home}/conf/my.cnf`;
    const lctn = lowerCaseTableNames(inventory);
    const socket = `${home}/run/mariadb.sock`;
    const db = String(spec.settings.database);
    const user = String(spec.settings.appUser);
    const pw = secretRef(spec.secrets.appPassword, 'sql');
    const rootPw = spec.secrets.rootPassword ? secretRef(spec.secrets.rootPassword, 'sql') : null;
    const readPw = spec.secrets.readPassword ? secretRef(spec.secrets.readPassword, 'sql') : null;
    const readUser = String(spec.settings.readUser ?? 'etc_ro');
    // Applied after every (re)start: idempotent, and a changed password in the inventory takes effect.
    const initSql = [
      `CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4;`,
      `CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${pw}';`,
      `ALTER USER '${user}'@'%' IDENTIFIED BY '${pw}';`,
      `GRANT ALL PRIVILEGES ON \`${db}\`.* TO '${user}'@'%';`,
      // The dashboard's user: SELECT on the database and nothing else (ShardingSphere-Proxy 5.1's authority
      // rules grant whole databases, not statements, so read-only is enforced here, on every shard).
      ...(readPw ? [`CREATE USER IF NOT EXISTS '${readUser}'@'%' IDENTIFIED BY '${readPw}';`, `ALTER USER '${readUser}'@'%' IDENTIFIED BY '${readPw}';`, `GRANT SELECT ON \`${db}\`.* TO '${readUser}'@'%';`] : []),
      ...(rootPw ? [`ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('${rootPw}');`] : []),
      'FLUSH PRIVILEGES;',
    ].join('\n');
    return {
      role: 'server',
      files: [
        {
          path: cnf,
          mode: 0o644,
          content: render('mariadb/templates/my.cnf', {
            node: node.name, dataDir: `${home}/data`, socket, runDir: `${home}/run`, tmpDir: `${home}/tmp`, address: node.address,
            port: spec.ports.mysql, logDir: `${home}/logs`, bufferPool: String(spec.settings.bufferPool ?? '64M'),
            idleWriteTimeout: String(spec.settings.idleWriteTimeoutSec ?? IDLE_WRITE_TIMEOUT_SEC),
            lowerCaseTableNames: lctn,
          }),
        },
        { path: `${home}/conf/init.sql`, mode: 0o600, content: initSql + '\n' },
      ],
      command: `/usr/sbin/mariadbd --defaults-file=${q(cnf)}`,
      // A first install that fails half-way (seen once under load) is wiped and tried again; the error lines
      // come first in the message because install-db's own tail is a generic help text.
      // lower_case_table_names is fixed when the data directory is made: one made with the other value is
      // refused (tables named in the other case would vanish), never converted.
      prestart: `mkdir -p ${q(`${home}/tmp`)}
made=$(cat ${q(`${home}/data/etclab-lower-case-table-names`)} 2>/dev/null || echo 0)
if [ -d ${q(`${home}/data/mysql`)} ] && [ "$made" != ${lctn} ]; then
  echo "the data directory ${home}/data was made with lower_case_table_names=$made; ${lctn === 1 ? 'MyCat (services.proxy.settings.engine: mycat) needs 1' : 'this inventory needs 0'}. It cannot be changed on existing tables: etclab down --purge (removes the data) and up again, or restore the other engine." >&2; exit 1
fi
if [ ! -d ${q(`${home}/data/mysql`)} ]; then
  echo "initialising the data directory (first start only)"
  init_db() { rm -rf ${q(`${home}/data`)}; mkdir -p ${q(`${home}/data`)}; mariadb-install-db --defaults-file=${q(cnf)} --auth-root-authentication-method=socket --skip-test-db > ${q(`${home}/logs/install-db.log`)} 2>&1; }
  init_db || { echo "install-db failed once ($(grep -i -m3 error ${q(`${home}/logs/install-db.log`)} | tr '\\n' ' ')), retrying"; sleep 2; init_db; } || {
    grep -i -m10 error ${q(`${home}/logs/install-db.log`)}; tail -n 30 ${q(`${home}/logs/install-db.log`)}
    # A half-made data directory would pass for an initialised one next time: leave none behind.
    rm -rf ${q(`${home}/data`)}; exit 1; }
  echo ${lctn} > ${q(`${home}/data/etclab-lower-case-table-names`)}
fi`,
      poststart: `for i in $(seq 1 150); do [ -S ${q(socket)} ] && mariadb --defaults-file=${q(cnf)} -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
mariadb --defaults-file=${q(cnf)} -uroot < ${q(`${home}/conf/init.sql`)} || { echo "could not create database ${db} / user ${user}"; tail -n 20 ${q(`${home}/logs/mariadb.err`)}; exit 1; }`,
      ports: [spec.ports.mysql],
      probe: { protocol: 'mysql', node: node.name, host: node.address, port: spec.ports.mysql, user, database: db, passwordSecret: spec.secrets.appPassword },
      stopGraceSec: 30,
    };
  },
};
