// The sync step's local command, run for real: tar over the system ssh to a throwaway sshd on 127.0.0.1,
// host key checked against a known_hosts file, copied once, unchanged on the second run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NodeSpec } from '../provision/inventory/types.ts';
import { syncCommand } from './resources.ts';

const canRun = process.getuid?.() === 0 && spawnSync('/usr/sbin/sshd', ['-V']).error === undefined && spawnSync('ssh-keygen', ['-?']).error === undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!canRun)('sync step over ssh (needs root, openssh-server and openssh-client)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-sync-'));
  let sshd: ChildProcess | undefined;
  let node: NodeSpec;

  beforeAll(async () => {
    const port = await freePort();
    const key = path.join(dir, 'id_ed25519');
    const hostKey = path.join(dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${key}.pub`), { mode: 0o600 });
    writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PermitRootLogin prohibit-password',
        'PasswordAuthentication no', 'StrictModes no', 'UsePAM no', `PidFile ${dir}/sshd.pid`].join('\n') + '\n',
    );
    mkdirSync('/run/sshd', { recursive: true });
    sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const up = await new Promise((res) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.end(); res(true); }).on('error', () => res(false)));
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    node = { name: 'node1', address: '127.0.0.1', baseDir: dir, javaHome: '/usr', ssh: { user: 'root', port, key, knownHosts: path.join(dir, 'known_hosts') } };
  });
  afterAll(() => void sshd?.kill('SIGTERM'));

  it('copies the directory once, then reports it up to date; a changed manifest copies again', () => {
    const from = path.join(dir, 'artifact');
    mkdirSync(path.join(from, 'lib'), { recursive: true });
    writeFileSync(path.join(from, 'lib', "it's.jar"), 'jar bytes');
    writeFileSync(path.join(from, 'MANIFEST'), 'v1');
    const to = path.join(dir, 'remote', 'artifacts', 'thing 1.0');
    const run = () => execFileSync('/bin/bash', ['-c', syncCommand(node, from, to, path.join(from, 'MANIFEST'))], { encoding: 'utf8', timeout: 60_000 });
    expect(run()).toContain('ETCLAB_CHANGED copied thing 1.0');
    expect(readFileSync(path.join(to, 'lib', "it's.jar"), 'utf8')).toBe('jar bytes');
    expect(readFileSync(path.join(to, '.etclab-manifest.sha256'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(run()).toContain('ETCLAB_UNCHANGED');
    writeFileSync(path.join(from, 'MANIFEST'), 'v2');
    expect(run()).toContain('ETCLAB_CHANGED');
  }, 60_000);

  it('refuses a host whose key is not the one in known_hosts', () => {
    const other = path.join(dir, 'known_hosts_wrong');
    writeFileSync(other, `[127.0.0.1]:${node.ssh.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q\n`);
    const cmd = syncCommand({ ...node, ssh: { ...node.ssh, knownHosts: other } }, dir, path.join(dir, 'never'), path.join(dir, 'sshd_config'));
    const r = spawnSync('/bin/bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  }, 60_000);
});
