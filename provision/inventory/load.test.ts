import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import dns from 'node:dns';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testModules } from './fixtures/modules.ts';
import { serviceModules } from '../services/registry.ts';
import { loadInventory, type LoadOptions } from './load.ts';
import { InventoryError, type InventoryIssue } from './types.ts';

const here = path.dirname(new URL(import.meta.url).pathname);
const exampleFile = path.resolve(here, '../../etclab.example.yaml');
let tmp: string;
let home: string;
let minimal: string[];
const env = { T_REDIS_PW: 'pw-from-env' };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'etclab-inv-'));
  home = path.join(tmp, 'home');
  await mkdir(path.join(home, '.ssh'), { recursive: true });
  await writeFile(path.join(home, '.ssh', 'id'), 'fake key\n', { mode: 0o600 });
  await writeFile(path.join(home, '.ssh', 'kh'), 'node1 ssh-ed25519 AAAA\n');
  minimal = (await readFile(path.join(here, 'fixtures', 'minimal.yaml'), 'utf8')).split('\n');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
/** The minimal fixture with some 1-based lines replaced (a replacement may span lines; later numbers shift). */
async function writeVariant(changes: Record<number, string>): Promise<string> {
  const lines = minimal.map((l, i) => (i + 1 in changes ? changes[i + 1] : l));
  const file = path.join(tmp, `inv-${++counter}.yaml`);
  await writeFile(file, lines.join('\n'));
  return file;
}

async function issuesOf(changes: Record<number, string>, opts: LoadOptions = {}): Promise<{ file: string; issues: InventoryIssue[] }> {
  const file = await writeVariant(changes);
  try {
    await loadInventory(file, testModules, { homeDir: home, env, ...opts });
  } catch (err) {
    if (err instanceof InventoryError) return { file, issues: err.issues };
    throw err;
  }
  throw new Error('expected the inventory to be rejected');
}

/** Asserts exactly one issue sits at line:field and returns its message. */
async function onlyIssue(changes: Record<number, string>, line: number, field: string, opts: LoadOptions = {}): Promise<string> {
  const { file, issues } = await issuesOf(changes, opts);
  expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual([`${line}:${field}`]);
  expect(issues[0].file).toBe(file);
  return issues[0].message;
}

describe('loadInventory: good inventories', () => {
  it('loads the minimal fixture unchanged', async () => {
    const inv = await loadInventory(await writeVariant({}), testModules, { homeDir: home, env });
    expect(inv.nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
  });

  // The example's own test (every service, the plan, ports equal to the modules') is example.test.ts; this
  // one loads it from disk with the real file checks: ~ expanded, relative stateDir, secret files present.
  it('loads etclab.example.yaml with defaults applied', async () => {
    const dir = path.join(tmp, 'example');
    const fakeHome = path.join(tmp, 'example-home');
    await mkdir(path.join(fakeHome, '.ssh'), { recursive: true });
    await mkdir(path.join(fakeHome, '.etclab'), { recursive: true });
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(fakeHome, '.ssh', 'id_ed25519'), 'k');
    await writeFile(path.join(fakeHome, '.ssh', 'known_hosts'), 'h');
    const secretFiles = ['redis_read_password', 'mysql_root_password', 'mysql_app_password', 'mysql_read_password'];
    for (const f of secretFiles) await writeFile(path.join(fakeHome, '.etclab', f), `${f}-value\n`);
    const file = path.join(dir, 'etclab.yaml');
    await writeFile(file, await readFile(exampleFile, 'utf8'));

    const inv = await loadInventory(file, serviceModules, { homeDir: fakeHome, env: { ETCLAB_REDIS_PASSWORD: 'x'.repeat(12) } });
    expect(inv.file).toBe(file);
    expect(inv.cluster).toBe('etc-lab');
    expect(inv.profile).toBe('prod');
    expect(inv.stateDir).toBe(path.join(dir, '.etclab'));
    expect(inv.nodes).toHaveLength(3);
    for (const n of inv.nodes) {
      expect(n.ssh).toEqual({
        user: 'root',
        port: 22,
        key: path.join(fakeHome, '.ssh', 'id_ed25519'),
        knownHosts: path.join(fakeHome, '.ssh', 'known_hosts'),
      });
      expect(n.baseDir).toBe('/export/etclab');
    }
    expect(inv.nodes.map((n) => [n.name, n.address, n.javaHome, n.javaFrom])).toEqual([
      ['node1', '192.168.88.131', '/usr/lib/jvm/java-17-openjdk-amd64', 'package'],
      ['node2', '192.168.88.132', '/usr/lib/jvm/java-17-openjdk-amd64', 'package'],
      ['node3', '192.168.88.133', '/export/server/jdk-17', 'inventory'],
    ]);
    expect(inv.secrets).toEqual({
      redis_password: { env: 'ETCLAB_REDIS_PASSWORD' },
      ...Object.fromEntries(secretFiles.map((f) => [f, { file: path.join(fakeHome, '.etclab', f) }])),
    });
    const zk = inv.services.zookeeper;
    expect(zk.heap).toEqual({ server: '512m' });
    expect(zk.source).toEqual({ kind: 'debian' });
    expect(zk.ports).toEqual({ client: 2181, peer: 2888, election: 3888 });
    expect(inv.services.redis.roles).toEqual({ server: ['node1'] });
    expect(inv.services.mariadb.secrets).toEqual({ rootPassword: 'mysql_root_password', appPassword: 'mysql_app_password', readPassword: 'mysql_read_password' });
    expect(inv.services.proxy.ports).toEqual({ server: 8066, manager: 9066 }); // manager: the module's, not in the file
  });

  it('merges per key: node ssh overrides, profile-dependent module defaults, bare service, relative paths', async () => {
    await mkdir(path.join(tmp, 'keys'), { recursive: true });
    await writeFile(path.join(tmp, 'keys', 'node2'), 'k');
    const file = await writeVariant({
      2: 'stateDir: state',
      13: '    baseDir: /opt/e\n    javaHome: /opt/jdk21\n    ssh: { key: keys/node2, port: 2222 }',
      21: '    heap: {}',
      22: '  redis:',
      23: '  mariadb: { roles: { server: [node2] }, ports: { mysql: 3307 }, settings: { database: tolls } }',
      24: '',
      17: 'secrets:\n  mysql_root_password: { env: T_REDIS_PW }\n  mysql_app_password: { env: T_REDIS_PW }',
    });
    const cwd = process.cwd();
    process.chdir(os.tmpdir()); // relative paths must follow the file, not the working directory
    try {
      const inv = await loadInventory(path.relative(os.tmpdir(), file), testModules, { homeDir: home, env });
      expect(inv.file).toBe(file);
      expect(inv.profile).toBe('prod');
      expect(inv.stateDir).toBe(path.join(tmp, 'state'));
      expect(inv.nodes[0].ssh).toEqual({ user: 'root', port: 22, key: path.join(home, '.ssh', 'id'), knownHosts: path.join(home, '.ssh', 'kh') });
      expect(inv.nodes[1].ssh).toEqual({ user: 'root', port: 2222, key: path.join(tmp, 'keys', 'node2'), knownHosts: path.join(home, '.ssh', 'kh') });
      expect(inv.nodes[1].javaHome).toBe('/opt/jdk21');
      expect(inv.services.zookeeper.roles.server).toEqual(['node1', 'node2', 'node3']);
      expect(inv.services.zookeeper.heap).toEqual({ server: '512m' });
      expect(inv.services.redis.roles).toEqual({ server: ['node1'] });
      expect(inv.services.redis.secrets).toEqual({ password: 'redis_password' });
      expect(inv.services.mariadb.roles).toEqual({ server: ['node2'] });
      expect(inv.services.mariadb.ports).toEqual({ mysql: 3307 });
      expect(inv.services.mariadb.settings).toEqual({ database: 'tolls', appUser: 'etc', charset: 'utf8mb4' });
    } finally {
      process.chdir(cwd);
    }
  });

  it('lab profile reaches module defaults', async () => {
    const inv = await loadInventory(await writeVariant({}), testModules, { homeDir: home, env });
    expect(inv.profile).toBe('lab');
    expect(inv.services.zookeeper.heap).toEqual({ server: '64m' });
  });

  it('resolves a local tarball source against the inventory directory and keeps URLs', async () => {
    const inv = await loadInventory(
      await writeVariant({ 23: '    roles: { server: [node1] }\n    source: { kind: tarball, url: dl/redis.tgz }', 21: '    source: { kind: tarball, url: "https://example.invalid/zk.tgz" }' }),
      testModules,
      { homeDir: home, env },
    );
    expect(inv.services.redis.source).toEqual({ kind: 'tarball', url: path.join(tmp, 'dl', 'redis.tgz') });
    expect(inv.services.zookeeper.source).toEqual({ kind: 'tarball', url: 'https://example.invalid/zk.tgz' });
  });
});

describe('loadInventory: each bad inventory names file:line and field', () => {
  it('YAML syntax error', async () => {
    const { issues } = await issuesOf({ 10: '    address: 10.0.0.9' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 10, field: '(yaml syntax)' });
    expect(issues[0].message).toMatch(/^YAML syntax error: Map keys must be unique/);

    const unclosed = await issuesOf({ 21: '    roles: { server: [node1, node2, node3 }' });
    expect(unclosed.issues[0].line).toBe(21);
    expect(unclosed.issues[0].message).toMatch(/^YAML syntax error/);
  });

  it('unknown top-level key lists the allowed ones', async () => {
    const msg = await onlyIssue({ 2: 'profil: lab' }, 2, 'profil');
    expect(msg).toBe('unknown top-level key "profil"; allowed: cluster, profile, stateDir, ssh, nodes, secrets, services');
  });

  it('unknown service name', async () => {
    const msg = await onlyIssue({ 22: '  redix:' }, 22, 'services.redix');
    expect(msg).toBe('unknown service "redix"; known: zookeeper, redis, mariadb');
  });

  it('unknown role for a service, in roles and in heap', async () => {
    expect(await onlyIssue({ 23: '    roles: { master: [node1] }' }, 23, 'services.redis.roles.master')).toBe(
      'unknown role "master" for redis; allowed: server',
    );
    expect(await onlyIssue({ 21: '    heap: { leader: 64m }' }, 21, 'services.zookeeper.heap.leader')).toContain('allowed: server');
  });

  it('role references a node that is not in nodes', async () => {
    const msg = await onlyIssue({ 21: '    roles: { server: [node1, node4, node3] }' }, 21, 'services.zookeeper.roles.server[1]');
    expect(msg).toBe('node "node4" is not in nodes (known: node1, node2, node3)');
  });

  it('duplicate node name and duplicate address', async () => {
    const { issues } = await issuesOf({ 14: '  - name: node1', 15: '    address: 10.0.0.1' });
    expect(issues.map((i) => `${i.line}:${i.field}: ${i.message}`)).toEqual([
      '14:nodes[2].name: duplicate node name "node1" (first at nodes[0], line 8)',
      '15:nodes[2].address: duplicate address "10.0.0.1" (also nodes[0], line 9)',
      // node3 is gone, so the ZooKeeper role now points at nothing
      '21:services.zookeeper.roles.server[2]: node "node3" is not in nodes (known: node1, node2)',
    ]);
  });

  it('invalid address: bad IPv4 and bad host name', async () => {
    const { issues } = await issuesOf({ 12: '    address: 10.0.0.256', 15: '    address: node_3!' });
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual(['12:nodes[1].address', '15:nodes[2].address']);
    expect(issues[0].message).toBe('invalid address "10.0.0.256": expected an IPv4 address (e.g. 192.168.88.131) or a host name');
  });

  it('missing SSH key file and known_hosts file (top level: reported once, not per node)', async () => {
    const { issues } = await issuesOf({ 5: '  key: ~/.ssh/nope', 6: '  knownHosts: ~/.ssh/no_kh' });
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual(['5:ssh.key', '6:ssh.knownHosts']);
    expect(issues[0].message).toContain(`SSH private key file ${path.join(home, '.ssh', 'nope')} not found`);
    expect(issues[0].message).toContain('ssh-keygen');
    expect(issues[1].message).toContain(`known_hosts file ${path.join(home, '.ssh', 'no_kh')} not found`);
    expect(issues[1].message).toContain('ssh-keyscan');
  });

  it('missing SSH key set on one node points at that node', async () => {
    const msg = await onlyIssue({ 13: '    baseDir: /opt/e\n    ssh: { key: /nonexistent/id }' }, 14, 'nodes[1].ssh.key');
    expect(msg).toContain('/nonexistent/id not found');
  });

  it('port clash between services on a shared node', async () => {
    const msg = await onlyIssue({ 24: '    secrets: { password: redis_password }\n    ports: { redis: 2181 }' }, 25, 'services.redis.ports.redis');
    // ZooKeeper's client port comes from module defaults: the line is its service entry
    expect(msg).toBe('port 2181 clashes with services.zookeeper.ports.client (line 21) on node1; give one of them another port');
  });

  it('port clash inside one service, and no clash when the services share no node', async () => {
    const msg = await onlyIssue({ 21: '    ports: { peer: 3888 }' }, 21, 'services.zookeeper.ports.election');
    expect(msg).toContain('clashes with services.zookeeper.ports.peer (line 21) on node1, node2, node3');
    const inv = await loadInventory(
      await writeVariant({ 21: '    roles: { server: [node2] }', 24: '    secrets: { password: redis_password }\n    ports: { redis: 2181 }' }),
      testModules,
      { homeDir: home, env },
    );
    expect(inv.services.redis.ports.redis).toBe(2181);
  });

  it('port out of range, not a number, unknown port name', async () => {
    const { issues } = await issuesOf({ 21: '    ports: { client: 70000, peer: abc, elect: 1234 }' });
    expect(issues.map((i) => `${i.line}:${i.field}: ${i.message}`)).toEqual([
      '21:services.zookeeper.ports.client: port 70000 is out of range; use 1-65535',
      '21:services.zookeeper.ports.peer: must be a port number (integer 1-65535), got a string',
      '21:services.zookeeper.ports.elect: unknown port "elect" for zookeeper; known: client, peer, election',
    ]);
  });

  it('ZooKeeper ensemble of even size and of zero size', async () => {
    const even = await onlyIssue({ 21: '    roles: { server: [node1, node2] }' }, 21, 'services.zookeeper.roles.server');
    expect(even).toMatch(/ensemble of 2 servers is even.*odd number/);
    const zero = await onlyIssue({ 21: '    roles: { server: [] }' }, 21, 'services.zookeeper.roles.server');
    expect(zero).toMatch(/needs at least one server/);
  });

  it('inline secret is rejected without echoing the value', async () => {
    const { issues } = await issuesOf({ 18: '  redis_password: hunter2secret' });
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual([
      '18:secrets.redis_password',
      // the inline secret is dropped, so the service's reference to it dangles as well
      '24:services.redis.secrets.password',
    ]);
    expect(issues[0].message).toContain('written inline');
    expect(issues[0].message).toContain('{env: VAR} or {file: path}');
    const all = new InventoryError(issues).message;
    expect(all).not.toContain('hunter2secret');
  });

  it('secret reference to an undefined secret name', async () => {
    const msg = await onlyIssue({ 24: '    secrets: { password: redis_pw }' }, 24, 'services.redis.secrets.password');
    expect(msg).toBe('secret "redis_pw" is not defined; add it under the top-level secrets: as redis_pw: {env: VAR} or {file: path} (defined: redis_password)');
  });

  it('{env} secret with the variable unset, {file} secret with the file missing', async () => {
    const unset = await onlyIssue({}, 18, 'secrets.redis_password.env', { env: {} });
    expect(unset).toBe(
      'secret "redis_password": environment variable T_REDIS_PW is not set; export T_REDIS_PW=<value> before running etclab, or use {file: path}',
    );
    const missing = await onlyIssue({ 18: '  redis_password: { file: secrets/redis }' }, 18, 'secrets.redis_password.file');
    expect(missing).toContain(`file ${path.join(tmp, 'secrets', 'redis')} not found; create it holding only the secret`);
  });

  it('heap not like 256m / 1g', async () => {
    expect(await onlyIssue({ 21: '    heap: { server: 2gb }' }, 21, 'services.zookeeper.heap.server')).toBe(
      'invalid heap size "2gb": use a whole number with m or g, like 256m or 1g',
    );
    expect(await onlyIssue({ 21: '    heap: { server: 256 }' }, 21, 'services.zookeeper.heap.server')).toContain('invalid heap size 256');
  });

  it('relative baseDir', async () => {
    const msg = await onlyIssue({ 10: '    baseDir: opt/e' }, 10, 'nodes[0].baseDir');
    expect(msg).toBe('must be an absolute path on the node (services live below it), got relative path "opt/e"');
  });

  it('profile not lab|prod', async () => {
    expect(await onlyIssue({ 2: 'profile: dev' }, 2, 'profile')).toBe('invalid profile "dev": must be lab (small heaps for one machine) or prod');
  });

  it("module.validate issues land below services.<name> at the field's line", async () => {
    const msg = await onlyIssue({ 21: '    roles: { server: [node1, node2, node3] }\n    settings:\n      tickTime: 5' }, 23, 'services.zookeeper.settings.tickTime');
    expect(msg).toBe('tickTime must be an integer >= 100 ms, got 5');
  });

  it('missing required fields point at the enclosing entry', async () => {
    const { issues } = await issuesOf({ 1: '', 12: '    ssh: { port: 0 }' });
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual(['2:cluster', '11:nodes[1].address', '12:nodes[1].ssh.port']);
  });

  it('a service secret written as a reference instead of a name', async () => {
    const msg = await onlyIssue({ 24: '    secrets: { password: { env: X } }' }, 24, 'services.redis.secrets.password');
    expect(msg).toContain('must name an entry under the top-level secrets:');
  });
});

describe('loadInventory: reporting', () => {
  it('reports all issues at once, sorted by line, in one InventoryError', async () => {
    const file = await writeVariant({
      2: 'profile: dev',
      10: '    baseDir: opt/e',
      12: '    address: 999.1.1.1',
      18: '  redis_password: plain',
      21: '    roles: { server: [node1, node2], boss: [node1] }',
      22: '  kafka:',
      23: '    anything: 1',
      24: '',
    });
    const err = await loadInventory(file, testModules, { homeDir: home, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    const issues = (err as InventoryError).issues;
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual([
      '2:profile',
      '10:nodes[0].baseDir',
      '12:nodes[1].address',
      '18:secrets.redis_password',
      '21:services.zookeeper.roles.boss',
      '21:services.zookeeper.roles.server',
      '22:services.kafka',
    ]);
    const text = (err as InventoryError).message;
    expect(text).toMatch(/^inventory rejected \(7 problems\), no node was touched:/);
    expect(text).toContain(`  ${file}:12: nodes[1].address: invalid address "999.1.1.1"`);
  });

  it('file checks go through the injected fileExists, with expanded absolute paths', async () => {
    const asked: string[] = [];
    const { issues } = await issuesOf(
      { 18: '  redis_password: { file: ./pw }' },
      {
        fileExists: (p) => {
          asked.push(p);
          return false;
        },
      },
    );
    expect(asked.sort()).toEqual([path.join(home, '.ssh', 'id'), path.join(home, '.ssh', 'kh'), path.join(tmp, 'pw')].sort());
    expect(issues.map((i) => `${i.line}:${i.field}`)).toEqual(['5:ssh.key', '6:ssh.knownHosts', '18:secrets.redis_password.file']);
  });

  it('a missing inventory file is an InventoryError too', async () => {
    const err = await loadInventory(path.join(tmp, 'absent.yaml'), testModules).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryError).issues[0].message).toContain('not found');
  });

  it('an empty file says what an inventory is', async () => {
    const file = path.join(tmp, 'empty.yaml');
    await writeFile(file, '# nothing yet\n');
    const err = (await loadInventory(file, testModules).catch((e: unknown) => e)) as InventoryError;
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0].message).toMatch(/must be a mapping with cluster, profile/);
  });
});

describe('loading is local only', () => {
  const sources = ['load.ts', 'validate.ts', 'defaults.ts', 'resolve-secrets.ts'];

  it('no network module is imported by the inventory code', async () => {
    for (const f of sources) {
      const src = await readFile(path.join(here, f), 'utf8');
      const imports = [...src.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(imports.length, f).toBeGreaterThan(0);
      for (const spec of imports) {
        expect(spec, `${f} imports ${spec}`).not.toMatch(/^(node:)?(net|tls|dgram|dns|http|https|http2)$|ssh2|undici|kafkajs|mysql2|ioredis/);
      }
      expect(src, f).not.toMatch(/\bfetch\(/);
    }
  });

  it('a full load opens no socket and resolves no name', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const lookup = vi.spyOn(dns, 'lookup');
    try {
      await loadInventory(await writeVariant({}), testModules, { homeDir: home, env });
      expect(connect).not.toHaveBeenCalled();
      expect(lookup).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
      lookup.mockRestore();
    }
  });
});
