import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  fetchArtifact,
  fetchTarball,
  listArtifacts,
  pomFor,
  requireArtifact,
  runtimeClasspath,
  specFor,
  verifyArtifact,
  type ArtifactSpec,
} from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'etclab-artifacts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const hasMvn = spawnSync('mvn', ['-v']).status === 0;

describe('pom', () => {
  it('lists every coordinate with classifier and the excludes on each', () => {
    const pom = pomFor({ service: 'x', version: '1', coordinates: ['g:a:1', 'g:b:2:tests'], excludes: ['log4j:*'] });
    expect(pom.match(/<dependency>/g)).toHaveLength(2);
    expect(pom).toContain('<classifier>tests</classifier>');
    expect(pom.match(/<exclusion><groupId>log4j<\/groupId><artifactId>\*<\/artifactId><\/exclusion>/g)).toHaveLength(2);
  });
  it('names the artifact and the bad coordinate', () => {
    expect(() => pomFor({ service: 'kafka', version: '3.9.1', coordinates: ['org.apache.kafka:kafka_2.13'] })).toThrow(
      /artifact kafka 3\.9\.1: coordinate "org.apache.kafka:kafka_2.13" is not group:artifact:version/,
    );
  });
  it('has a recipe with a classified webapps jar for hdfs', () => {
    expect(specFor('hdfs', '3.3.6').coordinates).toContain('org.apache.hadoop:hadoop-hdfs:3.3.6:tests');
    expect(() => specFor('nope')).toThrow(/known: .*kafka/);
  });
});

describe('missing artifacts', () => {
  it('say which service and version and how to get them', async () => {
    const a = { service: 'kafka', version: '9.9.9' };
    const err = await verifyArtifact(a, root).catch((e) => e);
    expect(err).toBeInstanceOf(ArtifactMissingError);
    expect(err.message).toMatch(/artifact kafka 9\.9\.9 is not in the artifact cache/);
    expect(err.message).toContain('etclab artifacts fetch kafka@9.9.9');
    expect(err.message).toContain('kind: existing');
    expect(() => requireArtifact(a, root)).toThrow(ArtifactMissingError);
  });
});

describe.skipIf(!hasMvn)('maven fetch (needs mvn and Maven Central; apt-get install maven)', () => {
  const spec: ArtifactSpec = { service: 'slf4j', version: '1.7.36', coordinates: ['org.slf4j:slf4j-api:1.7.36'] };

  it('fetches, writes a sorted manifest, verifies, and reuses a verified copy', async () => {
    const lines: string[] = [];
    const r = await fetchArtifact(spec, { root, onProgress: (l) => lines.push(l) });
    expect(r.fetched).toBe(true);
    expect(readdirSync(join(r.dir, 'lib'))).toEqual(['slf4j-api-1.7.36.jar']);
    const jar = readFileSync(join(r.dir, 'lib/slf4j-api-1.7.36.jar'));
    const manifest = readFileSync(r.manifest, 'utf8');
    expect(manifest).toContain(`${createHash('sha256').update(jar).digest('hex')}  lib/slf4j-api-1.7.36.jar\n`);
    const paths = manifest.trim().split('\n').map((l) => l.slice(66));
    expect(paths).toEqual([...paths].sort());
    expect(execFileSync('sha256sum', ['-c', '--quiet', 'manifest.sha256'], { cwd: r.dir }).toString()).toBe('');
    expect(lines.join('\n')).toMatch(/slf4j 1\.7\.36: 2 files/);
    expect(await verifyArtifact(spec, root)).toMatchObject({ files: 2 });
    expect((await fetchArtifact(spec, { root })).fetched).toBe(false);
    expect(readdirSync(root).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
    const listed = await listArtifacts(root);
    expect(listed.find((l) => l.name === 'slf4j-1.7.36')).toMatchObject({ kind: 'maven', complete: true, files: 2 });
  }, 300_000);

  it('a corrupted byte fails verify with the refetch command, and a forced fetch repairs it', async () => {
    const jarPath = join(root, 'slf4j-1.7.36/lib/slf4j-api-1.7.36.jar');
    const buf = readFileSync(jarPath);
    buf[100] ^= 0xff;
    writeFileSync(jarPath, buf);
    const err = await verifyArtifact(spec, root).catch((e) => e);
    expect(err).toBeInstanceOf(ArtifactCorruptError);
    expect(err.message).toMatch(/artifact slf4j 1\.7\.36 .*lib\/slf4j-api-1\.7\.36\.jar changed/);
    expect(err.message).toContain('etclab artifacts fetch --force slf4j@1.7.36');
    // A non-forced fetch must not trust the damaged copy either.
    expect((await fetchArtifact(spec, { root })).fetched).toBe(true);
    await expect(verifyArtifact(spec, root)).resolves.toMatchObject({ files: 2 });
  }, 300_000);

  it('a coordinate Maven cannot resolve leaves nothing behind', async () => {
    const bad = { service: 'ghost', version: '0', coordinates: ['org.etclab.nonexistent:nothing-here:0.0.1'] };
    await expect(fetchArtifact(bad, { root })).rejects.toThrow(/mvn exited 1/);
    expect(existsSync(join(root, 'ghost-0'))).toBe(false);
    expect(readdirSync(root).filter((e) => e.startsWith('.tmp-'))).toEqual([]);
  }, 300_000);
});

describe('tarball source', () => {
  const src = mkdtempSync(join(tmpdir(), 'etclab-tarball-'));
  afterAll(() => rmSync(src, { recursive: true, force: true }));
  mkdirSync(join(src, 'kafka_2.13-0.1/libs'), { recursive: true });
  writeFileSync(join(src, 'kafka_2.13-0.1/libs/kafka.jar'), 'not really a jar');
  const tgz = join(src, 'kafka.tgz');
  execFileSync('tar', ['-czf', tgz, '-C', src, 'kafka_2.13-0.1']);
  const sha512 = createHash('sha512').update(readFileSync(tgz)).digest('hex');
  const a = { service: 'kafka', version: '0.1' };

  it('refuses a tarball whose sha512 differs, publishing nothing', async () => {
    await expect(fetchTarball(a, { url: tgz, sha512: 'ab'.repeat(64) }, { root })).rejects.toThrow(/has sha512 [0-9a-f]{128}, the inventory expects abab/);
    expect(existsSync(join(root, 'kafka-0.1'))).toBe(false);
  });

  it('unpacks with the top dir stripped, verifies, and yields the libs/ classpath', async () => {
    const r = await fetchTarball(a, { url: tgz, sha512 }, { root });
    expect(readFileSync(join(r.dir, 'home/libs/kafka.jar'), 'utf8')).toBe('not really a jar');
    await expect(verifyArtifact(a, root)).resolves.toMatchObject({ files: 2 });
    expect(runtimeClasspath({ kind: 'tarball', url: tgz }, { baseDir: '/b' }, a, { kind: 'kafka' })).toEqual(['/b/artifacts/kafka-0.1/home/libs/*']);
  });
});

describe('classpath per source kind', () => {
  const node = { baseDir: '/export/etclab' };
  const a = { service: 'hdfs', version: '3.3.6' };
  it('maven: the synced lib dir', () => {
    expect(runtimeClasspath({ kind: 'maven' }, node, a, { kind: 'hadoop', parts: ['common', 'hdfs'] })).toEqual(['/export/etclab/artifacts/hdfs-3.3.6/lib/*']);
  });
  it('existing hadoop: share/hadoop parts, with the hdfs dir itself for webapps/', () => {
    expect(runtimeClasspath({ kind: 'existing', home: '/export/server/hadoop/' }, node, a, { kind: 'hadoop', parts: ['common', 'hdfs'] })).toEqual([
      '/export/server/hadoop/share/hadoop/common/*',
      '/export/server/hadoop/share/hadoop/common/lib/*',
      '/export/server/hadoop/share/hadoop/hdfs',
      '/export/server/hadoop/share/hadoop/hdfs/*',
      '/export/server/hadoop/share/hadoop/hdfs/lib/*',
    ]);
  });
  it('existing kafka: libs/', () => {
    expect(runtimeClasspath({ kind: 'existing', home: '/export/server/kafka' }, node, { service: 'kafka', version: '2.4.1' }, { kind: 'kafka' })).toEqual([
      '/export/server/kafka/libs/*',
    ]);
  });
  it('debian is refused with the field', () => {
    expect(() => runtimeClasspath({ kind: 'debian' }, node, a, { kind: 'hadoop', parts: ['hdfs'] })).toThrow(/services\.hdfs\.source: kind debian/);
  });
});
