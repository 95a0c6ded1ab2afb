// Small pieces every service module uses.
import { secretPlaceholder, type SecretSyntax } from '../executors/direct/secrets-fill.ts';
import type { Action } from '../plan/types.ts';
import { q } from '../plan/daemon-scripts.ts';

/** apt-get install only what is missing; waits for the dpkg lock because lab nodes share one root filesystem. */
export function aptInstall(packages: string[]): Action {
  const list = packages.join(' ');
  return {
    kind: 'shell',
    script: `set -eu
missing=""
for p in ${list}; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done
if [ -z "$missing" ]; then echo "ETCLAB_UNCHANGED packages present: ${list}"; exit 0; fi
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' own services from starting: etclab runs every daemon from the node's base directory.
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' EXIT; fi
apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing || { apt-get -o DPkg::Lock::Timeout=600 update -q && apt-get -o DPkg::Lock::Timeout=600 install -y -q $missing; }
echo "ETCLAB_CHANGED installed$missing"
`,
  };
}

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
