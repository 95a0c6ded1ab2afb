// Host key checking against an OpenSSH known_hosts file (plain and hashed entries). Pure.
import { createHmac } from 'node:crypto';

export interface KnownHost {
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, keyType, b64] = line.split(/\s+/);
    if (!b64) continue;
    const key = Buffer.from(b64, 'base64');
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      out.push({ patterns: [], hashed: { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') }, keyType, key });
    } else out.push({ patterns: hosts.split(','), keyType, key });
  }
  return out;
}

/** The names a host is known by: `addr` for port 22, `[addr]:port` otherwise. */
export function hostNames(address: string, port: number): string[] {
  return port === 22 ? [address, `[${address}]:22`] : [`[${address}]:${port}`];
}

function matches(entry: KnownHost, name: string): boolean {
  if (entry.hashed) return createHmac('sha1', entry.hashed.salt).update(name).digest().equals(entry.hashed.hash);
  return entry.patterns.includes(name);
}

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown';

export function checkHostKey(entries: KnownHost[], address: string, port: number, key: Buffer): HostKeyVerdict {
  const names = hostNames(address, port);
  const known = entries.filter((e) => names.some((n) => matches(e, n)));
  if (!known.length) return 'unknown';
  return known.some((e) => e.key.equals(key)) ? 'match' : 'mismatch';
}
