import { describe, expect, it } from 'vitest';
import { buildPlan } from './build.ts';
import { criticalPath, levels, topoOrder } from './dag.ts';
import { serviceModules } from '../services/registry.ts';
import type { ServiceModule } from '../services/types.ts';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';
import type { Step } from './types.ts';

const ids = (steps: Step[]) => steps.map((s) => s.id);

describe('plan for up', () => {
  const plan = buildPlan(fixtureInventory(), 'up', serviceModules);

  it('has install, configure, start and health per daemon plus one ensemble check', () => {
    const zk = plan.steps.filter((s) => s.service === 'zookeeper');
    expect(zk.filter((s) => s.phase === 'start').map((s) => s.node)).toEqual(['node1', 'node2', 'node3']);
    expect(ids(zk)).toContain('zookeeper/*/health');
    expect(plan.steps.find((s) => s.id === 'zookeeper/*/health')!.deps.sort()).toEqual(
      ['zookeeper/node1/health:server', 'zookeeper/node2/health:server', 'zookeeper/node3/health:server'],
    );
    expect(plan.steps.filter((s) => s.service === 'redis').map((s) => s.phase)).toEqual(['configure', 'start', 'health']);
  });

  it("each node's packages come first, in one step per node, and independent services then share a level", () => {
    const [first, second] = levels(plan.steps);
    expect(first!.map((s) => s.id).sort()).toEqual(['packages/node1/install', 'packages/node2/install', 'packages/node3/install']);
    expect(new Set(second!.map((s) => s.service))).toEqual(new Set(['zookeeper', 'redis', 'mariadb']));
  });

  it('carries no secret value, only placeholders', () => {
    const text = JSON.stringify(plan);
    expect(text).toContain('{{secret:redis_password:redis}}');
    expect(text).toContain('{{secret:mysql_app_password:sql}}');
  });

  it('critical path follows the longest chain', () => {
    const cp = criticalPath(plan.steps);
    expect(cp.steps.at(-1)!.id).toBe('zookeeper/*/health');
    expect(cp.seconds).toBeGreaterThan(0);
  });
});

describe('ordering between services', () => {
  // A module that needs ZooKeeper, tiered like HDFS: its second tier waits for the first to be healthy.
  const dependent: ServiceModule = {
    name: 'needy', description: 't', roles: ['head', 'worker'], roleTiers: [['head'], ['worker']], after: ['zookeeper'],
    defaults: () => ({ roles: { head: ['node1'], worker: ['node2', 'node3'] }, version: '1', source: { kind: 'maven' }, ports: {}, heap: {}, secrets: {} }),
    daemon: ({ role }) => ({ role, files: [], command: 'sleep 1000', ports: [], probe: { protocol: 'tcp', role } }),
  };
  const modules = [...serviceModules, dependent];
  const inv = fixtureInventory(['zookeeper']);
  inv.services.needy = { ...dependent.defaults('lab', []), settings: {} };

  it('starts after the ensemble check and tiers in order; stops in reverse', () => {
    const up = buildPlan(inv, 'up', modules);
    const headStart = up.steps.find((s) => s.id === 'needy/node1/start:head')!;
    expect(headStart.deps).toContain('zookeeper/*/health');
    const workerStart = up.steps.find((s) => s.id === 'needy/node2/start:worker')!;
    expect(workerStart.deps).toContain('needy/node1/health:head');
    const order = ids(topoOrder(up.steps));
    expect(order.indexOf('zookeeper/*/health')).toBeLessThan(order.indexOf('needy/node1/start:head'));

    const down = buildPlan(inv, 'down', modules);
    const zkStop = down.steps.find((s) => s.id === 'zookeeper/node1/stop:server')!;
    expect(zkStop.deps).toEqual(expect.arrayContaining(['needy/node1/stop:head', 'needy/node2/stop:worker']));
    const headStop = down.steps.find((s) => s.id === 'needy/node1/stop:head')!;
    expect(headStop.deps).toEqual(expect.arrayContaining(['needy/node2/stop:worker', 'needy/node3/stop:worker']));
  });

  it('a plan for one node of one service has only that node\'s steps', () => {
    const p = buildPlan(inv, 'start', modules, { services: ['zookeeper'], nodes: ['node2'] });
    expect(new Set(p.steps.map((s) => s.node))).toEqual(new Set(['node2']));
    expect(ids(p.steps)).not.toContain('zookeeper/*/health');
  });
});

describe('dag', () => {
  it('rejects a cycle naming the steps', () => {
    const s = (id: string, deps: string[]): Step => ({ id, deps, service: 'x', node: 'n', phase: 'start', title: id, action: { kind: 'shell', script: '' }, timeoutSec: 1, estimateSec: 1 });
    expect(() => topoOrder([s('a', ['b']), s('b', ['a'])])).toThrow(/cycle: a → b → a|cycle: b → a → b/);
    expect(() => topoOrder([s('a', ['zz'])])).toThrow(/unknown step zz/);
  });
});

describe('start order', () => {
  it('comes from `after`, whatever order the modules are listed in; an unknown name or a cycle is refused', async () => {
    const { startOrder } = await import('../services/start-order.ts');
    const { serviceModules } = await import('../services/registry.ts');
    const names = startOrder([...serviceModules].reverse()).map((m) => m.name);
    for (const m of serviceModules) for (const a of m.after) expect(names.indexOf(a), `${a} before ${m.name}`).toBeLessThan(names.indexOf(m.name));
    const mod = (name: string, after: string[]) => ({ ...serviceModules[0]!, name, after });
    expect(() => startOrder([mod('a', ['nope'])])).toThrow(/service module a: after names unknown service "nope"/);
    expect(() => startOrder([mod('a', ['b']), mod('b', ['a'])])).toThrow(/cycle: a → b → a/);
    expect(startOrder([mod('a', ['nope'])], true).map((m) => m.name)).toEqual(['a']);
  });
});
