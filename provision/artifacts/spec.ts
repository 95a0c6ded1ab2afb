// What an artifact is: the runtime of one service at one version, assembled into the local cache.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ArtifactSpec {
  service: string;
  version: string;
  /** Maven coordinates `group:artifact:version[:classifier]`, resolved with their runtime dependencies. */
  coordinates: string[];
  /** `group:artifact` (either may be `*`) left out of every coordinate's dependency tree. */
  excludes?: string[];
}

export interface Coordinate {
  groupId: string;
  artifactId: string;
  version: string;
  classifier?: string;
}

const PART = /^[A-Za-z0-9_.\-]+$/;

/** Parses `g:a:v[:classifier]`; the error names the artifact and the bad coordinate. */
export function parseCoordinate(text: string, where: string): Coordinate {
  const parts = text.split(':');
  if (parts.length < 3 || parts.length > 4 || !parts.every((p) => PART.test(p)))
    throw new Error(`${where}: coordinate ${JSON.stringify(text)} is not group:artifact:version[:classifier]`);
  const [groupId, artifactId, version, classifier] = parts;
  return { groupId, artifactId, version, ...(classifier ? { classifier } : {}) };
}

export function parseExclude(text: string, where: string): { groupId: string; artifactId: string } {
  const parts = text.split(':');
  if (parts.length !== 2 || !parts.every((p) => p === '*' || PART.test(p)))
    throw new Error(`${where}: exclude ${JSON.stringify(text)} is not group:artifact (either may be *)`);
  return { groupId: parts[0], artifactId: parts[1] };
}

export const specLabel = (s: { service: string; version: string }) => `${s.service} ${s.version}`;
export const dirName = (s: { service: string; version: string }) => `${s.service}-${s.version}`;

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.ETCLAB_ARTIFACT_CACHE ?? join(homedir(), '.cache', 'etclab', 'artifacts');
}

export const artifactDir = (s: { service: string; version: string }, root = cacheRoot()) => join(root, dirName(s));
export const MANIFEST = 'manifest.sha256';
/** What was asked for, kept beside the jars so a changed spec shows as stale rather than silently reused. */
export const SPEC_FILE = 'etclab-artifact.json';

const howToGet = (s: { service: string; version: string }) =>
  `run \`etclab artifacts fetch ${s.service}@${s.version}\` on the controller, or point the inventory at a runtime you have: ` +
  `services.${s.service}.source: {kind: tarball, url: <url or local path>, sha512: <hex>} or {kind: existing, home: <install dir on every node>}`;

export class ArtifactMissingError extends Error {
  constructor(
    public readonly spec: { service: string; version: string },
    public readonly dir: string,
    why = 'is not in the artifact cache',
  ) {
    super(`artifact ${specLabel(spec)} ${why} (${dir}): ${howToGet(spec)}`);
    this.name = 'ArtifactMissingError';
  }
}

export class ArtifactCorruptError extends Error {
  constructor(
    public readonly spec: { service: string; version: string },
    public readonly dir: string,
    public readonly problems: string[],
  ) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    super(
      `artifact ${specLabel(spec)} in ${dir} does not match its manifest (${shown}): refetch it with \`etclab artifacts fetch --force ${spec.service}@${spec.version}\``,
    );
    this.name = 'ArtifactCorruptError';
  }
}
