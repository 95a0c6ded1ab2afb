// The `offline` mode's resources: one dynamic resource per plan step, its provider the tiny forwarder in
// offline-provider.cjs. The one effect here is reading secret values for their digest, which becomes a
// Pulumi secret (encrypted in the state); every other input is plain and secret-free.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { Inventory } from '../provision/inventory/types.ts';
import { resolveSecret } from '../provision/inventory/resolve-secrets.ts';
import { declareInOrder } from './declare.ts';
import { secretsDigest, type OfflineSpec } from './offline.ts';

/** The resource type in the state and in `pulumi stack`: `pulumi-nodejs:dynamic/etclab:Step`. */
export const STEP_MODULE = 'etclab';
export const STEP_TYPE = 'Step';

/** A plan step as a resource (the SDK's dynamic.Resource is abstract: subclassed to be made). */
export class EtclabStep extends pulumi.dynamic.Resource {}

/** The provider object, loaded by Node's own require so its methods' text is exactly the file's. */
export function offlineProvider(repoRoot: string): pulumi.dynamic.ResourceProvider {
  return createRequire(path.join(repoRoot, 'package.json'))('./stacks/offline-provider.cjs') as pulumi.dynamic.ResourceProvider;
}

export function declareOffline(specs: OfflineSpec[], inv: Inventory, repoRoot: string): Map<string, pulumi.CustomResource> {
  const provider = offlineProvider(repoRoot);
  const digests = new Map<string, pulumi.Output<string>>();
  const digestOf = (names: string[]) => {
    const key = names.join(',');
    let d = digests.get(key);
    if (!d) {
      d = pulumi.secret(Promise.all(names.map((n) => resolveSecret(inv, n))).then((values) => secretsDigest(names, values)));
      digests.set(key, d);
    }
    return d;
  };
  return declareInOrder(specs, (s, dependsOn) => {
    const timeout = `${s.step.timeoutSec + 30}s`;
    const props: Record<string, unknown> = { ...s.props, ...(s.props.secretNames.length ? { secretsDigest: digestOf(s.props.secretNames) } : {}) };
    return new EtclabStep(
      provider,
      s.name,
      props,
      {
        dependsOn,
        ...(s.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        additionalSecretOutputs: ['secretsDigest'],
        customTimeouts: { create: timeout, update: timeout, delete: `${(s.props.stop?.timeoutSec ?? 60) + 30}s` },
      },
      STEP_MODULE,
      STEP_TYPE,
    );
  });
}
