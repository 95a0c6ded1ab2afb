// What HDFS and YARN daemons share: how a Hadoop JVM is launched without bin/hdfs or bin/yarn.
import type { ServiceSpec, NodeSpec } from '../../inventory/types.ts';
import { runtimeClasspath, runtimeHome, type Layout } from '../../artifacts/index.ts';
import { javaCommand } from '../common.ts';

/**
 * Hadoop 3.3 on Java 17 (HADOOP-19310; YARN's Guice/cglib needs java.lang). Passed in JDK_JAVA_OPTIONS,
 * which only Java 9+ launchers read, so the same command still starts on a user's JDK 8, whose launcher
 * refuses `--add-opens` even with -XX:+IgnoreUnrecognizedVMOptions.
 */
export const HADOOP_JAVA17_OPENS = [
  'java.io',
  'java.lang',
  'java.lang.reflect',
  'java.math',
  'java.net',
  'java.nio',
  'java.text',
  'java.util',
  'java.util.concurrent',
  'java.util.zip',
  'sun.nio.ch',
  'sun.security.util',
  'sun.security.x509',
].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`);

export const hadoopJdkOptions = () => HADOOP_JAVA17_OPENS.join(' ');

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `<property>` lines for the user's extra settings (settings.coreSite / hdfsSite / yarnSite). */
export function extraProperties(extra: unknown): string {
  if (extra === undefined || extra === null) return '';
  return Object.entries(extra as Record<string, unknown>)
    .map(([k, v]) => `  <property><name>${esc(k)}</name><value>${esc(String(v))}</value></property>`)
    .join('\n');
}

/** Checks a settings map of Hadoop properties; issues name the dotted field. */
export function validateProperties(spec: ServiceSpec, key: string): Array<{ field: string; message: string }> {
  const v = spec.settings[key];
  if (v === undefined) return [];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [{ field: `settings.${key}`, message: 'must be a map of Hadoop property name → value' }];
  return Object.entries(v)
    .filter(([, x]) => !['string', 'number', 'boolean'].includes(typeof x))
    .map(([k]) => ({ field: `settings.${key}.${k}`, message: 'must be a string, number or boolean' }));
}

export interface HadoopLaunch {
  service: string;
  spec: ServiceSpec;
  node: NodeSpec;
  home: string;
  role: string;
  main: string;
  args?: string[];
  layout: Layout;
  /** 'hadoop' for HDFS, 'yarn' for YARN (they read different log properties). */
  logPrefix: 'hadoop' | 'yarn';
  /** Heap when not spec.heap[role] (one-shot tools such as the NameNode format). */
  heap?: string;
}

export function hadoopCommand(l: HadoopLaunch): { command: string; env: Record<string, string> } {
  const conf = `${l.home}/conf`;
  const a = { service: l.service, version: l.spec.version };
  const rtHome = runtimeHome(l.spec.source, l.node, a);
  const logs = `${l.home}/logs`;
  const props: Record<string, string> = {
    'hadoop.log.dir': logs,
    'hadoop.log.file': `${l.role}.log`,
    'hadoop.home.dir': rtHome,
    'hadoop.id.str': l.role,
    'hadoop.root.logger': 'INFO,RFA',
    'hadoop.security.logger': 'INFO,NullAppender',
    'log4j.configuration': `file:${conf}/log4j.properties`,
  };
  if (l.logPrefix === 'yarn') Object.assign(props, { 'yarn.log.dir': logs, 'yarn.log.file': `${l.role}.log`, 'yarn.home.dir': rtHome, 'yarn.root.logger': 'INFO,RFA' });
  const command = javaCommand({
    javaHome: l.node.javaHome,
    heap: l.heap ?? l.spec.heap[l.role],
    // conf first: Configuration finds core-site.xml / hdfs-site.xml / yarn-site.xml as classpath resources.
    classpath: [conf, ...runtimeClasspath(l.spec.source, l.node, a, l.layout)].join(':'),
    main: l.main,
    args: l.args,
    props,
    tmpDir: `${l.home}/tmp`,
  });
  return { command, env: { JDK_JAVA_OPTIONS: hadoopJdkOptions(), HADOOP_CONF_DIR: conf } };
}
