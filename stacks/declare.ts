// Resource descriptions → real Pulumi resources, in dependency order so every dependsOn target already exists.
import * as pulumi from '@pulumi/pulumi';
import * as command from '@pulumi/command';
import type { ResourceSpec } from './resources.ts';

interface Declarable {
  name: string;
  dependsOn: string[];
}

/** Calls `make` for each spec after those it depends on, passing them as `dependsOn`. */
export function declareInOrder<S extends Declarable>(specs: S[], make: (s: S, dependsOn: pulumi.Resource[]) => pulumi.CustomResource): Map<string, pulumi.CustomResource> {
  const made = new Map<string, pulumi.CustomResource>();
  const pending = new Map(specs.map((s) => [s.name, s]));
  const visit = (s: S) => {
    if (made.has(s.name)) return;
    pending.delete(s.name);
    for (const d of s.dependsOn) {
      const dep = pending.get(d);
      if (dep) visit(dep);
      else if (!made.has(d)) throw new Error(`resource ${s.name} depends on ${d}, which is neither declared nor pending (a cycle?)`);
    }
    made.set(s.name, make(s, s.dependsOn.map((d) => made.get(d)!)));
  };
  for (const s of specs) visit(s);
  return made;
}

/** The `command` mode: @pulumi/command's remote and local commands. */
export function declareResources(specs: ResourceSpec[]): Map<string, pulumi.CustomResource> {
  return declareInOrder(specs, (s, dependsOn) => {
    const opts: pulumi.CustomResourceOptions = {
      dependsOn,
      ...(s.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
      ...(s.additionalSecretOutputs ? { additionalSecretOutputs: s.additionalSecretOutputs } : {}),
      customTimeouts: { create: `${s.step.timeoutSec}s`, update: `${s.step.timeoutSec}s`, delete: '120s' },
    };
    return s.type === 'command:remote:Command' ? new command.remote.Command(s.name, s.args, opts) : new command.local.Command(s.name, s.args, opts);
  });
}
