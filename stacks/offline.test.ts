// The `offline` provider mode without an engine: the resource graph it registers equals the plan's DAG, no
// secret value reaches any input (the serialized provider included), and one changed setting changes the
// inputs of exactly that service's affected daemon steps — in both modes, since they share stacks/coverage.ts.
import { describe, expect, it } from 'vitest';
import * as pulumi from '@pulumi/pulumi';
import type { Inventory } from '../provision/inventory/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { fixtureInventory } from '../test/fixtures/inventory.ts';
import { declareOfflineStack, declareStack, repoRoot } from './program.ts';
import { configOverrides, stackInputs } from './inputs.ts';
import { offlineDiff, planToOffline, type OfflineProps } from './offline.ts';
import { STEP_MODULE, STEP_TYPE } from './declare-offline.ts';
import { recordingMocks, settled, strings, testLab, type TestLab } from './testing.ts';

async function registerOffline(lab: TestLab) {
  const seen = await recordingMocks();
  const { plan, resources } = declareOfflineStack(lab.inv, serviceModules, { repoRoot, runner: '/nowhere/pulumi-step.mjs' });
  await settled(resources.values());
  return { plan, seen, byName: new Map(seen.map((r) => [r.name, r])) };
}

describe('offline provider mode (runtime mocks)', () => {
  it('one dynamic resource per up step, with exactly the plan edges; stop steps ride along with start steps', async () => {
    const lab = testLab();
    const { plan, seen, byName } = await registerOffline(lab);
    expect(plan.steps.length).toBeGreaterThan(10);
    expect(seen.map((r) => r.name).sort()).toEqual(plan.steps.map((s) => s.id).sort());
    const edges = (pairs: Array<[string, string[]]>) => pairs.flatMap(([n, ds]) => ds.map((d) => `${d} -> ${n}`)).sort();
    expect(edges(seen.map((r) => [r.name, r.deps]))).toEqual(edges(plan.steps.map((s) => [s.id, s.deps])));
    for (const r of seen) expect(r.type).toBe(`pulumi-nodejs:dynamic/${STEP_MODULE}:${STEP_TYPE}`);

    const down = buildPlan(lab.inv, 'down', serviceModules);
    for (const s of plan.steps) {
      const raw = byName.get(s.id)!.raw as Record<string, unknown>;
      expect(raw.stepId).toBe(s.id);
      expect(raw.node).toBe(s.node);
      expect(raw.service).toBe(s.service);
      expect(raw.inventory).toBe(lab.inv.file);
      expect((raw.step as { action: unknown }).action).toEqual(s.action);
      const stop = down.steps.find((d) => d.phase === 'stop' && d.service === s.service && d.node === s.node && d.role === s.role);
      if (s.phase === 'start') expect((raw.stop as { id: string }).id).toBe(stop!.id);
      else expect(raw.stop).toBeUndefined();
      expect(byName.get(s.id)!.deleteBeforeReplace, s.id).toBe(s.phase === 'start');
    }
  });

  it('no secret value in any input or in the serialized provider; secrets are names, their digest a Pulumi secret', async () => {
    const lab = testLab();
    const { seen, byName } = await registerOffline(lab);
    for (const r of seen) {
      const all = strings(r.raw);
      const text = [...all.plain, ...all.secret].join('\n');
      for (const v of lab.sensitive) expect(text.includes(v), `${r.name} carries a secret`).toBe(false);
    }
    const cfg = byName.get('redis/node1/configure:server')!.raw as Record<string, unknown>;
    expect(cfg.secretNames).toEqual(['redis_password']);
    expect(JSON.stringify(cfg.step)).toContain('{{secret:redis_password:redis}}');
    // The digest of the values is wrapped as a secret (encrypted in the state), never plain.
    expect(strings(cfg.secretsDigest).plain).toEqual([]);
    expect(strings(cfg.secretsDigest).secret[0]).toMatch(/^[0-9a-f]{64}$/);
    // The provider text is the tiny forwarder: it holds no path that varies between machines or runs.
    const provider = String(cfg.__provider);
    expect(provider).toContain('ETCLAB_STEP_RUNNER');
    expect(provider).not.toContain(lab.dir);
  });

  it('the serialized provider is the same for every resource and every run (a changed one would replace them all)', async () => {
    const a = await registerOffline(testLab());
    const b = await registerOffline(testLab((inv) => void (inv.services.redis.settings = { ...inv.services.redis.settings, maxmemory: '64mb' })));
    const texts = new Set([...a.seen, ...b.seen].map((r) => String((r.raw as Record<string, unknown>).__provider)));
    expect(texts.size).toBe(1);
  });
});

/** Step ids whose diff-relevant inputs differ between two inventories, by the provider's own diff. */
function changedOffline(before: Inventory, after: Inventory): string[] {
  const specs = (inv: Inventory) =>
    new Map(planToOffline(buildPlan(inv, 'up', serviceModules), buildPlan(inv, 'down', serviceModules), inv, { runner: '/r', fileDigest: () => 'digest' }).map((s) => [s.name, s.props]));
  const a = specs(before);
  const b = specs(after);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  return [...a.keys()].filter((id) => offlineDiff(a.get(id)! as Partial<OfflineProps>, b.get(id)! as Partial<OfflineProps>).changes).sort();
}

describe('one changed setting → only that service\'s affected daemon steps', () => {
  const services = ['zookeeper', 'redis', 'kafka', 'hdfs', 'yarn', 'hbase', 'flink'];

  it('offline: a NodeManager heap changes its configure, start and checks on each node, and the YARN cluster check', () => {
    const before = fixtureInventory(services);
    const after = structuredClone(before);
    after.services.yarn.heap = { ...after.services.yarn.heap, nodemanager: '320m' };
    const nms = before.services.yarn.roles.nodemanager!;
    expect(nms.length).toBeGreaterThan(1);
    expect(changedOffline(before, after)).toEqual(
      [...nms.flatMap((n) => [`yarn/${n}/configure:nodemanager`, `yarn/${n}/start:nodemanager`, `yarn/${n}/health:nodemanager`]), 'yarn/*/health'].sort(),
    );
  });

  it('offline: a redis setting changes redis\' configure, start and check only', () => {
    const before = fixtureInventory(services);
    const after = structuredClone(before);
    after.services.redis.settings = { ...after.services.redis.settings, maxmemory: '96mb' };
    expect(changedOffline(before, after)).toEqual(['redis/node1/configure:server', 'redis/node1/health:server', 'redis/node1/start:server']);
  });

  it('command mode re-runs exactly the same steps for the NodeManager heap (its resources\' inputs)', async () => {
    const lab = testLab();
    for (const s of services) lab.inv.services[s] ??= structuredClone(fixtureInventory(services).services[s]!);
    const before = structuredClone(lab.inv);
    const register = async () => {
      const seen = await recordingMocks();
      // Sync steps digest artifact manifests, which a unit test does not have: one digest for all.
      const inputs = { ...stackInputs(lab.inv, configOverrides(lab.inv, new pulumi.Config('etclab')), repoRoot), fileDigest: () => 'digest' };
      const { resources } = declareStack(lab.inv, serviceModules, inputs);
      await settled(resources.values());
      return new Map(seen.map((r) => [r.name, JSON.stringify(r.raw)]));
    };
    const a = await register();
    lab.inv.services.yarn.heap = { ...lab.inv.services.yarn.heap, nodemanager: '320m' };
    const b = await register();
    const changed = [...a.keys()].filter((n) => a.get(n) !== b.get(n)).sort();
    expect(changed).toEqual(changedOffline(before, lab.inv));
  });
});

