import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureInventory } from '../../test/fixtures/inventory.ts';
import { serviceModules } from '../services/registry.ts';
import { buildPlan } from './build.ts';
import { nodePackages, nodeSetupSteps, packagesScript } from './node-setup.ts';

const FULL = ['zookeeper', 'redis', 'mariadb', 'kafka', 'hdfs', 'yarn', 'hbase', 'flink', 'proxy', 'pipeline'];

describe('node setup steps', () => {
  it('a node gets the packages of the services placed on it, and the JDK only where the inventory named none', () => {
    const inv = fixtureInventory();
    inv.services.redis!.roles = { server: ['node1'] };
    inv.nodes[0]!.javaFrom = 'package';
    inv.nodes[1]!.javaFrom = 'package';
    expect(nodePackages(inv, serviceModules, inv.nodes[0]!)).toEqual(
      ['libslf4j-java', 'liblog4j1.2-java', 'mariadb-client', 'mariadb-server', 'openjdk-17-jre-headless', 'redis-server', 'zookeeper'].sort(),
    );
    expect(nodePackages(inv, serviceModules, inv.nodes[1]!)).not.toContain('redis-server');
    // node3 has a javaHome of its own: checked, not installed.
    expect(nodePackages(inv, serviceModules, inv.nodes[2]!)).not.toContain('openjdk-17-jre-headless');
    const { steps } = nodeSetupSteps(inv, serviceModules, inv.nodes);
    expect(steps.find((s) => s.id === 'packages/node3/install')!.action).toMatchObject({ script: expect.stringContaining('is not a JDK 17 or newer') });
    expect(steps.find((s) => s.id === 'packages/node1/install')!.action).toMatchObject({ script: expect.not.stringContaining('is not a JDK 17') });
  });

  it('ships Node.js to the nodes of a Node.js service (the pipeline here) unless the inventory names a node binary', () => {
    const inv = fixtureInventory(FULL);
    const plan = buildPlan(inv, 'up', serviceModules);
    expect(plan.steps.filter((s) => s.service === 'nodejs').map((s) => s.node)).toEqual(['node1', 'node2', 'node3']);
    // Every service step of a node waits for its setup (directly or through the service's install).
    const configure = plan.steps.find((s) => s.id === 'pipeline/node2/install')!;
    expect(configure.deps.sort()).toEqual(['nodejs/node2/install', 'packages/node2/install']);
    inv.services.pipeline!.settings.node = '/opt/node/bin/node';
    expect(buildPlan(inv, 'up', serviceModules).steps.filter((s) => s.service === 'nodejs')).toEqual([]);
  });

  const bash = (script: string, path: string) => spawnSync('/bin/bash', ['-s'], { input: script, encoding: 'utf8', env: { PATH: path } });

  it('on a node without apt the step names the node, the OS and the packages', () => {
    const node = { ...fixtureInventory().nodes[1]!, javaFrom: 'package' as const };
    // A PATH with the shell's tools but no apt-get and no dpkg-query: every package is missing.
    const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
    for (const t of ['grep', 'uname', 'mktemp', 'tail', 'cat']) spawnSync('ln', ['-s', spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim(), `${dir}/${t}`]);
    const r = bash(packagesScript(node, ['redis-server', 'zookeeper'], false), dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^node2: no apt-get \(.+ is not Debian\/Ubuntu\): install redis-server zookeeper yourself/m);
  });

  it("a failed install names the node and the packages and shows apt's first errors and its last lines", () => {
    const node = fixtureInventory().nodes[2]!;
    const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
    // An apt whose install fails the way a broken postinst does, even after an update; nothing is installed.
    writeFileSync(`${dir}/dpkg-query`, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    writeFileSync(`${dir}/apt-get`, `#!/bin/sh
case "$*" in *update*) echo "Hit:1 http://10.213.7.1:3142 ./ InRelease"; exit 0;; esac
echo "Setting up openjdk-17-jre-headless:amd64 ..."
echo "update-alternatives: error: error creating symbolic link '/usr/share/man/man1/java.1.gz.dpkg-tmp'"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo "filler $i"; done
echo "E: Sub-process /usr/bin/dpkg returned an error code (1)"; exit 100
`, { mode: 0o755 });
    const r = bash(packagesScript(node, ['openjdk-17-jre-headless', 'zookeeper'], false), `${dir}:/usr/bin:/bin`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^node3: apt-get install openjdk-17-jre-headless zookeeper failed/m);
    expect(r.stderr).toContain("update-alternatives: error: error creating symbolic link");
    expect(r.stderr).toMatch(/E: Sub-process \/usr\/bin\/dpkg returned an error code \(1\)\s*$/);
    expect(r.stdout).not.toMatch(/ETCLAB_CHANGED/);
  });

  it('present packages change nothing; a JDK that is not 17+ is named with the inventory field', () => {
    const node = fixtureInventory().nodes[0]!;
    const present = bash(packagesScript(node, ['bash', 'coreutils'], false), '/usr/bin:/bin:/usr/sbin:/sbin');
    expect(present.status, present.stderr).toBe(0);
    expect(present.stdout).toMatch(/ETCLAB_UNCHANGED packages present: bash coreutils/);
    const r = bash(packagesScript({ ...node, javaHome: '/nonexistent/jdk' }, [], true), '/usr/bin:/bin');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/node1: \/nonexistent\/jdk\/bin\/java is not a JDK 17 or newer \(nodes\.node1\.javaHome in the inventory\)/);
  });
});
