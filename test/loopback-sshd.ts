// A throwaway OpenSSH server on 127.0.0.1 (its own host key, port, authorized key and known_hosts), so a suite
// can drive etclab's real SSH executor — host-key check included — against this machine without the lab.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface LoopbackSshd {
  port: number;
  /** Private key that logs in as root. */
  key: string;
  /** known_hosts holding exactly this server's host key for [127.0.0.1]:port. */
  knownHosts: string;
  stop(): void;
}

/** Why a loopback sshd cannot run here ('' when it can). */
export function loopbackSshdSkipReason(): string {
  if (process.getuid?.() !== 0) return 'needs root (sshd logs in as root)';
  if (spawnSync('/usr/sbin/sshd', ['-V']).error) return 'no /usr/sbin/sshd (apt-get install openssh-server)';
  if (spawnSync('ssh-keygen', ['-?']).error) return 'no ssh-keygen (apt-get install openssh-client)';
  return '';
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const listening = (port: number) =>
  new Promise<boolean>((res) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.end();
      res(true);
    }).on('error', () => res(false));
  });

/** Starts sshd with its files in `dir`; resolves once it accepts connections. */
export async function startLoopbackSshd(dir: string): Promise<LoopbackSshd> {
  const port = await freePort();
  const key = path.join(dir, 'id_ed25519');
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${key}.pub`), { mode: 0o600 });
  const knownHosts = path.join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [`Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${hostKey}`, `AuthorizedKeysFile ${dir}/authorized_keys`, 'PermitRootLogin prohibit-password',
      'PasswordAuthentication no', 'StrictModes no', 'UsePAM no', `PidFile ${dir}/sshd.pid`].join('\n') + '\n',
  );
  mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
  return { port, key, knownHosts, stop: () => void sshd.kill('SIGTERM') };
}
