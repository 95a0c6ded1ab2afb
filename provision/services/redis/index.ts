// Redis from Debian's package; the password lives only in a 0600 redis.conf, never in argv.
import type { ServiceModule } from '../types.ts';
import { render } from '../render.ts';
import { secretRef } from '../common.ts';
import { q } from '../../plan/daemon-scripts.ts';
import { REDIS_PROJECT } from '../../../pipeline/contract/index.ts';

export const redis: ServiceModule = {
  name: 'redis',
  description: 'Redis with a password (Debian package), health: AUTH + PING',
  roles: ['server'],
  after: [],
  defaults: (profile, nodes) => ({
    roles: { server: nodes.slice(0, 1) },
    version: '7',
    source: { kind: 'debian' },
    ports: { redis: 6379 },
    heap: {},
    settings: { maxmemory: profile === 'lab' ? '256mb' : '2gb', readUser: 'etc_ro' },
    secrets: { password: 'redis_password' },
  }),
  validate(spec, inv) {
    if (!spec.secrets.password) return [{ field: 'secrets.password', message: 'Redis needs a password secret (e.g. password: redis_password)' }];
    if (!inv.secrets[spec.secrets.password]) return [];
    return [];
  },
  packages: ['redis-server'],
  daemon({ node, home, spec }) {
    const conf = `${home}/conf/redis.conf`;
    return {
      role: 'server',
      files: [
        {
          path: conf,
          mode: 0o600,
          content: render('redis/templates/redis.conf', {
            node: node.name,
            address: node.address,
            port: spec.ports.redis,
            dataDir: `${home}/data`,
            logDir: `${home}/logs`,
            maxmemory: String(spec.settings.maxmemory ?? '256mb'),
            passwordRef: secretRef(spec.secrets.password, 'redis'),
            // The dashboard's user: read commands on the pipeline's keys only (an ACL, so a bug cannot write).
            readUser: spec.secrets.readPassword
              ? `user ${String(spec.settings.readUser ?? 'etc_ro')} on ${secretRef(spec.secrets.readPassword, 'redis-acl')} resetkeys ~${REDIS_PROJECT}:* resetchannels -@all +@read +@connection`
              : '# no read-only user (secrets.readPassword not set)',
          }),
        },
      ],
      command: `/usr/bin/redis-server ${q(conf)}`,
      prestart: `mkdir -p ${q(`${home}/data`)}`,
      ports: [spec.ports.redis],
      probe: { protocol: 'redis', node: node.name, host: node.address, port: spec.ports.redis, passwordSecret: spec.secrets.password },
      stopGraceSec: 10,
    };
  },
};
