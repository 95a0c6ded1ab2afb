// The executor's own host-key check against a real SSH server (ssh2's, on loopback): an unknown or changed
// key is refused before any command runs on the node; hashed entries and other ports work; @revoked wins.
import { execFileSync } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { SshPool } from './ssh.ts';
import { fingerprint } from './known-hosts.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'etclab-ssh-'));
const keygen = (name: string) => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, name)]);
  const pub = readFileSync(path.join(dir, `${name}.pub`), 'utf8').trim().split(/\s+/);
  return { private: readFileSync(path.join(dir, name)), type: pub[0]!, b64: pub[1]! };
};
const hostKey = keygen('host');
const otherKey = keygen('other');
const client = keygen('client');
let server: ssh2.Server;
let port = 0;

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (c) => {
    c.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    c.on('ready', () =>
      c.on('session', (accept) =>
        accept().on('exec', (acc, _rej, info) => {
          const stream = acc();
          const p = spawn('bash', ['-c', info.command]);
          stream.pipe(p.stdin);
          p.stdout.pipe(stream, { end: false });
          p.on('close', (code) => {
            stream.exit(code ?? 1);
            stream.end();
          });
        }),
      ),
    );
    c.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server.close());

function pool(knownHosts: string): { pool: SshPool; marker: string } {
  const file = path.join(dir, `known_hosts-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, knownHosts);
  const node = { name: 'node1', address: '127.0.0.1', baseDir: dir, javaHome: '/usr', ssh: { user: 'root', port, key: path.join(dir, 'client'), knownHosts: file } };
  return { pool: new SshPool([node as never]), marker: path.join(dir, `ran-${randomBytes(4).toString('hex')}`) };
}
const hashed = (name: string) => {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('SSH host keys, checked by the executor itself', () => {
  it('unknown host: refused with the presented fingerprint, and the command never runs', async () => {
    const { pool: p, marker } = pool(`[127.0.0.2]:${port} ${hostKey.type} ${hostKey.b64}\n`);
    const err = await p.exec('node1', `touch '${marker}'`).then(() => '', (e: Error) => e.message);
    p.close();
    expect(err).toMatch(new RegExp(`127\\.0\\.0\\.1 is not in .*known_hosts.* \\(it presented ${fingerprint(Buffer.from(hostKey.b64, 'base64')).replace(/[+/]/g, '.')}\\)`));
    expect(existsSync(marker)).toBe(false);
  });

  it('changed key: refused naming the presented fingerprint and the known_hosts line to fix', async () => {
    const { pool: p, marker } = pool(`# lab\n[127.0.0.1]:${port} ${otherKey.type} ${otherKey.b64}\n`);
    const err = await p.exec('node1', `touch '${marker}'`).then(() => '', (e: Error) => e.message);
    p.close();
    expect(err).toMatch(/host key of 127\.0\.0\.1 changed: it presented SHA256:\S+, which does not match .*known_hosts-\w+ line 2 \(possible man-in-the-middle/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a hashed entry on a non-default port is accepted and the command runs', async () => {
    const { pool: p, marker } = pool(`${hashed(`[127.0.0.1]:${port}`)} ${hostKey.type} ${hostKey.b64}\n`);
    const r = await p.exec('node1', `touch '${marker}' && echo done`);
    p.close();
    expect(r).toMatchObject({ code: 0 });
    expect(existsSync(marker)).toBe(true);
  });

  it('@revoked wins over a matching entry', async () => {
    const { pool: p, marker } = pool(`[127.0.0.1]:${port} ${hostKey.type} ${hostKey.b64}\n@revoked * ${hostKey.type} ${hostKey.b64}\n`);
    const err = await p.exec('node1', `touch '${marker}'`).then(() => '', (e: Error) => e.message);
    p.close();
    expect(err).toMatch(/presented a revoked host key SHA256:/);
    expect(existsSync(marker)).toBe(false);
  });
});
