// netlab's own images (docker/<name>/): content-tagged refs, building what is
// missing, listing, and carrying them to offline machines.
export { IMAGE_NAMES, LABEL_IMAGE, isImageName, latestRefOf, repositoryOf, type ImageName } from './catalogue.js';
export { imageRefs, imageTags } from './tags.js';
export { ensureImages, planBuilds, type EnsureOptions } from './ensure.js';
export { listImages, type ImageStatus } from './inventory.js';
export { loadImages, saveImages } from './archive.js';
export { LOCK_IMAGE, loadLockImage } from './lock-image.js';
