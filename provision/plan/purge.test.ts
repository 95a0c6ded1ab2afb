import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPurgePlan, purgeTargets } from './purge.ts';
import { serviceModules } from '../services/registry.ts';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';

const base = mkdtempSync(path.join(tmpdir(), 'etclab-purge-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('down --purge', () => {
  const inv = fixtureInventory(['zookeeper', 'redis', 'mariadb', 'kafka', 'hdfs']);
  for (const n of inv.nodes) n.baseDir = path.join(base, n.name);

  it('lists the data, logs and tmp directories of every service on every node it runs on', () => {
    const t = purgeTargets(inv, serviceModules);
    const of = (node: string, svc: string) => t.find((x) => x.node === node && x.service === svc);
    expect(of('node1', 'hdfs')!.dirs).toEqual(['data', 'logs', 'tmp'].map((d) => path.join(base, 'node1/hdfs', d)));
    expect(of('node1', 'hdfs')!.pids).toContain(path.join(base, 'node1/hdfs/run/namenode.pid'));
    expect(of('node2', 'redis')).toBeUndefined(); // Redis runs on node1 only
    expect(new Set(buildPurgePlan(inv, serviceModules).steps.map((s) => s.phase))).toEqual(new Set(['purge']));
  });

  it('refuses while a daemon of the service still runs on the node, then removes everything once it is gone', async () => {
    const step = buildPurgePlan(inv, serviceModules).steps.find((s) => s.id === 'redis/node1/purge')!;
    const home = path.join(base, 'node1/redis');
    for (const d of ['data', 'logs', 'run']) mkdirSync(path.join(home, d), { recursive: true });
    writeFileSync(path.join(home, 'data/dump.rdb'), 'x');
    const live = spawn('sleep', ['30']);
    writeFileSync(path.join(home, 'run/server.pid'), String(live.pid));
    const script = step.action.kind === 'shell' ? step.action.script : '';
    const refused = spawnSync('bash', ['-s'], { input: script, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/refusing to purge: .*server\.pid names a running process/);
    expect(existsSync(path.join(home, 'data/dump.rdb'))).toBe(true);
    live.kill('SIGKILL');
    await new Promise((r) => live.on('close', r));
    expect(execFileSync('bash', ['-s'], { input: script, encoding: 'utf8' })).toMatch(/ETCLAB_CHANGED removed .*redis\/data .*redis\/logs/);
    expect(existsSync(path.join(home, 'data'))).toBe(false);
    expect(existsSync(path.join(home, 'run/server.pid'))).toBe(true); // run/ and conf/ stay: the next up rewrites them
    expect(execFileSync('bash', ['-s'], { input: script, encoding: 'utf8' })).toMatch(/ETCLAB_UNCHANGED nothing to remove/);
  });
});
