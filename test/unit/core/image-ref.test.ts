// Image references as the engine reads them: what it takes (registry, repository, tag, digest),
// and what it refuses, each refusal said with what to write instead.
import { describe, expect, it } from 'vitest';
import { type ImageRef, type ImageRefProblem, isImageRefProblem, parseImageRef, pullReference } from '../../../src/core/image-ref.js';

function ref(text: string): ImageRef {
  const r = parseImageRef(text);
  if (isImageRefProblem(r)) throw new Error(`${text}: ${r.problem}`);
  return r;
}

function problem(text: string): ImageRefProblem {
  const r = parseImageRef(text);
  if (!isImageRefProblem(r)) throw new Error(`${text} was taken`);
  return r;
}

describe('image references the engine takes', () => {
  it.each([
    ['netlab/app', { name: 'netlab/app', domain: 'docker.io', path: 'netlab/app' }],
    ['nginx', { name: 'nginx', domain: 'docker.io', path: 'library/nginx' }],
    ['nginx:1.27', { name: 'nginx', domain: 'docker.io', path: 'library/nginx', tag: '1.27' }],
    ['python:2.7', { name: 'python', domain: 'docker.io', path: 'library/python', tag: '2.7' }],
    ['docker.io/nginx', { name: 'docker.io/nginx', domain: 'docker.io', path: 'library/nginx' }],
    ['index.docker.io/team/web:v1', { name: 'index.docker.io/team/web', domain: 'docker.io', path: 'team/web', tag: 'v1' }],
    ['127.0.0.1:5000/course/web:1', { name: '127.0.0.1:5000/course/web', domain: '127.0.0.1:5000', path: 'course/web', tag: '1' }],
    ['localhost/web', { name: 'localhost/web', domain: 'localhost', path: 'web' }],
    ['registry.k8s.io/pause:3.10', { name: 'registry.k8s.io/pause', domain: 'registry.k8s.io', path: 'pause', tag: '3.10' }],
    ['[::1]:5000/web', { name: '[::1]:5000/web', domain: '[::1]:5000', path: 'web' }],
    ['My-Registry/web', { name: 'My-Registry/web', domain: 'My-Registry', path: 'web' }],
    ['a/b__c/d-e--f.g:Tag_1.x-y', { name: 'a/b__c/d-e--f.g', domain: 'docker.io', path: 'a/b__c/d-e--f.g', tag: 'Tag_1.x-y' }],
  ])('%s', (text, expected) => {
    expect(ref(text)).toEqual({ text, ...expected });
  });

  it('a digest, with or without a tag', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(ref(`nginx@${digest}`)).toMatchObject({ name: 'nginx', digest });
    expect(ref(`nginx:1.27@${digest}`)).toMatchObject({ name: 'nginx', tag: '1.27', digest });
  });

  it('is pulled with kubelet’s default tag, latest, or by its digest', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    expect(pullReference(ref('nginx'))).toBe('nginx:latest');
    expect(pullReference(ref('127.0.0.1:5000/course/web:1'))).toBe('127.0.0.1:5000/course/web:1');
    expect(pullReference(ref(`nginx:1.27@${digest}`))).toBe(`nginx@${digest}`);
  });
});

describe('image references the engine refuses', () => {
  it('a placeholder never filled in (capitals): the engine would say "invalid reference format"', () => {
    expect(problem('APP_IMAGE')).toEqual({
      problem: 'image "APP_IMAGE" is not a valid image reference: repository name must be lowercase',
      hint: '"APP_IMAGE" looks like a placeholder that was never filled in: write the image itself, e.g. netlab/app, nginx:1.27 or 127.0.0.1:5000/course/web:1',
    });
  });

  it('capitals in the repository: the lowercase reference is suggested, the registry and tag kept', () => {
    expect(problem('Course/Web:V1').hint).toBe('write the repository in lowercase: course/web:V1');
    expect(problem('127.0.0.1:5000/Course/web:1').hint).toBe('write the repository in lowercase: 127.0.0.1:5000/course/web:1');
  });

  it.each([
    ['', 'the image is empty'],
    [' nginx', 'image " nginx" has spaces around it'],
    ['nginx latest', 'image "nginx latest" is not a valid image reference: it contains a space'],
    ['https://127.0.0.1:5000/web', 'image "https://127.0.0.1:5000/web" is not a valid image reference'],
    ['nginx:', 'image "nginx:" is not a valid image reference'],
    ['-nginx', 'image "-nginx" is not a valid image reference'],
    ['nginx:-1', 'image "nginx:-1" is not a valid image reference'],
    [`nginx:${'x'.repeat(129)}`, `image "nginx:${'x'.repeat(129)}" is not a valid image reference`],
    ['a'.repeat(64), `image "${'a'.repeat(64)}" is an image ID, not a reference`],
    [`nginx@sha256:${'a'.repeat(63)}`, `image "nginx@sha256:${'a'.repeat(63)}": a sha256 digest has 64 hex digits, not 63`],
    [`nginx@md5:${'a'.repeat(32)}`, `image "nginx@md5:${'a'.repeat(32)}": unsupported digest algorithm md5`],
    [`${'a/'.repeat(128)}b`, `image "${'a/'.repeat(128)}b" is not a valid image reference: its name is longer than 255 characters`],
  ])('%j', (text, message) => {
    const p = problem(text);
    expect(p.problem).toBe(message);
    expect(p.hint.length).toBeGreaterThan(10);
  });

  it('hints say what to write', () => {
    expect(problem('https://127.0.0.1:5000/web').hint).toBe('write the image without a scheme: 127.0.0.1:5000/web');
    expect(problem('nginx:').hint).toMatch(/^finish the reference or drop the trailing ":"/);
    expect(problem(' nginx').hint).toBe('write it without them: nginx');
  });
});
