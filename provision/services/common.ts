// Small pieces every service module uses.
import { secretPlaceholder, type SecretSyntax } from '../executors/direct/secrets-fill.ts';
import { q } from '../plan/daemon-scripts.ts';
import { shippedNodeBin } from '../artifacts/node-runtime.ts';
import type { NodeSpec, ServiceSpec } from '../inventory/types.ts';

/** The `node` a Node.js daemon runs on: the inventory's `settings.node`, else the runtime etclab ships (plan/node-setup.ts). */
export const nodeBinFor = (spec: ServiceSpec, node: NodeSpec): string =>
  spec.settings.node === undefined ? shippedNodeBin(node) : String(spec.settings.node);

/** `java …` for a daemon: heap, temp dir and log dir under the service home. */
export function javaCommand(opts: {
  javaHome: string;
  heap: string;
  classpath: string;
  main: string;
  args?: string[];
  props?: Record<string, string>;
  flags?: string[];
  tmpDir: string;
}): string {
  const props = Object.entries(opts.props ?? {}).map(([k, v]) => q(`-D${k}=${v}`));
  return [
    q(`${opts.javaHome}/bin/java`),
    `-Xms${opts.heap}`,
    `-Xmx${opts.heap}`,
    '-XX:+UseSerialGC',
    `-Djava.io.tmpdir=${q(opts.tmpDir)}`,
    '-Djava.net.preferIPv4Stack=true',
    // A node's sshd gives no locale, and Java 17 then takes US-ASCII as the default charset: a password or a
    // checkpoint name with CJK characters would turn into '?' wherever a library calls getBytes().
    '-Dfile.encoding=UTF-8',
    '-Dsun.jnu.encoding=UTF-8',
    ...(opts.flags ?? []),
    ...props,
    '-cp',
    q(opts.classpath),
    opts.main,
    ...(opts.args ?? []).map(q),
  ].join(' ');
}

/** A secret's placeholder for the syntax it is written in (filled and encoded by the executor, secrets-fill.ts). */
export const secretRef = (name: string, syntax: SecretSyntax = 'raw'): string => secretPlaceholder(name, syntax);
