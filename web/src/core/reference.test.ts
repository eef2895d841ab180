import { describe, expect, it } from 'vitest';
import { InvalidReferenceError, familiarName, familiarReference, formatReference, parseReference, pullCommand, type ReferencePart } from './reference';

const H64 = 'a'.repeat(64);
const D = `sha256:${H64}`;

// [input, normalised full reference] — cases from distribution/reference's normalize and reference tests.
const valid: Array<[string, string]> = [
  ['nginx', 'docker.io/library/nginx:latest'],
  ['nginx:1.27', 'docker.io/library/nginx:1.27'],
  ['library/nginx', 'docker.io/library/nginx:latest'],
  ['docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['docker.io/library/nginx:alpine', 'docker.io/library/nginx:alpine'],
  ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
  ['index.docker.io/user/app:v1', 'docker.io/user/app:v1'],
  ['user/app', 'docker.io/user/app:latest'],
  ['user/app/sub', 'docker.io/user/app/sub:latest'],
  ['ghcr.io/org/app', 'ghcr.io/org/app:latest'],
  [`ghcr.io/org/app@${D}`, `ghcr.io/org/app@${D}`],
  [`ghcr.io/org/app:v1@${D}`, `ghcr.io/org/app:v1@${D}`],
  [`nginx@${D}`, `docker.io/library/nginx@${D}`],
  ['localhost:5000/team/api:dev', 'localhost:5000/team/api:dev'],
  ['localhost/app', 'localhost/app:latest'],
  ['localhost:5000', 'docker.io/library/localhost:5000'],
  ['127.0.0.1:5000/lading/fixture:multi', '127.0.0.1:5000/lading/fixture:multi'],
  ['[::1]:5000/app', '[::1]:5000/app:latest'],
  ['[2001:db8::1]/app:1', '[2001:db8::1]/app:1'],
  ['registry.example.com:443/a/b/c:tag', 'registry.example.com:443/a/b/c:tag'],
  ['Foo.example/app', 'Foo.example/app:latest'],
  ['Registry/app', 'Registry/app:latest'],
  ['my-registry.local/app', 'my-registry.local/app:latest'],
  ['gcr.io/distroless/static:nonroot', 'gcr.io/distroless/static:nonroot'],
  ['a/b__c/d', 'docker.io/a/b__c/d:latest'],
  ['a/b---c', 'docker.io/a/b---c:latest'],
  ['a/b.c_d', 'docker.io/a/b.c_d:latest'],
  ['python:3-slim', 'docker.io/library/python:3-slim'],
  ['ubuntu:Latest_1.0', 'docker.io/library/ubuntu:Latest_1.0'],
  [`app:${'t'.repeat(128)}`, `docker.io/library/app:${'t'.repeat(128)}`],
  ['  nginx  ', 'docker.io/library/nginx:latest'],
  [`app@sha512:${'b'.repeat(128)}`, `docker.io/library/app@sha512:${'b'.repeat(128)}`],
  ['xn--bcher-kva.example/app', 'xn--bcher-kva.example/app:latest'],
];

// [input, the part that is wrong, a word the reason must contain]
const invalid: Array<[string, ReferencePart, string]> = [
  ['', 'reference', 'empty'],
  ['   ', 'reference', 'empty'],
  ['https://ghcr.io/org/app', 'reference', 'scheme'],
  ['nginx latest', 'reference', 'spaces'],
  [H64, 'reference', 'image ID'],
  ['Nginx', 'path', 'lowercase'],
  ['user/App', 'path', 'lowercase'],
  ['ghcr.io/Org/app', 'path', 'lowercase'],
  ['nginx:', 'tag', 'empty'],
  ['nginx:-bad', 'tag', 'must not start'],
  ['nginx:.bad', 'tag', 'must not start'],
  ['nginx:bad!', 'tag', 'letters'],
  [`nginx:${'t'.repeat(129)}`, 'tag', '128'],
  ['nginx@', 'digest', 'empty'],
  ['nginx@sha256', 'digest', 'algorithm:hex'],
  ['nginx@sha256:abc', 'digest', '64'],
  [`nginx@sha256:${'g'.repeat(64)}`, 'digest', 'hexadecimal'],
  [`nginx@md5:${'a'.repeat(32)}`, 'digest', 'unsupported'],
  [`nginx@sha256:${'A'.repeat(64)}`, 'digest', 'lowercase'],
  ['a//b', 'path', 'empty component'],
  ['user/', 'path', 'empty component'],
  ['/app', 'path', 'empty component'],
  ['_app', 'path', 'start and end'],
  ['app_', 'path', 'start and end'],
  ['a/b..c', 'path', 'single'],
  ['a/b___c', 'path', 'single'],
  ['ex..ample.com/app', 'domain', 'empty label'],
  ['a.b_c/d', 'domain', 'invalid label'],
  ['-bad.example/app', 'domain', 'invalid label'],
  ['localhost:port/app', 'port', 'number'],
  ['localhost:99999/app', 'port', '65535'],
  ['[zz::1]:5000/app', 'domain', 'IPv6'],
  ['ghcr.io/', 'path', 'missing'],
  [`${'a'.repeat(250)}/b/c`, 'path', '255'],
];

describe('parseReference', () => {
  it.each(valid)('normalises %j to %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it.each(invalid)('rejects %j in its %s', (input, part, word) => {
    let caught: unknown;
    try {
      parseReference(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const error = caught as InvalidReferenceError;
    expect(error.part).toBe(part);
    expect(error.reason).toContain(word);
  });

  it('has at least 40 cases from the grammar', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(40);
  });

  it('keeps a digest-only reference without a tag', () => {
    const ref = parseReference(`ghcr.io/org/app@${D}`);
    expect(ref.tag).toBeUndefined();
    expect(ref.digest).toBe(D);
  });

  it('splits domain, path, tag', () => {
    expect(parseReference('localhost:5000/team/api:dev')).toEqual({ domain: 'localhost:5000', path: 'team/api', tag: 'dev' });
  });

  it('prints familiar forms like docker does', () => {
    expect(familiarReference(parseReference('docker.io/library/nginx:1.27'))).toBe('nginx:1.27');
    expect(familiarReference(parseReference('user/app'))).toBe('user/app:latest');
    expect(familiarReference(parseReference('ghcr.io/org/app:v1'))).toBe('ghcr.io/org/app:v1');
    expect(pullCommand(parseReference('nginx'), D)).toBe(`docker pull nginx@${D}`);
  });

  // distribution/reference's TestParseNormalizedNamed and FamiliarName: `library/` goes only
  // from a one-component name; `library/foo/bar` is a repository of its own.
  it.each([
    ['docker.io/library/foo/bar', 'library/foo/bar'],
    ['library/foo/bar:v1', 'library/foo/bar'],
    ['docker.io/library/foo', 'foo'],
    ['library/foo', 'foo'],
    ['docker.io/libraryx/foo', 'libraryx/foo'],
    ['docker.io/user/library', 'user/library'],
    ['index.docker.io/library/foo/bar', 'library/foo/bar'],
    ['ghcr.io/library/foo', 'ghcr.io/library/foo'],
  ])('familiarName(%j) is %s', (input, expected) => {
    expect(familiarName(parseReference(input))).toBe(expected);
  });

  it('the familiar form of library/foo/bar normalises back to it', () => {
    const ref = parseReference('docker.io/library/foo/bar');
    expect(formatReference(parseReference(familiarName(ref)))).toBe('docker.io/library/foo/bar:latest');
  });
});
