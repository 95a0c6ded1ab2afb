import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderLabInventory } from './inventory-file.ts';
import {
  cidrOverlaps,
  DEFAULT_LAB_DIR,
  LAB_NODES,
  labDirFrom,
  labPaths,
  passwordFromBytes,
  hostilePasswordFromBytes,
  renderHostsFile,
  renderKnownHosts,
} from './layout.ts';
import { renderSshdConfig } from './sshd-config.ts';

describe('lab layout', () => {
  it('takes ETCLAB_LAB_DIR, else the default, and rejects a relative one', () => {
    expect(labDirFrom({})).toBe(DEFAULT_LAB_DIR);
    expect(labDirFrom({ ETCLAB_LAB_DIR: '/srv/lab/' })).toBe('/srv/lab');
    expect(() => labDirFrom({ ETCLAB_LAB_DIR: 'lab' })).toThrow(/absolute/);
  });

  it('puts every node file below the lab dir and the hosts file below /etc/netns/<ns>', () => {
    const p = labPaths('/x/lab');
    expect(p.clientKey).toBe('/x/lab/id_ed25519');
    expect(p.secrets.mysql_app_password).toBe('/x/lab/secrets/mysql_app_password');
    expect(p.nodes.node2!.hostKey).toBe('/x/lab/nodes/node2/ssh/ssh_host_ed25519_key');
    expect(p.nodes.node2!.base).toBe('/x/lab/nodes/node2/base');
    expect(p.nodes.node3!.hostsFile).toBe('/etc/netns/etclab-node3/hosts');
  });

  it('maps node1..3 to .11..13 in the hosts file', () => {
    const lines = renderHostsFile().split('\n');
    expect(lines).toContain('10.213.7.11\tnode1');
    expect(lines).toContain('10.213.7.13\tnode3');
    expect(lines).toContain('127.0.0.1\tlocalhost');
  });

  it('renders known_hosts by address and rejects a missing or malformed key', () => {
    const keys = Object.fromEntries(LAB_NODES.map((n) => [n.name, `ssh-ed25519 AAAA${n.name} etclab-lab-${n.name}\n`]));
    expect(renderKnownHosts(keys)).toBe(
      '10.213.7.11 ssh-ed25519 AAAAnode1\n10.213.7.12 ssh-ed25519 AAAAnode2\n10.213.7.13 ssh-ed25519 AAAAnode3\n',
    );
    expect(() => renderKnownHosts({ node1: keys.node1!, node2: keys.node2! })).toThrow(/node3/);
    expect(() => renderKnownHosts({ ...keys, node2: 'garbage' })).toThrow(/malformed.*node2/);
  });

  it('makes 24-char alphanumeric passwords from random bytes, without modulo bias bytes', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    const pw = passwordFromBytes(bytes);
    expect(pw).toMatch(/^[A-Za-z0-9]{24}$/);
    // Bytes at or above the rejection limit are skipped, not folded onto the alphabet.
    expect(passwordFromBytes(Uint8Array.from([255, 254, 0, 1]), 2)).toBe(passwordFromBytes(Uint8Array.from([0, 1]), 2));
    expect(() => passwordFromBytes(new Uint8Array(10))).toThrow(/not enough/);
  });

  it('makes the lab\'s hostile passwords: 64+ characters with quotes, a backslash, $, #, %, spaces and CJK', () => {
    const pw = hostilePasswordFromBytes(Uint8Array.from({ length: 256 }, (_, i) => (i * 37) % 256));
    expect([...pw].length).toBeGreaterThanOrEqual(64);
    for (const c of ["'", '"', '\\', '$', '#', '%', ' ', '密', '`']) expect(pw).toContain(c);
    expect(pw).not.toMatch(/[\r\n]/);
  });

  it('detects prefix overlap', () => {
    expect(cidrOverlaps('10.0.0.0/8', '10.213.7.0/24')).toBe(true);
    expect(cidrOverlaps('10.213.7.128/25', '10.213.7.0/24')).toBe(true);
    expect(cidrOverlaps('10.213.8.0/24', '10.213.7.0/24')).toBe(false);
    expect(cidrOverlaps('192.0.2.0/24', '10.213.7.0/24')).toBe(false);
    expect(() => cidrOverlaps('10.1/8', '10.0.0.0/8')).toThrow(/IPv4/);
  });
});

describe('lab sshd_config', () => {
  const input = {
    node: 'node2',
    address: '10.213.7.12',
    port: 22,
    hostKey: '/l/nodes/node2/ssh/ssh_host_ed25519_key',
    pidFile: '/l/nodes/node2/ssh/sshd.pid',
    authorizedKeys: '/l/authorized_keys',
  };
  const directives = (text: string) =>
    new Map(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)]),
    );

  it('listens on the node address only, key-only root login, many sessions per connection', () => {
    const d = directives(renderSshdConfig(input));
    expect(d.get('ListenAddress')).toBe('10.213.7.12:22');
    expect(d.get('HostKey')).toBe(input.hostKey);
    expect(d.get('PidFile')).toBe(input.pidFile);
    expect(d.get('AuthorizedKeysFile')).toBe('/l/authorized_keys');
    expect(d.get('PasswordAuthentication')).toBe('no');
    expect(d.get('KbdInteractiveAuthentication')).toBe('no');
    expect(d.get('PermitRootLogin')).toBe('prohibit-password');
    expect(d.get('UsePAM')).toBe('no');
    expect(d.get('MaxSessions')).toBe('64');
    expect(d.get('MaxStartups')).toBe('64:64:64');
  });

  it('rejects relative or whitespace paths, naming the field', () => {
    expect(() => renderSshdConfig({ ...input, authorizedKeys: 'authorized_keys' })).toThrow(/node2: authorizedKeys must be absolute/);
    expect(() => renderSshdConfig({ ...input, hostKey: '/a b/key' })).toThrow(/hostKey must not contain whitespace/);
  });
});

describe('lab inventory.yaml', () => {
  it('has the example format with the lab paths, secrets as files and the example services', () => {
    const p = labPaths('/var/lib/etclab-lab');
    const doc = parse(renderLabInventory({ paths: p, mode: 'shared', javaHome: '/usr/lib/jvm/java-17-openjdk-amd64' }));
    expect(doc.cluster).toBe('etc-lab');
    expect(doc.profile).toBe('lab');
    expect(doc.stateDir).toBe('/var/lib/etclab-lab/state');
    expect(doc.ssh).toEqual({
      user: 'root',
      port: 22,
      key: '/var/lib/etclab-lab/id_ed25519',
      knownHosts: '/var/lib/etclab-lab/known_hosts',
    });
    expect(doc.nodes).toEqual(
      [1, 2, 3].map((i) => ({
        name: `node${i}`,
        address: `10.213.7.1${i}`,
        baseDir: `/var/lib/etclab-lab/nodes/node${i}/base`,
        javaHome: '/usr/lib/jvm/java-17-openjdk-amd64',
      })),
    );
    expect(doc.secrets.mysql_root_password).toEqual({ file: '/var/lib/etclab-lab/secrets/mysql_root_password' });
    expect(doc.services.zookeeper.roles.server).toEqual(['node1', 'node2', 'node3']);
    expect(doc.services.redis.roles.server).toEqual(['node1']);
    expect(doc.services.mariadb.secrets).toEqual({ rootPassword: 'mysql_root_password', appPassword: 'mysql_app_password', readPassword: 'mysql_read_password' });
    expect(doc.services.redis.secrets).toEqual({ password: 'redis_password', readPassword: 'redis_read_password' });
  });

  it('quotes paths YAML would misread', () => {
    const doc = parse(renderLabInventory({ paths: labPaths('/srv/lab #1: x'), mode: 'shared', javaHome: '/opt/jdk' }));
    expect(doc.ssh.key).toBe('/srv/lab #1: x/id_ed25519');
    expect(doc.nodes[0].baseDir).toBe('/srv/lab #1: x/nodes/node1/base');
  });

  it('rejects a relative javaHome', () => {
    expect(() => renderLabInventory({ paths: labPaths('/l'), mode: 'shared', javaHome: 'jdk' })).toThrow(/javaHome must be an absolute/);
  });

  it('isolated nodes name no JDK and no Node.js: up installs the distribution JDK and ships Node.js', async () => {
    const { parseInventory } = await import('../inventory/load.ts');
    const { serviceModules } = await import('../services/registry.ts');
    const text = renderLabInventory({ paths: labPaths('/var/lib/etclab-lab'), mode: 'isolated' });
    const doc = parse(text);
    expect(doc.nodes.map((n: Record<string, unknown>) => Object.keys(n))).toEqual([1, 2, 3].map(() => ['name', 'address', 'baseDir']));
    expect(doc.services.pipeline.settings?.node).toBeUndefined();
    const inv = await parseInventory(text, '/var/lib/etclab-lab/inventory.yaml', serviceModules, { fileExists: () => true });
    expect(inv.nodes.map((n) => n.javaFrom)).toEqual(['package', 'package', 'package']);
  });
});
