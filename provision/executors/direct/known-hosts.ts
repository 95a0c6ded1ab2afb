// Host key checking against an OpenSSH known_hosts file (plain and hashed entries, `@revoked`). Pure.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHost {
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
  /** 1-based line in the file, to name the entry to fix. */
  line: number;
  revoked?: boolean;
}

export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let revoked = false;
    if (line.startsWith('@')) {
      const [marker, ...rest] = line.split(/\s+/);
      // @cert-authority entries vouch for certificates, which etclab does not use: skip them.
      if (marker !== '@revoked') return;
      revoked = true;
      line = rest.join(' ');
    }
    const [hosts, keyType, b64] = line.split(/\s+/);
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    const base = { keyType, key, line: i + 1, ...(revoked ? { revoked } : {}) };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      out.push({ patterns: [], hashed: { salt: Buffer.from(salt!, 'base64'), hash: Buffer.from(hash!, 'base64') }, ...base });
    } else out.push({ patterns: hosts.split(','), ...base });
  });
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

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

export function checkHostKey(entries: KnownHost[], address: string, port: number, key: Buffer): HostKeyVerdict {
  // A revoked key is refused whatever host it is presented for, as OpenSSH does.
  if (entries.some((e) => e.revoked && e.key.equals(key))) return 'revoked';
  const names = hostNames(address, port);
  const known = entries.filter((e) => !e.revoked && names.some((n) => matches(e, n)));
  if (!known.length) return 'unknown';
  return known.some((e) => e.key.equals(key)) ? 'match' : 'mismatch';
}

/** `SHA256:…`, as `ssh-keygen -lf` prints a key's fingerprint. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The known_hosts lines naming this host (to fix when its key changed). */
export function entryLines(entries: KnownHost[], address: string, port: number): number[] {
  const names = hostNames(address, port);
  return entries.filter((e) => !e.revoked && names.some((n) => matches(e, n))).map((e) => e.line);
}
