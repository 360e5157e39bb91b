// Which netlab images the engine holds: one image-list call, filtered to netlab/*.
import type { Engine } from '../engine/engine.js';
import { IMAGE_NAMES, IMAGE_REPOSITORY_PREFIX, type ImageName } from './catalogue.js';
import { imageRefs } from './tags.js';

export interface EngineImage {
  id: string;
  repoTags: string[];
  size: number;
  /** Seconds since the epoch, as the engine reports it. */
  created: number;
}

/** Every image tagged netlab/*, by each of its tags. One engine call. */
export async function netlabImagesByTag(engine: Engine): Promise<Map<string, EngineImage>> {
  const images = await engine.listImages({ reference: [`${IMAGE_REPOSITORY_PREFIX}*`] });
  const byTag = new Map<string, EngineImage>();
  for (const info of images) {
    const image: EngineImage = { id: info.Id, repoTags: info.RepoTags ?? [], size: info.Size, created: info.Created };
    for (const tag of image.repoTags) byTag.set(tag, image);
  }
  return byTag;
}

export interface ImageStatus {
  name: ImageName;
  ref: string;
  present: boolean;
  /** Bytes, including the layers it shares with the base image. */
  size?: number;
  /** ISO 8601 time of the build. */
  created?: string;
}

/** Each netlab image's current ref and whether the engine has it (for `netlab images`). */
export async function listImages(engine: Engine): Promise<ImageStatus[]> {
  const [refs, present] = await Promise.all([imageRefs(), netlabImagesByTag(engine)]);
  return IMAGE_NAMES.map((name) => {
    const image = present.get(refs[name]);
    return image
      ? { name, ref: refs[name], present: true, size: image.size, created: new Date(image.created * 1000).toISOString() }
      : { name, ref: refs[name], present: false };
  });
}
