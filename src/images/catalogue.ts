// The images netlab builds, one folder each under docker/, and how each is made.
// Pure data: the tag computation, the planner and the builder all read it.

/** In dependency order: every image comes after the images it is built from. */
export const IMAGE_NAMES = ['base', 'pause', 'app', 'node', 'router', 'probe', 'coredns', 'ingress'] as const;

export type ImageName = (typeof IMAGE_NAMES)[number];

/** Label on every netlab image: `netlab.image=<name>`. */
export const LABEL_IMAGE = 'netlab.image';

export const IMAGE_REPOSITORY_PREFIX = 'netlab/';

/** A binary compiled on the host and added to the image's build context. */
export interface HostCompile {
  tool: 'gcc' | 'go';
  /** Flags of the compile; part of the image's tag, so changing them rebuilds the image. */
  flags: readonly string[];
  /** Its name in the build context (the Dockerfile COPYs it from there). */
  output: string;
}

export interface ImageRecipe {
  name: ImageName;
  /** Images this one is built from (FROM, or COPY --from); their tags are part of its tag. */
  deps: readonly ImageName[];
  /** `script`: docker/<name>/build.sh writes a root file system that is imported; `dockerfile`: docker build. */
  kind: 'script' | 'dockerfile';
  compile?: HostCompile;
  /** Build arguments naming the dependency images (the Dockerfile's `ARG BASE` / `ARG PAUSE`). */
  buildArgs?: Readonly<Record<string, ImageName>>;
  /** Its build steps reach the network (Debian's mirror, for `apt-get install`); others build with none. */
  network?: boolean;
}

const fromBaseWithPause = { deps: ['base', 'pause'], kind: 'dockerfile', buildArgs: { BASE: 'base', PAUSE: 'pause' } } as const;

export const RECIPES: Readonly<Record<ImageName, ImageRecipe>> = {
  base: { name: 'base', deps: [], kind: 'script' },
  pause: {
    name: 'pause',
    deps: [],
    kind: 'dockerfile',
    compile: { tool: 'gcc', flags: ['-Os', '-static', '-s', '-Wall'], output: 'pause' },
  },
  app: {
    name: 'app',
    deps: ['base'],
    kind: 'dockerfile',
    compile: { tool: 'go', flags: ['-trimpath', '-buildvcs=false', '-ldflags=-s -w'], output: 'netlab-app' },
    buildArgs: { BASE: 'base' },
  },
  // The node carries kube-proxy's userspace proxier (a Go program of netlab's own, docker/node/).
  node: {
    name: 'node',
    ...fromBaseWithPause,
    compile: { tool: 'go', flags: ['-trimpath', '-buildvcs=false', '-ldflags=-s -w'], output: 'netlab-proxy' },
  },
  router: { name: 'router', ...fromBaseWithPause },
  // The probe image is the toolbox: it carries netlab-agent (docker/probe/), its only way into namespaces.
  probe: {
    name: 'probe',
    ...fromBaseWithPause,
    compile: { tool: 'go', flags: ['-trimpath', '-buildvcs=false', '-ldflags=-s -w'], output: 'netlab-agent' },
  },
  // CoreDNS compiled from its Go module at a pinned version (docker/coredns/go.mod), no registry.
  coredns: {
    name: 'coredns',
    deps: ['base'],
    kind: 'dockerfile',
    compile: { tool: 'go', flags: ['-trimpath', '-buildvcs=false', '-ldflags=-s -w'], output: 'coredns' },
    buildArgs: { BASE: 'base' },
  },
  // The ingress controller: Debian's nginx installed from the mirror over the base (docker/ingress/).
  ingress: { name: 'ingress', deps: ['base'], kind: 'dockerfile', buildArgs: { BASE: 'base' }, network: true },
};

export function isImageName(value: string): value is ImageName {
  return (IMAGE_NAMES as readonly string[]).includes(value);
}

/** `netlab/<name>` */
export function repositoryOf(name: ImageName): string {
  return `${IMAGE_REPOSITORY_PREFIX}${name}`;
}

export function latestRefOf(name: ImageName): string {
  return `${repositoryOf(name)}:latest`;
}
