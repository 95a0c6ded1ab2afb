// Real lab: namespaces, bridge, sshd. Needs root and iproute2; the suite brings the lab up from nothing and
// leaves nothing behind (labDown in afterAll).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDown, labStatus, labUp, type LabInfo } from './lab.ts';
import { LAB_NODES, labPaths, SECRET_NAMES } from './layout.ts';

const isRoot = process.getuid?.() === 0;
const hasIp = spawnSync('ip', ['-V']).status === 0;
// It takes the lab down and up again, so it never runs by surprise next to a lab someone is using.
const skipReason = process.env.ETCLAB_E2E !== '1'
  ? 'it takes the lab down and up: set ETCLAB_E2E=1 to run it'
  : !isRoot ? 'not root (run the tests as root to enable)' : !hasIp ? 'no `ip` (apt-get install iproute2)' : '';
if (skipReason) console.warn(`lab.test.ts skipped: ${skipReason}`);

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Host key blob for `address` in a known_hosts file (plain, unhashed lines as lab up writes them). */
function knownKey(knownHostsFile: string, address: string): Buffer | null {
  for (const line of readFileSync(knownHostsFile, 'utf8').split('\n')) {
    const [hosts, , blob] = line.trim().split(/\s+/);
    if (hosts && blob && hosts.split(',').includes(address)) return Buffer.from(blob, 'base64');
  }
  return null;
}

function connect(address: string, key: string, knownHostsFile: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => resolve(c));
    c.on('error', (e) => reject(e));
    c.connect({
      host: address,
      port: 22,
      username: 'root',
      privateKey: readFileSync(key),
      readyTimeout: 10_000,
      hostVerifier: (presented: Buffer) => {
        const expected = knownKey(knownHostsFile, address);
        return expected !== null && expected.equals(presented);
      },
    });
  });
}

function exec(c: Client, cmd: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ssh exec timed out: ${cmd}`)), 15_000);
    c.exec(cmd, (err, stream) => {
      if (err) return clearTimeout(timer), reject(err);
      let stdout = '';
      let stderr = '';
      stream.on('data', (d: Buffer) => (stdout += d));
      stream.stderr.on('data', (d: Buffer) => (stderr += d));
      stream.on('close', (code: number | null) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  });
}

const netnsNames = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
const etclabLinks = () =>
  spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /\detclab/.test(l) || /: etclab/.test(l));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
};

describe.skipIf(!!skipReason)(`local lab (root + iproute2${skipReason ? `; skipped: ${skipReason}` : ''})`, () => {
  const p = labPaths(process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab');
  let first: LabInfo;
  const conns = new Map<string, Client>();

  beforeAll(async () => {
    await labDown(); // measure and check up from nothing
    first = await labUp();
    console.warn(`labUp from nothing: ${first.ms} ms`);
  });

  afterAll(async () => {
    for (const c of conns.values()) c.end();
    await labDown();
  });

  it('lab up from nothing creates every piece and status reports it up', async () => {
    expect(first.changed).toEqual(expect.arrayContaining(['bridge created, address 10.213.7.1/24, up', 'inventory']));
    const st = await labStatus();
    expect(st.up).toBe(true);
    expect(st.bridgeAddress).toBe('10.213.7.1');
    for (const n of st.nodes) {
      expect(n.address).toBe(n.expectedAddress);
      expect(n.sshdAlive && n.sshReachable).toBe(true);
    }
    expect(readFileSync(p.knownHosts, 'utf8').trim().split('\n')).toHaveLength(3);
    for (const s of SECRET_NAMES) {
      // Hostile on purpose (layout.ts hostilePasswordFromBytes): one line, 64+ characters, quotes to CJK.
      const pw = readFileSync(p.secrets[s], 'utf8');
      expect([...pw].length).toBeGreaterThanOrEqual(64);
      expect(pw).toMatch(/^[A-Za-z0-9]{20}'"\\ \$HOME#1 %s 密码[A-Za-z0-9]{20} 口令'" `x`[A-Za-z0-9]{20}$/);
      expect(statSync(p.secrets[s]).mode & 0o777).toBe(0o600);
    }
    expect(statSync(p.clientKey).mode & 0o777).toBe(0o600);
  });

  it('lab up again changes nothing and says so per piece', async () => {
    const lines: string[] = [];
    const again = await labUp({ log: (l) => lines.push(l) });
    console.warn(`labUp when already up: ${again.ms} ms`);
    expect(again.changed).toEqual([]);
    for (const piece of ['bridge', 'node1 network', 'node3 network', 'node2 sshd', 'secrets', 'inventory']) {
      expect(lines.some((l) => l.includes(piece) && l.includes('already up'))).toBe(true);
    }
    expect(lines.at(-1)).toBe('lab already up: nothing changed');
  });

  it('ssh2 reaches each node with its host key checked against known_hosts; hostname is the node name', async () => {
    for (const n of LAB_NODES) {
      const c = await connect(n.address, p.clientKey, p.knownHosts);
      conns.set(n.name, c);
      const r = await exec(c, 'hostname');
      expect(r).toMatchObject({ code: 0, stdout: `${n.name}\n` });
    }
  });

  it('a wrong known_hosts entry is rejected (ssh2 and OpenSSH)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'etclab-kh-'));
    try {
      // node1's address with node2's key: what a changed host key looks like.
      const lines = readFileSync(p.knownHosts, 'utf8').trim().split('\n');
      const node2Key = lines[1]!.split(' ').slice(1).join(' ');
      const wrong = join(dir, 'known_hosts');
      writeFileSync(wrong, `10.213.7.11 ${node2Key}\n`);
      await expect(connect('10.213.7.11', p.clientKey, wrong)).rejects.toThrow(/verification failed/i);
      const ssh = (kh: string) =>
        spawnSync(
          'ssh',
          ['-i', p.clientKey, '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
            '-o', 'ConnectTimeout=5', 'root@10.213.7.11', 'hostname'],
          { encoding: 'utf8', timeout: 15_000 },
        );
      const bad = ssh(wrong);
      expect(bad.status).toBe(255);
      expect(bad.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      const good = ssh(p.knownHosts);
      expect({ status: good.status, out: good.stdout }).toEqual({ status: 0, out: 'node1\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('node2 resolves node3 and node1 reaches node2:22 by name', async () => {
    const r2 = await exec(conns.get('node2')!, 'getent hosts node3');
    expect(r2.stdout.trim().split(/\s+/)).toEqual(['10.213.7.13', 'node3']);
    const r1 = await exec(conns.get('node1')!, `bash -c 'exec 3<>/dev/tcp/node2/22 && head -c 8 <&3'`);
    expect(r1).toMatchObject({ code: 0, stdout: 'SSH-2.0-' });
  });

  it('password login is refused (key-only)', async () => {
    const r = spawnSync(
      'ssh',
      ['-o', 'PubkeyAuthentication=no', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${p.knownHosts}`,
        '-o', 'ConnectTimeout=5', 'root@10.213.7.12', 'true'],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('repairs an sshd that died, keeping secrets and an edited inventory', async () => {
    const secretsBefore = SECRET_NAMES.map((s) => readFileSync(p.secrets[s], 'utf8'));
    appendFileSync(p.inventory, '# edited by the user\n');
    const pid = Number(readFileSync(p.nodes.node2!.pidFile, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await expect.poll(() => alive(pid), { timeout: 5_000 }).toBe(false);
    expect((await labStatus()).up).toBe(false);

    const again = await labUp();
    expect(again.changed).toEqual([expect.stringMatching(/^node2 sshd/)]);
    expect((await labStatus()).up).toBe(true);
    expect(SECRET_NAMES.map((s) => readFileSync(p.secrets[s], 'utf8'))).toEqual(secretsBefore);
    expect(readFileSync(p.inventory, 'utf8')).toMatch(/# edited by the user\n$/);
    const c = await connect('10.213.7.12', p.clientKey, p.knownHosts);
    expect((await exec(c, 'hostname')).stdout).toBe('node2\n');
    c.end();
  });

  it('lab down removes namespaces, links, processes, /etc/netns entries and the lab dir; again is a no-op', async () => {
    // A detached process on node3 must not survive its namespace.
    const r = await exec(conns.get('node3')!, 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!');
    const sleeper = Number(r.stdout.trim());
    expect(alive(sleeper)).toBe(true);
    const sshdPids = LAB_NODES.map((n) => Number(readFileSync(p.nodes[n.name]!.pidFile, 'utf8')));
    for (const c of conns.values()) c.end();
    conns.clear();

    const down = await labDown();
    expect(down.removed).toEqual(expect.arrayContaining(['namespace etclab-node1', 'bridge etclab0', `lab dir ${p.dir}`]));
    expect(netnsNames()).not.toMatch(/etclab-/);
    expect(etclabLinks()).toEqual([]);
    expect([sleeper, ...sshdPids].filter(alive)).toEqual([]);
    expect(existsSync(p.dir)).toBe(false);
    expect(existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((d) => d.startsWith('etclab-')) : []).toEqual([]);
    expect((await labStatus()).up).toBe(false);
    expect((await labDown()).removed).toEqual([]);
  });
});

/** Every mount any process sees (its mountinfo), as "pid: line", whose source or target names `needle`. */
function mountsNaming(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    for (const line of text.split('\n')) if (line.includes(needle)) out.push(`${pid}: ${line}`);
  }
  return [...new Set(out)];
}

describe.skipIf(!!skipReason)(`isolated lab nodes (own root filesystems${skipReason ? `; skipped: ${skipReason}` : ''})`, () => {
  const p = labPaths(process.env.ETCLAB_LAB_DIR ?? '/var/lib/etclab-lab');
  let first: LabInfo;
  const conns = new Map<string, Client>();
  const on = async (node: string, cmd: string) => {
    if (!conns.has(node)) conns.set(node, await connect(LAB_NODES.find((n) => n.name === node)!.address, p.clientKey, p.knownHosts));
    return exec(conns.get(node)!, cmd);
  };

  beforeAll(async () => {
    await labDown();
    first = await labUp({ mode: 'isolated' });
    console.warn(`labUp --isolated from nothing: ${first.ms} ms (base root filesystem and apt repository ${first.changed.includes('base root filesystem') ? 'built' : 'cached'})`);
  }, 900_000);

  afterAll(async () => {
    for (const c of conns.values()) c.end();
    await labDown();
  });

  it('each node runs sshd in its own root: a minimal Debian without Java, the services or Node.js', async () => {
    const st = await labStatus();
    expect(st.up && st.mode === 'isolated').toBe(true);
    for (const n of st.nodes) expect(n.rootHolderPid).toBeGreaterThan(0);
    for (const n of LAB_NODES) {
      const r = await on(n.name, 'hostname; cat /etc/debian_version; for c in java redis-server mariadbd zkServer.sh node; do command -v $c || echo "no $c"; done');
      expect(r.stdout.split('\n').slice(0, 2)).toEqual([n.name, expect.stringMatching(/^12\./)]);
      expect(r.stdout).toContain('no java\nno redis-server\nno mariadbd\nno zkServer.sh\nno node\n');
    }
    // This machine has them (scripts/setup installed them), so the nodes do not see its filesystem.
    expect(existsSync('/usr/bin/redis-server')).toBe(true);
  });

  it("a node's writes stay in its own root; its base dir is the lab dir's, as a data disk", async () => {
    await on('node1', 'echo node1 > /root/etclab-marker && echo data > ' + `${p.nodes.node1!.base}/etclab-marker`);
    expect((await on('node2', 'cat /root/etclab-marker 2>&1 || echo absent')).stdout).toMatch(/absent/);
    expect(existsSync('/root/etclab-marker')).toBe(false);
    expect(readFileSync(join(p.nodes.node1!.rootUpper, 'root/etclab-marker'), 'utf8')).toBe('node1\n');
    expect(readFileSync(join(p.nodes.node1!.base, 'etclab-marker'), 'utf8')).toBe('data\n');
    // Nothing of the lab is mounted in this machine's namespace: the node's mounts live in its own.
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(p.dir);
  });

  it("a node's apt reaches only the lab's repository, which has the roles' packages", async () => {
    const r = await on('node3', 'cat /etc/apt/sources.list && apt-get -q update 2>&1 | tail -n 1 && apt-cache policy redis-server openjdk-17-jre-headless | grep -E "Candidate|http"');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deb \[trusted=yes\] http:\/\/10\.213\.7\.1:3142\/ \.\/$/m);
    expect(r.stdout.match(/Candidate: \d/g)).toHaveLength(2);
    expect(r.stdout).not.toMatch(/deb\.debian\.org|security\.debian\.org/);
  });

  it('lab up again changes nothing; switching to shared nodes needs lab down first', async () => {
    const again = await labUp();
    expect(again.mode).toBe('isolated');
    expect(again.changed).toEqual([]);
    await expect(labUp({ mode: 'shared' })).rejects.toThrow(/up with isolated nodes: run `etclab lab down` first/);
  });

  it('a holder that died is made again and sshd moves into the new root', async () => {
    const holder = (await labStatus()).nodes.find((n) => n.name === 'node2')!.rootHolderPid!;
    conns.get('node2')?.end();
    conns.delete('node2');
    process.kill(holder, 'SIGKILL');
    await expect.poll(() => alive(holder), { timeout: 5_000 }).toBe(false);
    const again = await labUp();
    expect(again.changed).toEqual(['node2 root filesystem', expect.stringMatching(/^node2 sshd \(.*outside node2's root filesystem\)/)]);
    expect((await on('node2', 'hostname; command -v redis-server || echo none')).stdout).toBe('node2\nnone\n');
  });

  it('lab down leaves no mount, namespace, overlay, process or repository server; the cached base stays', async () => {
    const r = await on('node3', 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!');
    const sleeper = Number(r.stdout.trim());
    const holders = (await labStatus()).nodes.map((n) => n.rootHolderPid!);
    const aptPid = Number(readFileSync(p.aptPid, 'utf8'));
    expect(mountsNaming(p.dir).length).toBeGreaterThan(0); // the nodes' overlays, seen from inside their namespaces
    for (const c of conns.values()) c.end();
    conns.clear();

    const down = await labDown();
    expect(down.removed).toEqual(expect.arrayContaining(['apt repository server', `lab dir ${p.dir}`]));
    expect([sleeper, aptPid, ...holders].filter(alive)).toEqual([]);
    expect(mountsNaming(p.dir)).toEqual([]);
    expect(netnsNames()).not.toMatch(/etclab-/);
    expect(etclabLinks()).toEqual([]);
    expect(existsSync(p.dir)).toBe(false);
    const { baseRootfsDir } = await import('./rootfs.ts');
    expect(existsSync(join(baseRootfsDir(), 'etc/debian_version'))).toBe(true);
  });
});
