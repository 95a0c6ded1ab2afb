// The inventory: everything etclab knows about a cluster, as the user wrote it (after defaults).
// Secrets are never values here, only references (an env var or a file) resolved at execution time.

export interface SshSettings {
  user: string;
  port: number;
  /** Path to the private key file. The key itself never appears in the inventory. */
  key: string;
  /** known_hosts file the executor checks host keys against. */
  knownHosts: string;
}

export interface NodeSpec {
  name: string;
  address: string;
  ssh: SshSettings;
  /** Every service on this node lives below this directory (config, data, logs, pids). */
  baseDir: string;
  /** JAVA_HOME on the node; JVM services use `${javaHome}/bin/java`. */
  javaHome: string;
  /**
   * 'package': the inventory named no javaHome, so `up` installs the distribution's JDK 17 package there;
   * 'inventory' (or absent): the user's JDK, which `up` only verifies.
   */
  javaFrom?: 'package' | 'inventory';
}

export type SecretRef = { env: string } | { file: string };

/** Where a service's runtime comes from. */
export type ArtifactSource =
  | { kind: 'debian' } // installed with apt-get on each node
  | { kind: 'maven' } // assembled from Maven Central into the local artifact cache, copied to nodes
  | { kind: 'tarball'; url: string; sha512?: string } // official tarball from a mirror URL or local path
  | { kind: 'existing'; home: string } // already installed on every node (e.g. /export/server/kafka)
  | { kind: 'bundle' }; // built from this checkout on the controller (the pipeline), copied to nodes

export interface ServiceSpec {
  /** role name → node names. Role names are defined by the service module. */
  roles: Record<string, string[]>;
  version: string;
  source: ArtifactSource;
  ports: Record<string, number>;
  /** JVM heap per role (e.g. "128m"); ignored by non-JVM services. */
  heap: Record<string, string>;
  /** Service-specific settings (validated by the service module). */
  settings: Record<string, unknown>;
  /** Secret names (keys of Inventory.secrets) this service uses, by purpose. */
  secrets: Record<string, string>;
}

export interface Inventory {
  /** Absolute path of the file it was read from (for messages). */
  file: string;
  cluster: string;
  profile: 'lab' | 'prod';
  /** Local directory for step logs, rendered configs, state (default: <inventory dir>/.etclab). */
  stateDir: string;
  nodes: NodeSpec[];
  secrets: Record<string, SecretRef>;
  services: Record<string, ServiceSpec>;
}

/** One problem found in an inventory: file:line field — message. */
export interface InventoryIssue {
  file: string;
  line: number;
  field: string;
  message: string;
}

export class InventoryError extends Error {
  constructor(public readonly issues: InventoryIssue[]) {
    super(
      `inventory rejected (${issues.length} problem${issues.length === 1 ? '' : 's'}), no node was touched:\n` +
        issues.map((i) => `  ${i.file}:${i.line}: ${i.field}: ${i.message}`).join('\n'),
    );
    this.name = 'InventoryError';
  }
}
