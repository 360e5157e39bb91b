// Image references as the engine (and kubelet, through the same distribution/reference grammar)
// reads them: [domain[:port]/]path[:tag][@digest]. Read here so that a reference the engine
// would refuse is a lab-file error at its line, and so that the registry (for credentials) and
// the tag (for imagePullPolicy's default) are known before anything talks to the engine.

/** The registry Docker Hub references name when they name none. */
export const DOCKER_HUB = 'docker.io';

/** A parsed image reference. */
export interface ImageRef {
  /** The reference as written. */
  text: string;
  /** The name as written, without tag and digest: what the engine is asked to pull. */
  name: string;
  /** The registry: `docker.io` when the name has none, else `host[:port]` as written. */
  domain: string;
  /** The repository inside the registry, normalized (`library/` added to Docker Hub's official images). */
  path: string;
  tag?: string;
  /** `algorithm:hex` */
  digest?: string;
}

export interface ImageRefProblem {
  problem: string;
  hint: string;
}

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** A bare image ID: the engine would take it for an ID, not a name. */
const IDENTIFIER = /^[a-f0-9]{64}$/;
const NAME_MAX = 255;
/** The digest algorithms the engine knows, with their hex lengths. */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const EXAMPLE = 'e.g. netlab/app, nginx:1.27 or 127.0.0.1:5000/course/web:1';

/** Parses `text` as the engine would; a problem (with what to write instead) when it would refuse it. */
export function parseImageRef(text: string): ImageRef | ImageRefProblem {
  const quoted = JSON.stringify(text);
  if (text.trim() === '') return { problem: 'the image is empty', hint: `name an image, ${EXAMPLE}` };
  if (text !== text.trim()) return { problem: `image ${quoted} has spaces around it`, hint: `write it without them: ${text.trim()}` };
  if (/\s/.test(text))
    return { problem: `image ${quoted} is not a valid image reference: it contains a space`, hint: `an image reference has no spaces, ${EXAMPLE}` };
  if (IDENTIFIER.test(text)) {
    return { problem: `image ${quoted} is an image ID, not a reference`, hint: `name the image by its repository and tag, ${EXAMPLE}` };
  }
  const m = REFERENCE.exec(text);
  if (!m) {
    if (REFERENCE.test(text.toLowerCase())) {
      const placeholder = /^[A-Z][A-Z0-9_]*$/.test(text.split(/[:@]/)[0]!.split('/').at(-1)!);
      return {
        problem: `image ${quoted} is not a valid image reference: repository name must be lowercase`,
        hint: placeholder
          ? `${quoted} looks like a placeholder that was never filled in: write the image itself, ${EXAMPLE}`
          : `write the repository in lowercase: ${lowercaseName(text)}`,
      };
    }
    return { problem: `image ${quoted} is not a valid image reference`, hint: formatHint(text) };
  }
  const [, name = '', tag, digest] = m;
  if (name.length > NAME_MAX) {
    return { problem: `image ${quoted} is not a valid image reference: its name is longer than ${NAME_MAX} characters`, hint: 'shorten the name' };
  }
  if (digest) {
    const [algorithm = '', hex = ''] = digest.split(':');
    const length = DIGEST_HEX[algorithm];
    if (length === undefined) {
      return { problem: `image ${quoted}: unsupported digest algorithm ${algorithm}`, hint: `write a sha256 digest: @sha256:<64 hex digits>` };
    }
    if (hex.length !== length) {
      return {
        problem: `image ${quoted}: a ${algorithm} digest has ${length} hex digits, not ${hex.length}`,
        hint: 'copy the digest whole (docker images --digests)',
      };
    }
  }
  const { domain, path } = splitDomain(name);
  return { text, name, domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

export function isImageRefProblem(r: ImageRef | ImageRefProblem): r is ImageRefProblem {
  return 'problem' in r;
}

/**
 * The registry and the repository, as the engine splits a name: the first component is a
 * registry when it has a "." or a ":", is `localhost`, or has capitals (no repository has).
 */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return { domain: DOCKER_HUB, path: slash < 0 ? `library/${name}` : name };
  }
  const domain = first === 'index.docker.io' ? DOCKER_HUB : first;
  const rest = name.slice(slash + 1);
  return { domain, path: domain === DOCKER_HUB && !rest.includes('/') ? `library/${rest}` : rest };
}

/** The reference with its repository lowercased (the registry and the tag may have capitals). */
function lowercaseName(text: string): string {
  const m = /^(.*?)((?::[\w][\w.-]*)?(?:@.*)?)$/.exec(text)!;
  const name = m[1]!;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  return hasDomain ? `${first}/${name.slice(slash + 1).toLowerCase()}${m[2]}` : `${name.toLowerCase()}${m[2]}`;
}

function formatHint(text: string): string {
  if (text.includes('://')) return `write the image without a scheme: ${text.replace(/^[a-z]+:\/\//, '')}`;
  if (text.endsWith(':') || text.endsWith('@')) return `finish the reference or drop the trailing "${text.at(-1)}", ${EXAMPLE}`;
  return `a reference is [registry[:port]/]repository[:tag][@sha256:digest], the repository in lowercase letters, digits and . _ - separators, ${EXAMPLE}`;
}

/** The reference to pull and to look up: the tag kubelet applies when there is none (`latest`), or the digest. */
export function pullReference(ref: ImageRef): string {
  if (ref.digest) return `${ref.name}@${ref.digest}`;
  return `${ref.name}:${ref.tag ?? 'latest'}`;
}
