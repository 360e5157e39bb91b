// Capacity: will the class's labs fit the engines' memory? Decided before anything is created.
import type { PreflightProblem } from '../preflight.js';

const MiB = 1024 * 1024;

/**
 * Memory one running lab container costs its engine's host. Measured here (Docker 26, runc,
 * kernel 6.18, 2026-11-27) on pod-to-pod (9 containers) and pod-to-service (14) after a
 * `netlab check`: the containers' own memory (`docker stats`: 8.6 MiB and 13.4 MiB in all, the
 * app and CoreDNS containers 1.3-3.9 MiB, pause/node/router 0.3 MiB, toolbox 1.2 MiB) plus each
 * container's containerd-shim (proportional set size from /proc/PID/smaps_rollup: 2.6-3.5 MiB
 * each, 25 MiB and 43 MiB in all). That is 3.7 and 4.0 MiB a container: 4 MiB, so a pod-to-pod
 * lab counts 36 MiB and a pod-to-service lab 56 MiB. (Processes: 1 a container, 6-8 in an app
 * container, plus its shim; a lab's memory, not its processes, is what runs out first.)
 */
export const MEMORY_PER_CONTAINER_BYTES = 4 * MiB;

/** The share of an engine's memory labs may take: the rest stays for the engine, its host and the labs' growth. */
export const USABLE_MEMORY_SHARE = 0.8;

/** One engine (however many contexts reach it) and what the class would add to it. */
export interface EngineRoom {
  /** The engine's own name (`docker info`: its host's name). */
  name: string;
  /** The contexts that reach it. */
  contexts: readonly string[];
  memTotalBytes: number;
  /** netlab containers on it now (any lab's, this class's included). */
  netlabContainers: number;
  /** Labs the class would start there (students not up yet). */
  newLabs: number;
}

export interface RoomVerdict {
  room: EngineRoom;
  needBytes: number;
  freeBytes: number;
}

/** What each engine would need for its new labs, and what is free for labs there. */
export function roomVerdicts(rooms: readonly EngineRoom[], containersPerLab: number): RoomVerdict[] {
  return rooms.map((room) => ({
    room,
    needBytes: room.newLabs * containersPerLab * MEMORY_PER_CONTAINER_BYTES,
    freeBytes: Math.max(0, Math.floor(room.memTotalBytes * USABLE_MEMORY_SHARE) - room.netlabContainers * MEMORY_PER_CONTAINER_BYTES),
  }));
}

/** One problem for each engine the class would overfill, with the numbers. */
export function capacityProblems(rooms: readonly EngineRoom[], containersPerLab: number, lab: string): PreflightProblem[] {
  const perLab = containersPerLab * MEMORY_PER_CONTAINER_BYTES;
  return roomVerdicts(rooms, containersPerLab)
    .filter((v) => v.needBytes > v.freeBytes)
    .map(({ room, needBytes, freeBytes }) => {
      const fits = Math.floor(freeBytes / perLab);
      return {
        message:
          `engine ${room.name} (context ${room.contexts.join(', ')}): ${room.newLabs} lab(s) of ${lab} need ${formatBytes(needBytes)} ` +
          `(${containersPerLab} containers, ${formatBytes(perLab)} each lab); ${formatBytes(freeBytes)} is free for labs there ` +
          `(${Math.round(USABLE_MEMORY_SHARE * 100)}% of ${formatBytes(room.memTotalBytes)}, less ${room.netlabContainers} netlab container(s) running)`,
        hint: `${fits} lab(s) fit there: give more contexts (--context), or split the roster`,
      };
    });
}

export function formatBytes(n: number): string {
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(1)} GiB`;
  return `${Math.round(n / MiB)} MiB`;
}
