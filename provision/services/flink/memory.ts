// TaskManager / JobManager memory, computed here rather than by Flink's BashJavaUtils.
//
// TaskManagerRunner refuses to start unless CPU cores, task heap, task off-heap, network (min = max) and
// managed memory are all explicit; bin/taskmanager.sh gets them by running BashJavaUtils (one more JVM
// start per daemon start, on the node). Computing them here keeps the numbers visible in the plan and in
// flink-conf.yaml, and the JVM flags come from the same numbers. Flink re-derives the whole budget from
// the rendered keys at startup and rejects an inconsistent set, so a mistake here fails loudly.

export interface TaskManagerMemory {
  processMb: number;
  frameworkHeapMb: number;
  taskHeapMb: number;
  frameworkOffHeapMb: number;
  taskOffHeapMb: number;
  networkMb: number;
  managedMb: number;
  metaspaceMb: number;
  overheadMb: number;
}

export function parseMb(text: string, field: string): number {
  const m = /^(\d+)\s*(m|mb|g|gb)$/i.exec(String(text).trim());
  if (!m) throw new Error(`${field}: expected a size like 512m or 2g, got ${JSON.stringify(text)}`);
  return Number(m[1]) * (m[2].toLowerCase().startsWith('g') ? 1024 : 1);
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(x)));

/** Splits a TaskManager's total process memory the way Flink's defaults would, with floors sized for a small lab. */
export function taskManagerMemory(processMb: number, field = 'settings.taskManagerProcessSize'): TaskManagerMemory {
  const metaspaceMb = clamp(processMb * 0.25, 96, 256);
  const overheadMb = clamp(processMb * 0.1, 64, 1024);
  const flinkMb = processMb - metaspaceMb - overheadMb;
  const frameworkHeapMb = flinkMb < 1024 ? 64 : 128;
  const frameworkOffHeapMb = flinkMb < 1024 ? 64 : 128;
  const networkMb = clamp(flinkMb * 0.1, 32, 1024);
  const managedMb = clamp(flinkMb * 0.2, 16, 1 << 20);
  const taskOffHeapMb = 0;
  const taskHeapMb = flinkMb - frameworkHeapMb - frameworkOffHeapMb - networkMb - managedMb - taskOffHeapMb;
  if (taskHeapMb < 32)
    throw new Error(`${field}: ${processMb}m leaves ${taskHeapMb}m of task heap after metaspace, overhead, framework, network and managed memory; give at least 448m`);
  return { processMb, frameworkHeapMb, taskHeapMb, frameworkOffHeapMb, taskOffHeapMb, networkMb, managedMb, metaspaceMb, overheadMb };
}

export function taskManagerConfig(m: TaskManagerMemory, cpuCores: number): Record<string, string> {
  return {
    'taskmanager.cpu.cores': String(cpuCores),
    'taskmanager.memory.process.size': `${m.processMb}m`,
    'taskmanager.memory.framework.heap.size': `${m.frameworkHeapMb}m`,
    'taskmanager.memory.task.heap.size': `${m.taskHeapMb}m`,
    'taskmanager.memory.framework.off-heap.size': `${m.frameworkOffHeapMb}m`,
    'taskmanager.memory.task.off-heap.size': `${m.taskOffHeapMb}m`,
    'taskmanager.memory.network.min': `${m.networkMb}m`,
    'taskmanager.memory.network.max': `${m.networkMb}m`,
    'taskmanager.memory.managed.size': `${m.managedMb}m`,
    'taskmanager.memory.jvm-metaspace.size': `${m.metaspaceMb}m`,
    'taskmanager.memory.jvm-overhead.min': `${m.overheadMb}m`,
    'taskmanager.memory.jvm-overhead.max': `${m.overheadMb}m`,
  };
}

/** What bin/taskmanager.sh would put on the java command line for the same budget. */
export function taskManagerJvm(m: TaskManagerMemory): { heap: string; flags: string[] } {
  return {
    heap: `${m.frameworkHeapMb + m.taskHeapMb}m`,
    flags: [`-XX:MaxDirectMemorySize=${m.frameworkOffHeapMb + m.taskOffHeapMb + m.networkMb}m`, `-XX:MaxMetaspaceSize=${m.metaspaceMb}m`],
  };
}

export interface JobManagerMemory {
  heapMb: number;
  offHeapMb: number;
  metaspaceMb: number;
  overheadMb: number;
}

export function jobManagerMemory(heapMb: number): JobManagerMemory {
  return { heapMb, offHeapMb: 64, metaspaceMb: 128, overheadMb: clamp(heapMb * 0.25, 64, 1024) };
}

export function jobManagerConfig(m: JobManagerMemory): Record<string, string> {
  return {
    'jobmanager.memory.heap.size': `${m.heapMb}m`,
    'jobmanager.memory.off-heap.size': `${m.offHeapMb}m`,
    'jobmanager.memory.jvm-metaspace.size': `${m.metaspaceMb}m`,
    'jobmanager.memory.jvm-overhead.min': `${m.overheadMb}m`,
    'jobmanager.memory.jvm-overhead.max': `${m.overheadMb}m`,
  };
}

export function jobManagerJvm(m: JobManagerMemory): { heap: string; flags: string[] } {
  return { heap: `${m.heapMb}m`, flags: [`-XX:MaxDirectMemorySize=${m.offHeapMb}m`, `-XX:MaxMetaspaceSize=${m.metaspaceMb}m`] };
}
