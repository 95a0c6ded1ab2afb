// ResourceSpec → real Pulumi resources, in dependency order so every dependsOn target already exists.
import * as pulumi from '@pulumi/pulumi';
import * as command from '@pulumi/command';
import type { ResourceSpec } from './resources.ts';

export function declareResources(specs: ResourceSpec[]): Map<string, pulumi.CustomResource> {
  const made = new Map<string, pulumi.CustomResource>();
  const pending = new Map(specs.map((s) => [s.name, s]));
  const visit = (s: ResourceSpec) => {
    if (made.has(s.name)) return;
    pending.delete(s.name);
    for (const d of s.dependsOn) {
      const dep = pending.get(d);
      if (dep) visit(dep);
      else if (!made.has(d)) throw new Error(`resource ${s.name} depends on ${d}, which is neither declared nor pending (a cycle?)`);
    }
    const opts: pulumi.CustomResourceOptions = {
      dependsOn: s.dependsOn.map((d) => made.get(d)!),
      ...(s.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
      ...(s.additionalSecretOutputs ? { additionalSecretOutputs: s.additionalSecretOutputs } : {}),
      customTimeouts: { create: `${s.step.timeoutSec}s`, update: `${s.step.timeoutSec}s`, delete: '120s' },
    };
    made.set(
      s.name,
      s.type === 'command:remote:Command' ? new command.remote.Command(s.name, s.args, opts) : new command.local.Command(s.name, s.args, opts),
    );
  };
  for (const s of specs) visit(s);
  return made;
}
