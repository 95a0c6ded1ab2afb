// The stack: inventory → up and down plans → one resource per up step. Nothing here lists services or
// their order; all of it comes from buildPlan and the service modules.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import type { Inventory } from '../provision/inventory/types.ts';
import { loadInventory } from '../provision/inventory/load.ts';
import type { ServiceModule } from '../provision/services/types.ts';
import { serviceModules } from '../provision/services/registry.ts';
import { buildBundlesOf } from '../provision/artifacts/bundle.ts';
import { buildPlan } from '../provision/plan/build.ts';
import { inventoryPath } from '../ops/inventory.ts';
import { planToResources, type ResourceSpec, type StackInputs } from './resources.ts';
import { declareResources } from './declare.ts';
import { configOverrides, stackInputs } from './inputs.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function declareStack(inv: Inventory, modules: ServiceModule[], inputs: StackInputs) {
  const up = buildPlan(inv, 'up', modules);
  const down = buildPlan(inv, 'down', modules);
  const specs: ResourceSpec[] = planToResources(up, down, inv, inputs);
  return { plan: up, specs, resources: declareResources(specs) };
}

/** The Pulumi program: `etclab:inventory` from stack config, else the CLI's search order. */
export async function etclabProgram(): Promise<Record<string, unknown>> {
  const cfg = new pulumi.Config('etclab');
  const file = cfg.get('inventory') || inventoryPath();
  const inv = await loadInventory(file, serviceModules);
  // The pipeline's bundle is built here, like `etclab up` does, before a sync step copies it to the nodes.
  await buildBundlesOf(buildPlan(inv, 'up', serviceModules).steps, (l) => pulumi.log.info(l));
  const { plan, specs } = declareStack(inv, serviceModules, stackInputs(inv, configOverrides(inv, cfg), repoRoot));
  return {
    cluster: inv.cluster,
    inventory: inv.file,
    steps: specs.length,
    services: [...new Set(plan.steps.map((s) => s.service))],
  };
}
