// The canary job's jar, compiled on the controller from canary/EtclabCanary.java against the Flink runtime in
// the artifact cache, once per source and Flink version.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactDir, cacheRoot } from '../../artifacts/spec.ts';

declare const __ETCLAB_BUNDLED__: boolean | undefined;
const SOURCE = fileURLToPath(
  typeof __ETCLAB_BUNDLED__ !== 'undefined' ? new URL('../../provision/services/flink/canary/EtclabCanary.java', import.meta.url) : new URL('./canary/EtclabCanary.java', import.meta.url),
);
export const CANARY_CLASS = 'EtclabCanary';

function javaTool(tool: string): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin', tool)) ? join(home, 'bin', tool) : tool;
}

/** Path of the canary jar for this Flink version, built when missing; throws naming what is absent. */
export function canaryJar(flinkVersion: string, root = cacheRoot()): string {
  const source = readFileSync(SOURCE);
  const digest = createHash('sha256').update(source).update(flinkVersion).digest('hex').slice(0, 12);
  const out = join(root, 'flink-canary', `etclab-canary-${flinkVersion}-${digest}.jar`);
  if (existsSync(out)) return out;
  const lib = join(artifactDir({ service: 'flink', version: flinkVersion }, root), 'lib');
  if (!existsSync(lib)) throw new Error(`no Flink ${flinkVersion} runtime in the artifact cache to build the canary job against (etclab artifacts fetch flink@${flinkVersion})`);
  const work = mkdtempSync(join(tmpdir(), 'etclab-canary-'));
  try {
    execFileSync(javaTool('javac'), ['-nowarn', '-cp', `${lib}/*`, '-d', work, SOURCE], { stdio: 'pipe' });
    mkdirSync(join(root, 'flink-canary'), { recursive: true });
    const tmpJar = `${out}.tmp-${process.pid}`;
    execFileSync(javaTool('jar'), ['cf', tmpJar, '-C', work, '.'], { stdio: 'pipe' });
    renameSync(tmpJar, out);
    return out;
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`building the Flink canary job failed: ${err.stderr?.toString().trim() || err.message}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
