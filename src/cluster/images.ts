// The images a lab needs, built when missing (CoreDNS only with DNS: it is the slow one to build).
import type { EventSink } from '../core/events.js';
import type { Engine } from '../engine/engine.js';
import { ensureImages, type ImageName } from '../images/index.js';
import type { Lab } from '../labfile/model.js';
import type { ImageRefs } from '../plan/types.js';
import { servedIngresses } from '../plan/ingress/controller.js';

export function imagesFor(lab: Lab): ImageName[] {
  return [
    'base',
    'pause',
    'app',
    'node',
    'router',
    'probe',
    ...(lab.topology.dns ? (['coredns'] as const) : []),
    ...(servedIngresses(lab).length ? (['ingress'] as const) : []),
  ];
}

export function ensureLabImages(engine: Engine, lab: Lab, emit: EventSink): Promise<ImageRefs> {
  return ensureImages(engine, emit, { only: imagesFor(lab) });
}

export { ensureImages, listImages, loadImages, saveImages, imageRefs, type ImageName, type ImageStatus } from '../images/index.js';
