// Bash run on a node to start, stop and inspect one daemon. Pure renderers: the executor ships them over SSH
// on stdin, Pulumi ships the same text as remote commands.
import type { Daemon } from '../services/types.ts';

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface DaemonPaths {
  home: string;
  run: string;
  logs: string;
  pid: string;
  /** The started process's start time (clock ticks after boot, /proc/<pid>/stat field 22): its identity. */
  pidStart: string;
  /** sha256 of the config as rendered now (written by configure). */
  configDigest: string;
  /** sha256 of the config the running process started with. */
  startedDigest: string;
  out: string;
}

export function daemonPaths(home: string, role: string): DaemonPaths {
  const run = `${home}/run`;
  const logs = `${home}/logs`;
  return {
    home,
    run,
    logs,
    pid: `${run}/${role}.pid`,
    pidStart: `${run}/${role}.pid.start`,
    configDigest: `${run}/${role}.config.sha256`,
    startedDigest: `${run}/${role}.started.sha256`,
    out: `${logs}/${role}.out`,
  };
}

// A process's start time after boot: with its pid, what identifies it (a pid alone is reused after exit).
const startOf = `startof() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }`;

/**
 * ours PID STARTFILE: that pid is the process etclab started — running, not a zombie (a killed daemon lingers
 * as one until reaped, and kill -0 still succeeds on it), and with the start time recorded in STARTFILE. A pid
 * file from before start times were recorded is trusted as it was. Defined once per script.
 */
const oursFn = `${startOf}
ours() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [ -n "$st" ] && [ "\${st#Z}" = "$st" ] || return 1; [ ! -s "$2" ] || [ "$(startof "$1")" = "$(cat "$2")" ]; }`;

// alive: the pid file names our process. A pid now held by another process is reported, never signalled.
const aliveFn = (p: DaemonPaths) =>
  `${oursFn}
alive() { [ -s ${q(p.pid)} ] || return 1; local pid; pid=$(cat ${q(p.pid)}); ours "$pid" ${q(p.pidStart)} && return 0
  if ps -p "$pid" >/dev/null 2>&1; then echo "stale pid file ${p.pid}: pid $pid is now another process ($(ps -o comm= -p "$pid")), left alone"; fi
  rm -f ${q(p.pid)} ${q(p.pidStart)}; return 1; }`;

function stopBody(p: DaemonPaths, graceSec: number): string {
  return `pid=$(cat ${q(p.pid)})
kill -TERM "$pid" 2>/dev/null || true
gone() { st=$(ps -o stat= -p "$pid" 2>/dev/null) || return 0; [ -z "$st" ] || [ "\${st#Z}" != "$st" ]; }
for i in $(seq 1 ${graceSec * 5}); do gone && break; sleep 0.2; done
if ! gone; then echo "still running after ${graceSec}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
rm -f ${q(p.pid)} ${q(p.pidStart)} ${q(p.startedDigest)}`;
}

/**
 * Idempotent start: unchanged when running with the config it was started with; restarted when the config
 * changed since (Ansible's handler, inlined); refused with the owner when a port is taken by someone else.
 */
export function startScript(role: string, home: string, d: Daemon): string {
  const p = daemonPaths(home, role);
  const env = Object.entries(d.env ?? {})
    .map(([k, v]) => `export ${k}=${q(v)}`)
    .join('\n');
  return `set -u
mkdir -p ${q(p.run)} ${q(p.logs)}
${aliveFn(p)}
if alive; then
  if cmp -s ${q(p.configDigest)} ${q(p.startedDigest)}; then
    echo "ETCLAB_UNCHANGED ${role} already running (pid $(cat ${q(p.pid)}))"; exit 0
  fi
  echo "config changed since ${role} started: restarting"
  ${stopBody(p, d.stopGraceSec ?? 20).replace(/\n/g, '\n  ')}
fi
for port in ${d.ports.join(' ')}; do
  if ss -Hltn "sport = :$port" | grep -q .; then
    echo "port $port on $(hostname) is already taken by another process:"; ss -Hltnp "sport = :$port"; exit 3
  fi
done
${d.prestart ?? ''}
cd ${q(home)}
echo "=== $(date -Is) starting ${role}" >> ${q(p.out)}
(
${env}
exec setsid ${d.command} >> ${q(p.out)} 2>&1 < /dev/null
) &
echo $! > ${q(p.pid)}
startof $! > ${q(p.pidStart)}
cp -f ${q(p.configDigest)} ${q(p.startedDigest)} 2>/dev/null || : > ${q(p.startedDigest)}
sleep 1
if ! alive; then echo "${role} exited right after start; last lines of ${p.out}:"; tail -n 40 ${q(p.out)}; rm -f ${q(p.pid)}; exit 1; fi
${d.poststart ?? ''}
echo "ETCLAB_CHANGED started ${role} (pid $(cat ${q(p.pid)}))"
`;
}

export function stopScript(role: string, home: string, graceSec = 20): string {
  const p = daemonPaths(home, role);
  return `set -u
${aliveFn(p)}
if ! alive; then rm -f ${q(p.pid)}; echo "ETCLAB_UNCHANGED ${role} not running"; exit 0; fi
${stopBody(p, graceSec)}
echo "ETCLAB_CHANGED stopped ${role}"
`;
}

/** One line per daemon: `<key> <pid|-> <alive 0|1> <uptime s|-> <config sha|-> <started sha|->`. */
export function inspectScript(daemons: Array<{ key: string; role: string; home: string }>): string {
  const lines = daemons.map(({ key, role, home }) => {
    const p = daemonPaths(home, role);
    return `pid=$(cat ${q(p.pid)} 2>/dev/null || echo -); a=0; up=-
if [ "$pid" != - ] && ours "$pid" ${q(p.pidStart)}; then a=1; up=$(ps -o etimes= -p "$pid" | tr -d ' '); fi
cs=$(cat ${q(p.configDigest)} 2>/dev/null | cut -c1-64); ss_=$(cat ${q(p.startedDigest)} 2>/dev/null | cut -c1-64)
echo ${q(key)} "$pid" "$a" "$up" "\${cs:--}" "\${ss_:--}"`;
  });
  return `set -u\n${oursFn}\n${lines.join('\n')}\n`;
}

export interface InspectedDaemon {
  pid: number | null;
  alive: boolean;
  uptimeSec: number | null;
  configDigest: string | null;
  startedDigest: string | null;
}

export function parseInspect(output: string): Map<string, InspectedDaemon> {
  const out = new Map<string, InspectedDaemon>();
  for (const line of output.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6) continue;
    const [key, pid, alive, up, cs, ss] = f;
    out.set(key, {
      pid: pid === '-' ? null : Number(pid),
      alive: alive === '1',
      uptimeSec: up === '-' || up === '' ? null : Number(up),
      configDigest: cs === '-' ? null : cs,
      startedDigest: ss === '-' ? null : ss,
    });
  }
  return out;
}
