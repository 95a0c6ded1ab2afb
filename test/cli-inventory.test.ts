// A bad inventory is rejected by the real CLI before any node is touched: nothing connects to the nodes.
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etclab } from './cli.ts';

let server: net.Server;
let port = 0;
let connections = 0;
const dir = mkdtempSync(path.join(tmpdir(), 'etclab-badinv-'));
// A real key, so that the one good inventory below gets as far as connecting.
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
writeFileSync(path.join(dir, 'known_hosts'), '');
writeFileSync(path.join(dir, 'pw'), 'secret-value-123\n');

function inventory(mutate: (lines: string[]) => string[]): string {
  const lines = `cluster: t
profile: lab
stateDir: ${dir}/state
ssh: { user: root, port: PORT, key: ${dir}/key, knownHosts: ${dir}/known_hosts }
nodes:
  - { name: node1, address: 127.0.0.1, baseDir: /tmp/etclab-bad/n1 }
  - { name: node2, address: 127.0.0.2, baseDir: /tmp/etclab-bad/n2 }
  - { name: node3, address: 127.0.0.3, baseDir: /tmp/etclab-bad/n3 }
secrets:
  redis_password: { file: ${dir}/pw }
  mysql_app_password: { file: ${dir}/pw }
services:
  zookeeper:
    roles: { server: [node1, node2, node3] }
  redis:
    roles: { server: [node1] }
`.split('\n');
  const file = path.join(dir, `inv-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, mutate(lines).join('\n').replace('PORT', String(port)));
  return file;
}

beforeAll(async () => {
  server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => server.close());

const cases: Array<[string, (l: string[]) => string[], RegExp]> = [
  ['even ZooKeeper ensemble', (l) => l.map((x) => x.replace('[node1, node2, node3]', '[node1, node2]')), /:14: services\.zookeeper\.roles\.server.*even/],
  ['unknown role', (l) => l.map((x) => x.replace('roles: { server: [node1] }', 'roles: { master: [node1] }')), /:16: services\.redis\.roles\.master.*server/],
  ['duplicate address', (l) => l.map((x) => x.replace('address: 127.0.0.2', 'address: 127.0.0.1')), /:7: nodes\[1\]\.address.*127\.0\.0\.1/],
  ['inline secret', (l) => l.map((x) => x.replace(`redis_password: { file: ${dir}/pw }`, 'redis_password: hunter22')), /:10: secrets\.redis_password/],
  ['undefined node', (l) => l.map((x) => x.replace('[node1, node2, node3]', '[node1, node2, node9]')), /:14: services\.zookeeper\.roles\.server\[2\].*node9/],
];

describe('bad inventories are rejected by the CLI before any node is touched', () => {
  it.each(cases)('%s', async (_name, mutate, expected) => {
    const file = inventory(mutate);
    for (const cmd of [['up'], ['status'], ['down']]) {
      const r = await etclab(['-i', file, ...cmd], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).toMatch(/no node was touched/);
      expect(r.stderr).not.toContain('hunter22');
    }
    expect(connections).toBe(0);
  });

  it('a good inventory does reach the node (so the zero above is meaningful)', async () => {
    const file = inventory((l) => l);
    const r = await etclab(['-i', file, 'status'], { timeoutMs: 60_000 });
    expect(r.code).not.toBe(0);
    expect(connections, r.stderr).toBeGreaterThan(0);
  });
});
