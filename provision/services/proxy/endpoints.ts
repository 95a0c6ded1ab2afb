// The application's MySQL endpoint: the sharding proxy (8066), its logical database and app user, and the
// NAME of the secret holding the app password (resolved only when connecting).
import type { Inventory } from '../../inventory/types.ts';
import { firstNode, serviceSpec, servicePort, type HostPort } from '../../inventory/members.ts';

export interface MysqlApp extends HostPort {
  user: string;
  database: string;
  passwordSecret: string;
}

export function proxyApp(inv: Inventory): MysqlApp {
  const proxy = serviceSpec(inv, 'proxy');
  const mariadb = inv.services.mariadb;
  const passwordSecret = proxy.secrets.appPassword ?? mariadb?.secrets.appPassword;
  if (!passwordSecret) throw new Error(`${inv.file}: services.proxy.secrets.appPassword is not set`);
  return {
    host: firstNode(inv, 'proxy', 'server').address,
    port: servicePort(inv, 'proxy', 'server'),
    user: String(mariadb?.settings.appUser ?? 'etc'),
    database: String(proxy.settings.database ?? mariadb?.settings.database ?? 'etc'),
    passwordSecret,
  };
}
