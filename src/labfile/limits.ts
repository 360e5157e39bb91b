// Resource limits of a lab's containers, written as Kubernetes writes them (memory 256Mi, cpu
// 500m or 0.5, pids 256), so that one student's fork bomb or memory hog stays in its container.

export interface ContainerLimits {
  memoryBytes: number;
  /** Docker's NanoCpus: 1e9 is one CPU. */
  nanoCpus: number;
  pids: number;
}

export interface LabLimits {
  /** Every container of a pod (its sandbox and each app container). */
  pod: ContainerLimits;
  /** Nodes, the router and the external client. */
  node: ContainerLimits;
}

const Mi = 1024 * 1024;

/** Sized for a class on one machine: ceilings, not reservations, so idle labs cost nothing. */
export const DEFAULT_LIMITS: LabLimits = {
  pod: { memoryBytes: 256 * Mi, nanoCpus: 1e9, pids: 256 },
  node: { memoryBytes: 512 * Mi, nanoCpus: 1e9, pids: 1024 },
};

/** netlab's own toolbox: it runs every probe and plumbing batch of the lab. */
export const TOOLBOX_LIMITS: ContainerLimits = { memoryBytes: 512 * Mi, nanoCpus: 2e9, pids: 2048 };

export const MIN_MEMORY_BYTES = 16 * Mi;
export const MIN_NANO_CPUS = 0.01e9;
export const MIN_PIDS = 16;

const MEMORY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi, Gi: 1024 * Mi };

/** `256Mi`, `1G`, `268435456` -> bytes; undefined when it is not a memory quantity. */
export function memoryBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(value.trim());
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** `500m`, `0.5`, `2` -> Docker's NanoCpus; undefined when it is not a CPU quantity. */
export function nanoCpus(value: string | number): number | undefined {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(text);
  if (!m) return undefined;
  const cpus = Number(m[1]) / (m[2] ? 1000 : 1);
  return Number.isFinite(cpus) && cpus > 0 && cpus <= 1024 ? Math.round(cpus * 1e9) : undefined;
}
