// Liveness by identity, run in a real bash on this machine: a pid file whose pid now belongs to another
// process is reported stale and that process is never signalled; etclab's own daemon is found and stopped.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonPaths, inspectScript, parseInspect, startScript, stopScript } from './daemon-scripts.ts';

const home = mkdtempSync(path.join(tmpdir(), 'etclab-daemon-'));
const bash = (script: string) => execFileSync('bash', ['-s'], { input: script, encoding: 'utf8' });
/** Running and not a zombie (a stopped daemon may linger as one until init reaps it). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0] !== 'Z';
  } catch {
    return false;
  }
};
const bystander = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
afterAll(() => {
  bystander.kill('SIGKILL');
  try {
    bash(stopScript('svc', home, 2));
  } catch {}
});

describe('daemon liveness by identity', () => {
  it('a pid file pointing at an unrelated process: status says not running, stop leaves that process alone, start starts ours', () => {
    const p = daemonPaths(home, 'svc');
    bash(`mkdir -p '${p.run}'`);
    // What a reboot or a long downtime leaves: our pid file, its start time, and the pid since reused.
    writeFileSync(p.pid, `${bystander.pid}\n`);
    writeFileSync(p.pidStart, '12345\n');
    const seen = parseInspect(bash(inspectScript([{ key: 'svc', role: 'svc', home }]))).get('svc')!;
    expect(seen.alive).toBe(false);
    writeFileSync(p.pid, `${bystander.pid}\n`);
    writeFileSync(p.pidStart, '12345\n');
    const stop = bash(stopScript('svc', home, 2));
    expect(stop).toMatch(new RegExp(`stale pid file .*svc\\.pid: pid ${bystander.pid} is now another process \\(sleep\\), left alone`));
    expect(stop).toMatch(/ETCLAB_UNCHANGED svc not running/);
    expect(alive(bystander.pid!)).toBe(true);
    expect(existsSync(p.pid)).toBe(false);

    writeFileSync(p.configDigest, 'c0ffee\n'); // what configure writes
    const start = bash(startScript('svc', home, { command: 'sleep 120', ports: [], stopGraceSec: 2 } as never));
    expect(start).toMatch(/ETCLAB_CHANGED started svc \(pid \d+\)/);
    const pid = Number(readFileSync(p.pid, 'utf8'));
    expect(readFileSync(p.pidStart, 'utf8').trim()).toMatch(/^\d+$/);
    // One status script for several daemons: ours is alive, a reused pid beside it is not.
    const other = daemonPaths(home, 'other');
    writeFileSync(other.pid, `${bystander.pid}\n`);
    writeFileSync(other.pidStart, '12345\n');
    const both = parseInspect(bash(inspectScript([{ key: 'svc', role: 'svc', home }, { key: 'other', role: 'other', home }])));
    expect([both.get('svc')!.alive, both.get('other')!.alive]).toEqual([true, false]);
    expect(bash(startScript('svc', home, { command: 'sleep 120', ports: [], stopGraceSec: 2 } as never))).toMatch(/ETCLAB_UNCHANGED svc already running/);
    expect(bash(stopScript('svc', home, 2))).toMatch(/ETCLAB_CHANGED stopped svc/);
    expect(alive(pid)).toBe(false);
    expect(alive(bystander.pid!)).toBe(true);
  });
});
