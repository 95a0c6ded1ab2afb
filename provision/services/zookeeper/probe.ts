// ZooKeeper's four-letter words over a plain socket (whitelisted in zoo.cfg).
import net from 'node:net';
import type { Probe, ProbeResult } from '../../probes/types.ts';

export function fourLetter(host: string, port: number, word: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => sock.destroy(new Error(`no answer to ${word} from ${host}:${port} in ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(word));
    sock.on('data', (d) => (buf += d.toString()));
    sock.on('end', () => {
      clearTimeout(timer);
      resolve(buf);
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export function parseMode(srvr: string): string | null {
  return /^Mode:\s*(\S+)/m.exec(srvr)?.[1] ?? null;
}

export async function probe(p: Probe): Promise<ProbeResult> {
  const srvr = await fourLetter(String(p.host), Number(p.port), 'srvr');
  const mode = parseMode(srvr);
  if (!mode) return { ok: false, detail: srvr.trim().split('\n')[0] || 'empty answer to srvr' };
  return { ok: true, detail: mode };
}

export async function probeEnsemble(p: Probe): Promise<ProbeResult> {
  const servers = p.servers as Array<{ node: string; host: string; port: number }>;
  const modes = await Promise.all(
    servers.map(async (s) => {
      try {
        return { node: s.node, mode: parseMode(await fourLetter(s.host, s.port, 'srvr')) ?? 'not serving' };
      } catch (e) {
        return { node: s.node, mode: `down (${(e as Error).message})` };
      }
    }),
  );
  return ensembleVerdict(modes);
}

/** One leader and every other server a follower (or standalone for a 1-node ensemble). */
export function ensembleVerdict(modes: Array<{ node: string; mode: string }>): ProbeResult {
  const leaders = modes.filter((m) => m.mode === 'leader');
  const followers = modes.filter((m) => m.mode === 'follower');
  const detail = modes.map((m) => `${m.node} ${m.mode}`).join(', ');
  if (modes.length === 1) return { ok: modes[0].mode === 'standalone', detail };
  return { ok: leaders.length === 1 && followers.length === modes.length - 1, detail };
}
