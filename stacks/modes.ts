// The stack's vocabulary, apart from the modules that load @pulumi/pulumi (slow to import): the CLI's help
// and flag checks need only these names.
export const PROVIDER_MODES = ['command', 'offline'] as const;
export type ProviderMode = (typeof PROVIDER_MODES)[number];

export const PULUMI_OPS = ['up', 'preview', 'destroy', 'refresh'] as const;
export type PulumiOp = (typeof PULUMI_OPS)[number];

/** Stack config `etclab:provider` → the mode; `command` when unset (plain `pulumi up` with Pulumi.yaml). */
export function providerMode(value: string | undefined): ProviderMode {
  const v = value || 'command';
  if (!(PROVIDER_MODES as readonly string[]).includes(v)) throw new Error(`etclab:provider is "${v}": use ${PROVIDER_MODES.join(' or ')}`);
  return v as ProviderMode;
}
