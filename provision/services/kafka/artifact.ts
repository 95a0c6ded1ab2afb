// The Maven Central recipe for a Kafka broker.
import type { ArtifactSpec } from '../../artifacts/spec.ts';

export const KAFKA_DEFAULT_VERSION = '3.9.1';

/** The broker jar does not bring a logging binding (the tarball adds one to libs/): without it Kafka logs nothing at all. */
export function kafkaArtifact(version: string = KAFKA_DEFAULT_VERSION): ArtifactSpec {
  return {
    service: 'kafka',
    version,
    coordinates: [`org.apache.kafka:kafka_2.13:${version}`, 'org.slf4j:slf4j-reload4j:1.7.36', 'ch.qos.reload4j:reload4j:1.2.25'],
  };
}
