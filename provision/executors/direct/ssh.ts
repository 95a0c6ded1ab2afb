// One SSH connection per node (ssh2), many channels on it. Scripts go to `bash -s` on stdin, so nothing
// a step carries (secrets included) shows up in a process list on the node.
import { StringDecoder } from 'node:string_decoder';
import { readFile } from 'node:fs/promises';
import { Client, type ClientChannel } from 'ssh2';
import type { NodeSpec } from '../../inventory/types.ts';
import { checkHostKey, entryLines, fingerprint, parseKnownHosts } from './known-hosts.ts';

export interface ExecResult {
  code: number;
  output: string;
}

export class SshError extends Error {}

export class SshPool {
  private conns = new Map<string, Promise<Client>>();

  constructor(private readonly nodes: NodeSpec[]) {}

  private node(name: string): NodeSpec {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new SshError(`no node named ${name} in the inventory`);
    return n;
  }

  connection(name: string): Promise<Client> {
    let c = this.conns.get(name);
    if (!c) {
      c = this.connect(this.node(name));
      this.conns.set(name, c);
      c.catch(() => this.conns.delete(name));
    }
    return c;
  }

  private async connect(n: NodeSpec): Promise<Client> {
    const [privateKey, knownHostsText] = await Promise.all([
      readFile(n.ssh.key).catch((e) => {
        throw new SshError(`${n.name}: cannot read SSH key ${n.ssh.key}: ${e.message}`);
      }),
      readFile(n.ssh.knownHosts, 'utf8').catch((e) => {
        throw new SshError(`${n.name}: cannot read known_hosts ${n.ssh.knownHosts}: ${e.message}`);
      }),
    ]);
    const known = parseKnownHosts(knownHostsText);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let verdict = 'unknown';
      let presented = '';
      client
        .on('ready', () => resolve(client))
        .on('error', (e) => {
          const why =
            verdict === 'mismatch'
              ? `host key of ${n.address} changed: it presented ${presented}, which does not match ${n.ssh.knownHosts} line ${entryLines(known, n.address, n.ssh.port).join(', ')} (possible man-in-the-middle, or the host was rebuilt: check the fingerprint, then remove that line)`
              : verdict === 'revoked'
                ? `${n.address} presented a revoked host key ${presented} (@revoked in ${n.ssh.knownHosts})`
                : verdict === 'unknown'
                  ? `${n.address} is not in ${n.ssh.knownHosts} (it presented ${presented}); add its host key (ssh-keyscan -p ${n.ssh.port} ${n.address} >> ${n.ssh.knownHosts}) after checking that fingerprint`
                  : e.message;
          reject(new SshError(`${n.name}: SSH to ${n.ssh.user}@${n.address}:${n.ssh.port} failed: ${why}`));
        })
        .on('close', () => this.conns.delete(n.name))
        .connect({
          host: n.address,
          port: n.ssh.port,
          username: n.ssh.user,
          privateKey,
          readyTimeout: 15_000,
          keepaliveInterval: 10_000,
          hostVerifier: (key: Buffer) => {
            verdict = checkHostKey(known, n.address, n.ssh.port, key);
            presented = fingerprint(key);
            return verdict === 'match';
          },
        });
    });
  }

  /** Runs a bash script on a node; `onData` sees output as it comes (for step logs). */
  async exec(name: string, script: string, opts: { onData?: (chunk: string) => void; timeoutSec?: number; stdin?: NodeJS.ReadableStream } = {}): Promise<ExecResult> {
    const client = await this.connection(name);
    return new Promise((resolve, reject) => {
      client.exec(opts.stdin ? script : 'bash -s', (err: Error | undefined, ch: ClientChannel) => {
        if (err) return reject(new SshError(`${name}: cannot open a channel: ${err.message}`));
        let output = '';
        let timer: NodeJS.Timeout | undefined;
        // One decoder per stream: a chunk may end inside a UTF-8 character (a CJK checkpoint, a password).
        const reader = () => {
          const decoder = new StringDecoder('utf8');
          return (d: Buffer) => {
            const s = decoder.write(d);
            output += s;
            opts.onData?.(s);
          };
        };
        ch.on('data', reader());
        ch.stderr.on('data', reader());
        if (opts.timeoutSec)
          timer = setTimeout(() => {
            output += `\n(etclab: timed out after ${opts.timeoutSec}s)\n`;
            ch.signal('KILL');
            ch.close();
          }, opts.timeoutSec * 1000);
        ch.on('close', (code: number | null) => {
          if (timer) clearTimeout(timer);
          resolve({ code: code ?? 255, output });
        });
        if (opts.stdin) opts.stdin.pipe(ch);
        else ch.end(script);
      });
    });
  }

  close(): void {
    for (const c of this.conns.values()) c.then((x) => x.end()).catch(() => {});
    this.conns.clear();
  }
}
