// The throwaway pom whose only job is to make `mvn dependency:copy-dependencies` resolve a spec.
import { parseCoordinate, parseExclude, specLabel, type ArtifactSpec } from './spec.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function pomFor(spec: ArtifactSpec): string {
  const where = `artifact ${specLabel(spec)}`;
  if (spec.coordinates.length === 0) throw new Error(`${where}: no coordinates`);
  const excludes = (spec.excludes ?? []).map((e) => parseExclude(e, where));
  const exclusions = excludes.length
    ? `\n      <exclusions>${excludes
        .map((e) => `\n        <exclusion><groupId>${esc(e.groupId)}</groupId><artifactId>${esc(e.artifactId)}</artifactId></exclusion>`)
        .join('')}\n      </exclusions>`
    : '';
  const deps = spec.coordinates.map((text) => {
    const c = parseCoordinate(text, where);
    return `    <dependency>
      <groupId>${esc(c.groupId)}</groupId>
      <artifactId>${esc(c.artifactId)}</artifactId>
      <version>${esc(c.version)}</version>${c.classifier ? `\n      <classifier>${esc(c.classifier)}</classifier>` : ''}${exclusions}
    </dependency>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>etclab.artifacts</groupId>
  <artifactId>${esc(spec.service.replace(/[^A-Za-z0-9_.-]/g, '_'))}</artifactId>
  <version>${esc(spec.version.replace(/[^A-Za-z0-9_.-]/g, '_'))}</version>
  <packaging>pom</packaging>
  <dependencies>
${deps.join('\n')}
  </dependencies>
</project>
`;
}
