// Serves the lab's apt repository to isolated nodes on the bridge address: a small static HTTP server in
// a detached Node.js process (this machine's own `node`, no package to install), recorded by pid and
// recognised by its command line, stopped by `lab down`.
import { spawn } from 'node:child_process';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { LAB_APT_PORT, LAB_HOST_ADDRESS, type LabPaths } from './layout.ts';
import { pidAlive, readPid, readText, waitFor } from './host.ts';
import type { Log } from './host.ts';

/** Marks the server's argv, so a recycled pid is never taken for it. */
const TAG = 'etclab-lab-apt-repository';

// GET/HEAD of files below the directory; nothing else. Runs with `node -e`, so plain JavaScript.
const SERVER = `
const [dir, host, port] = process.argv.slice(2);
const http = require('http'), fs = require('fs'), path = require('path');
http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const file = path.join(dir, path.normalize(rel));
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(dir + path.sep)) { res.writeHead(404).end(); return; }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end(); else fs.createReadStream(file).pipe(res);
  });
}).listen(Number(port), host, () => console.log('serving ' + dir + ' on ' + host + ':' + port));
`;

/** The running server (its pid and the directory its argv names), or null when none is ours. */
async function runningServer(p: LabPaths): Promise<{ pid: number; dir: string | undefined } | null> {
  const pid = await readPid(p.aptPid);
  if (!pid || !pidAlive(pid)) return null;
  const argv = ((await readText(`/proc/${pid}/cmdline`)) ?? '').split('\0');
  const at = argv.indexOf(TAG);
  return at < 0 ? null : { pid, dir: argv[at + 1] };
}

const answers = () =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: LAB_HOST_ADDRESS, port: LAB_APT_PORT });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on('connect', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

export async function ensureAptServer(p: LabPaths, repo: string, log: Log, changed: string[]): Promise<void> {
  const running = await runningServer(p);
  if (running && running.dir === repo && (await answers())) {
    log(`lab apt repository on ${LAB_HOST_ADDRESS}:${LAB_APT_PORT} (pid ${running.pid}): already up`);
    return;
  }
  if (running) await stopAptServer(p);
  const out = await fs.open(p.aptLog, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND, 0o600);
  try {
    // argv: node -e <server> <tag> <dir> <host> <port> (the server skips the tag).
    const child = spawn(process.execPath, ['-e', SERVER, TAG, repo, LAB_HOST_ADDRESS, String(LAB_APT_PORT)], {
      detached: true, stdio: ['ignore', out.fd, out.fd],
    });
    child.unref();
    await fs.writeFile(p.aptPid, `${child.pid}\n`, { mode: 0o644 });
    if (!(await waitFor(answers, 10_000, 100))) {
      const tail = ((await readText(p.aptLog)) ?? '').trim().split('\n').slice(-5).join('\n');
      throw new Error(`the lab's apt repository server did not answer on ${LAB_HOST_ADDRESS}:${LAB_APT_PORT}; ${p.aptLog}:\n${tail}`);
    }
    log(`lab apt repository: serving ${repo} on ${LAB_HOST_ADDRESS}:${LAB_APT_PORT} (pid ${child.pid})`);
    changed.push('apt repository server');
  } finally {
    await out.close();
  }
}

export async function stopAptServer(p: LabPaths): Promise<boolean> {
  const pid = (await runningServer(p))?.pid;
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitFor(() => !pidAlive(pid), 5_000))) process.kill(pid, 'SIGKILL');
  await fs.rm(p.aptPid, { force: true });
  return true;
}
