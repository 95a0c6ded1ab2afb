// The resource graph the stack registers equals the plan's DAG, for the default inventory and changed ones,
// and no secret reaches a plain (unencrypted) resource input.
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../provision/inventory/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildPlan } from '../provision/plan/build.ts';
import type { Plan } from '../provision/plan/types.ts';
import { declareStack, repoRoot } from './program.ts';
import { configOverrides, secretConfigKey, stackInputs } from './inputs.ts';
import { recordingMocks, SECRET_SIG, settled, strings, testLab, withDecodedHeredocs, type Registered, type TestLab } from './testing.ts';
import * as pulumi from '@pulumi/pulumi';
import { execFileSync } from 'node:child_process';
import { q } from '../provision/plan/daemon-scripts.ts';

async function register(lab: TestLab, config: Record<string, string> = {}) {
  const seen = await recordingMocks(config, Object.keys(config));
  const cfg = new pulumi.Config('etclab');
  const { plan, resources } = declareStack(lab.inv, serviceModules, stackInputs(lab.inv, configOverrides(lab.inv, cfg), repoRoot));
  await settled(resources.values());
  return { plan, seen, byName: new Map(seen.map((r) => [r.name, r])) };
}

function expectGraphEqualsPlan(plan: Plan, seen: Registered[]) {
  expect(seen.map((r) => r.name).sort()).toEqual(plan.steps.map((s) => s.id).sort());
  const edges = (pairs: Array<[string, string[]]>) => pairs.flatMap(([n, ds]) => ds.map((d) => `${d} -> ${n}`)).sort();
  expect(edges(seen.map((r) => [r.name, r.deps]))).toEqual(edges(plan.steps.map((s) => [s.id, s.deps])));
  for (const s of plan.steps) {
    const r = seen.find((x) => x.name === s.id)!;
    const remote = s.action.kind === 'shell' || s.action.kind === 'files';
    expect(r.type, s.id).toBe(remote ? 'command:remote:Command' : 'command:local:Command');
  }
}

function expectNoPlainSecrets(lab: TestLab, seen: Registered[]) {
  for (const r of seen) {
    const plain = strings(r.raw).plain.map(withDecodedHeredocs).join('\n');
    for (const v of lab.sensitive) expect(plain.includes(v), `${r.name} carries a secret in a plain input`).toBe(false);
  }
}

const secretText = (r: Registered) => strings(r.raw).secret.map(withDecodedHeredocs).join('\n');
const plainInput = (r: Registered, key: string) => (r.raw as Record<string, unknown>)[key];

describe('Pulumi stack from the plan (runtime mocks)', () => {
  it('default inventory: same nodes and edges as the up plan, stop scripts as deletes, no plain secrets', async () => {
    const lab = testLab();
    const { plan, seen, byName } = await register(lab);
    expect(plan.steps.length).toBeGreaterThan(10);
    expectGraphEqualsPlan(plan, seen);
    expectNoPlainSecrets(lab, seen);

    const down = buildPlan(lab.inv, 'down', serviceModules);
    for (const s of plan.steps.filter((x) => x.phase === 'start')) {
      const stop = down.steps.find((d) => d.service === s.service && d.node === s.node && d.role === s.role && d.phase === 'stop')!;
      const r = byName.get(s.id)!;
      expect(plainInput(r, 'delete')).toBe(`bash -c ${q(stop.action.kind === 'shell' ? stop.action.script : '?')}`);
      expect(r.deleteBeforeReplace, s.id).toBe(true);
    }
    // What the node's login shell does with the delete command: the stop script runs (nothing to stop here).
    const del = String(plainInput(byName.get('redis/node1/start:server')!, 'delete'));
    expect(execFileSync('/bin/sh', ['-c', del], { encoding: 'utf8' })).toContain('ETCLAB_UNCHANGED server not running');
    // The redis password does reach the node: inside the secret-wrapped stdin of redis' configure step.
    const cfg = byName.get(plan.steps.find((s) => s.service === 'redis' && s.phase === 'configure')!.id)!;
    expect(secretText(cfg)).toContain(`requirepass "${lab.secretValues.redis_password}"`);
    // The connection pins the node's host key from known_hosts; holding the key, it is secret as a whole.
    const conn = plainInput(cfg, 'connection') as Record<string, unknown>;
    expect(conn[SECRET_SIG]).toBeDefined();
    expect((conn.value as Record<string, unknown>).hostKey).toBe(`ssh-ed25519 ${Buffer.from('hostkey-node1').toString('base64')}`);
  });

  it('probe steps call `etclab probe` with the probe as JSON and the step timeout', async () => {
    const lab = testLab();
    const { plan, byName } = await register(lab);
    const health = plan.steps.filter((s) => s.action.kind === 'probe');
    expect(health.length).toBeGreaterThan(0);
    for (const s of health) {
      const create = String(plainInput(byName.get(s.id)!, 'create'));
      expect(create).toContain(`${repoRoot}/bin/etclab.mjs`);
      expect(create).toContain(`--inventory '${lab.inv.file}' probe --timeout ${s.timeoutSec} --json`);
      expect(create).toContain(JSON.stringify(s.action.kind === 'probe' ? s.action.probe : null));
    }
  });

  const variants: Array<[string, (inv: Inventory) => void]> = [
    ['redis moved to node2', (inv) => void (inv.services.redis.roles.server = ['node2'])],
    [
      'a fourth ZooKeeper node',
      (inv) => {
        inv.nodes.push({ ...inv.nodes[2], name: 'node4', address: '10.213.7.14', baseDir: '/lab/node4' });
        inv.services.zookeeper.roles.server = ['node1', 'node2', 'node3', 'node4'];
      },
    ],
  ];
  for (const [what, edit] of variants)
    it(`changed inventory (${what}): graph follows the new plan`, async () => {
      const lab = testLab(edit);
      const { plan, seen } = await register(lab);
      expectGraphEqualsPlan(plan, seen);
      expectNoPlainSecrets(lab, seen);
      const base = buildPlan(testLab().inv, 'up', serviceModules);
      expect(plan.steps.map((s) => s.id).sort()).not.toEqual(base.steps.map((s) => s.id).sort());
    });

  it("a changed redis setting changes only redis' resources; a secret override changes only its users", async () => {
    const lab = testLab();
    const before = await register(lab);
    lab.inv.services.redis.settings = { ...lab.inv.services.redis.settings, maxmemory: '128mb' };
    const after = await register(lab);
    // Secret-wrapped inputs differ between runs only if the resolved text does; compare everything.
    const changed = (a: Map<string, Registered>, b: Map<string, Registered>) =>
      [...a.keys()].filter((n) => JSON.stringify(a.get(n)!.raw) !== JSON.stringify(b.get(n)!.raw)).sort();
    const diff = changed(before.byName, after.byName);
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.every((n) => n.startsWith('redis/'))).toBe(true);
    expect(diff).toEqual(expect.arrayContaining(['redis/node1/configure:server', 'redis/node1/start:server', 'redis/node1/health:server']));

    const override = 'Overridden-pw-123456';
    const over = await register(lab, { [`etclab:${secretConfigKey('redis_password')}`]: override });
    const cfg = over.byName.get('redis/node1/configure:server')!;
    expect(secretText(cfg)).toContain(`requirepass "${override}"`);
    expect(secretText(cfg)).not.toContain(lab.secretValues.redis_password);
    expectNoPlainSecrets({ ...lab, sensitive: [...lab.sensitive, override] }, over.seen);
    // The probe CLI gets the override in its environment (secret-wrapped), never on its command line.
    const probe = over.byName.get('redis/node1/health:server')!;
    expect(String(plainInput(probe, 'create'))).not.toContain(override);
    expect(secretText(probe)).toContain(override);
    expect(changed(after.byName, over.byName).every((n) => n.startsWith('redis/'))).toBe(true);
  });
});
