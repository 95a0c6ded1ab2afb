// The stack: inventory → up and down plans → one resource per up step. Nothing here lists services or
// their order; all of it comes from buildPlan and the service modules. Two provider modes over that one
// mapping, chosen by stack config `etclab:provider`: `command` (@pulumi/command, needs its plugin) and
// `offline` (dynamic resources that run each step through etclab's own executor; no plugin).
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
import { declareOffline } from './declare-offline.ts';
import { planToOffline, type OfflineSpec } from './offline.ts';
import { configOverrides, manifestDigest, stackInputs } from './inputs.ts';
import { providerMode, type ProviderMode } from './modes.ts';

declare const __ETCLAB_BUNDLED__: boolean | undefined;
/** True in the CLI bundle (.build/cli), false under tsx or vitest. */
export const bundled = typeof __ETCLAB_BUNDLED__ !== 'undefined';
// From .build/cli/<chunk>.js when bundled, from stacks/ otherwise.
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), bundled ? '../..' : '..');

/** The executor entry the offline provider loads (scripts/build-cli.mjs builds it with the CLI). */
export const stepRunnerPath = (root = repoRoot) => path.join(root, '.build', 'cli', 'pulumi-step.mjs');

export function declareStack(inv: Inventory, modules: ServiceModule[], inputs: StackInputs) {
  const up = buildPlan(inv, 'up', modules);
  const down = buildPlan(inv, 'down', modules);
  const specs: ResourceSpec[] = planToResources(up, down, inv, inputs);
  return { plan: up, specs, resources: declareResources(specs) };
}

export function declareOfflineStack(inv: Inventory, modules: ServiceModule[], o: { repoRoot: string; runner: string }) {
  const up = buildPlan(inv, 'up', modules);
  const down = buildPlan(inv, 'down', modules);
  const specs: OfflineSpec[] = planToOffline(up, down, inv, { runner: o.runner, fileDigest: manifestDigest });
  return { plan: up, specs, resources: declareOffline(specs, inv, o.repoRoot) };
}

/** The program body for an inventory: what `etclab pulumi` runs inline and Pulumi.yaml's program runs. */
export async function declareFor(inv: Inventory, mode: ProviderMode, o: { runner?: string; log?: (l: string) => void } = {}): Promise<Record<string, unknown>> {
  // The pipeline's bundle is built here, like `etclab up` does, before a sync step copies it to the nodes.
  await buildBundlesOf(buildPlan(inv, 'up', serviceModules).steps, o.log ?? ((l) => pulumi.log.info(l)));
  const { plan, specs } =
    mode === 'offline'
      ? declareOfflineStack(inv, serviceModules, { repoRoot, runner: o.runner ?? stepRunnerPath() })
      : declareStack(inv, serviceModules, stackInputs(inv, configOverrides(inv, new pulumi.Config('etclab')), repoRoot));
  return {
    cluster: inv.cluster,
    inventory: inv.file,
    provider: mode,
    steps: specs.length,
    services: [...new Set(plan.steps.map((s) => s.service))],
  };
}

/** The Pulumi program of Pulumi.yaml: `etclab:inventory` from stack config, else the CLI's search order. */
export async function etclabProgram(): Promise<Record<string, unknown>> {
  const cfg = new pulumi.Config('etclab');
  const inv = await loadInventory(cfg.get('inventory') || inventoryPath(), serviceModules);
  return declareFor(inv, providerMode(cfg.get('provider')));
}
