// The sync step's local command, run for real: tar over the system ssh to a throwaway sshd on 127.0.0.1,
// host key checked against a known_hosts file, copied once, unchanged on the second run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NodeSpec } from '../provision/inventory/types.ts';
import { loopbackSshdSkipReason, startLoopbackSshd, type LoopbackSshd } from '../test/loopback-sshd.ts';
import { syncCommand } from './resources.ts';

const skip = loopbackSshdSkipReason();

describe.skipIf(skip !== '')(`sync step over ssh${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'etclab-sync-'));
  let sshd: LoopbackSshd | undefined;
  let node: NodeSpec;

  beforeAll(async () => {
    sshd = await startLoopbackSshd(dir);
    node = { name: 'node1', address: '127.0.0.1', baseDir: dir, javaHome: '/usr', ssh: { user: 'root', port: sshd.port, key: sshd.key, knownHosts: sshd.knownHosts } };
  });
  afterAll(() => sshd?.stop());

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
