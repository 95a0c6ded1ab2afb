// Writes files on a node only where the content differs. Content travels base64 inside the script on stdin,
// so secrets in config files never reach argv or a log.
import { createHash } from 'node:crypto';
import type { FileSpec } from './types.ts';
import { q } from './daemon-scripts.ts';

export function filesScript(files: FileSpec[], digestPath?: string): string {
  const parts = ['set -eu', 'changed=0'];
  files.forEach((f, i) => {
    const dir = f.path.replace(/\/[^/]*$/, '') || '/';
    parts.push(
      `mkdir -p ${q(dir)}`,
      `t=$(mktemp ${q(dir)}/.etclab.XXXXXX); chmod ${f.mode.toString(8)} "$t"`,
      `base64 -d > "$t" <<'ETCLAB_EOF_${i}'`,
      Buffer.from(f.content).toString('base64').replace(/(.{76})/g, '$1\n'),
      `ETCLAB_EOF_${i}`,
      `if cmp -s "$t" ${q(f.path)} && [ "$(stat -c %a ${q(f.path)})" = "${f.mode.toString(8)}" ]; then rm -f "$t"; else mv -f "$t" ${q(f.path)}; echo "ETCLAB_CHANGED wrote ${f.path}"; changed=1; fi`,
    );
  });
  if (digestPath) {
    const digest = configDigest(files);
    parts.push(`mkdir -p ${q(digestPath.replace(/\/[^/]*$/, ''))}`, `echo ${digest} > ${q(digestPath)}`);
  }
  parts.push('[ "$changed" = 1 ] || echo "ETCLAB_UNCHANGED config up to date"');
  return parts.join('\n') + '\n';
}

/** Digest of a daemon's config; computed over resolved contents so a changed password counts as a change. */
export function configDigest(files: FileSpec[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.mode}\0${f.content}\0`);
  return h.digest('hex');
}
