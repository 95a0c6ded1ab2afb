// The big screen and the query page as a daemon on a node (`etclab dashboard` run by `up`): a bundle built
// from this checkout, started after the pipeline whose stores it reads with read-only accounts only.
import { nodeArtifactDir } from '../../artifacts/classpath.ts';
import { syncArtifact } from '../../artifacts/install.ts';
import { DASHBOARD_BUNDLE, bundleVersion } from '../../artifacts/bundle.ts';
import { q } from '../../plan/daemon-scripts.ts';
import type { DaemonContext, ServiceModule } from '../types.ts';
import { nodeBinFor, secretRef } from '../common.ts';
import { readAccess } from '../../../query/access.ts';

/** web/main.ts's config: where to listen, the read-only access, and only those accounts' secrets. */
export function dashboardConfig(ctx: Pick<DaemonContext, 'inventory' | 'spec' | 'node'>): string {
  const access = readAccess(ctx.inventory);
  const names = [...new Set([...access.shards.map((s) => s.passwordSecret), access.redis.passwordSecret])];
  const bind = String(ctx.spec.settings.bind ?? 'node');
  return `${JSON.stringify(
    {
      listen: { host: bind === 'node' ? ctx.node.address : bind, port: ctx.spec.ports.http },
      refreshSec: Number(ctx.spec.settings.refreshSec ?? 30),
      access,
      secrets: Object.fromEntries(names.map((n) => [n, secretRef(n, 'json')])),
      build: ctx.spec.version,
    },
    null,
    2,
  )}\n`;
}

export const dashboard: ServiceModule = {
  name: 'dashboard',
  description: 'the big screen, query page and JSON API (Node.js bundle) over the pipeline\'s stores, read-only; health: every store answers through it',
  roles: ['server'],
  runtime: 'nodejs',
  after: ['pipeline'],
  defaults: (_profile, nodes) => ({
    roles: { server: nodes.slice(0, 1) },
    version: bundleVersion('dashboard'),
    source: { kind: 'bundle' },
    ports: { http: 8080 },
    heap: {},
    // bind: "node" (the node's address: the room's screen reaches it), or an address such as 127.0.0.1.
    settings: { bind: 'node', refreshSec: 30, maxOldSpaceMb: 128 },
    secrets: {},
  }),
  validate(spec, inv) {
    const issues = [];
    try {
      readAccess(inv);
    } catch (e) {
      issues.push({ field: 'roles.server', message: (e as Error).message });
    }
    const r = spec.settings.refreshSec;
    if (r !== undefined && !(Number.isInteger(r) && (r as number) >= 1)) issues.push({ field: 'settings.refreshSec', message: `must be a whole number of seconds, got ${JSON.stringify(r)}` });
    return issues;
  },
  install: ({ node, spec }) => syncArtifact({ service: 'dashboard', version: spec.version }, node),
  daemon(ctx) {
    const { node, home, spec } = ctx;
    const conf = `${home}/conf/dashboard.json`;
    const bundle = `${nodeArtifactDir(node, { service: 'dashboard', version: spec.version })}/${DASHBOARD_BUNDLE}`;
    const nodeBin = nodeBinFor(spec, node);
    return {
      role: 'server',
      files: [{ path: conf, mode: 0o600, content: dashboardConfig(ctx) }],
      command: `${q(nodeBin)} --no-deprecation --max-old-space-size=${Number(spec.settings.maxOldSpaceMb ?? 128)} ${q(bundle)} --config ${q(conf)}`,
      ports: [spec.ports.http],
      probe: { protocol: 'dashboard', node: node.name, host: String(spec.settings.bind ?? 'node') === 'node' ? node.address : String(spec.settings.bind), port: spec.ports.http },
      stopGraceSec: 10,
    };
  },
};
