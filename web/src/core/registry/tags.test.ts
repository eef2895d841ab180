import { describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import { RegistryLister, compareTags, filterTags, parseLinkNext, parseVersionTag, registryHostOnly, sortTags } from './tags';

describe('parseLinkNext', () => {
  it('reads the next link as distribution writes it', () => {
    expect(parseLinkNext('</v2/lading/fixture/tags/list?last=b&n=2>; rel="next"')).toBe('/v2/lading/fixture/tags/list?last=b&n=2');
  });
  it('finds next among several links, parameters in any order, rel unquoted or with several values', () => {
    expect(parseLinkNext('<https://x/prev>; rel="prev", <https://x/next?a=1,2>; title="a, b"; rel=next')).toBe('https://x/next?a=1,2');
    expect(parseLinkNext('<https://x/p2>; type="application/json"; rel="last next"')).toBe('https://x/p2');
  });
  it('is undefined without a next link', () => {
    expect(parseLinkNext(null)).toBeUndefined();
    expect(parseLinkNext('')).toBeUndefined();
    expect(parseLinkNext('<https://x/prev>; rel="prev"')).toBeUndefined();
    expect(parseLinkNext('garbage')).toBeUndefined();
    expect(parseLinkNext('<unterminated; rel="next"')).toBeUndefined();
  });
});

describe('version order', () => {
  it('parses version-like tags', () => {
    expect(parseVersionTag('1.27.3')).toEqual({ numbers: ['1', '27', '3'], suffix: '', prerelease: false });
    expect(parseVersionTag('v2.0.0-rc.1')).toEqual({ numbers: ['2', '0', '0'], suffix: 'rc.1', prerelease: true });
    expect(parseVersionTag('3-slim')).toEqual({ numbers: ['3'], suffix: 'slim', prerelease: false });
    expect(parseVersionTag('3.13.0a4')?.prerelease).toBe(true);
    expect(parseVersionTag('latest')).toBeUndefined();
    expect(parseVersionTag('1.2.')).toBeUndefined();
    expect(parseVersionTag('sha256-abc')).toBeUndefined();
    expect(parseVersionTag('v2s2')).toBeUndefined();
    expect(parseVersionTag('2a')).toBeUndefined();
  });

  it('sorts latest first, versions newest first segment by segment, then names, then digest tags', () => {
    const tags = [
      'edge',
      '1.9.2',
      'sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig',
      '1.10.0',
      'main',
      '2.0.0-rc.1',
      'latest',
      '3-slim',
      '2.0.0',
      'v0.9.0',
      '3',
      '1.10.0-alpine',
      '2.0.0-rc.10',
      '2.0.0-beta',
      'Nightly',
    ];
    expect(sortTags(tags)).toEqual([
      'latest',
      '3',
      '3-slim',
      '2.0.0',
      '2.0.0-rc.10',
      '2.0.0-rc.1',
      '2.0.0-beta',
      '1.10.0',
      '1.10.0-alpine',
      '1.9.2',
      'v0.9.0',
      'Nightly',
      'edge',
      'main',
      'sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.sig',
    ]);
  });

  it('puts an alias before the releases it stands for and compares long numbers exactly', () => {
    expect(sortTags(['3.12.1', '3', '3.12', '3.13', '3.9'])).toEqual(['3', '3.13', '3.12', '3.12.1', '3.9']);
    expect(sortTags(['20240101', '20231231', '99999999999999999999', '100000000000000000000'])).toEqual([
      '100000000000000000000',
      '99999999999999999999',
      '20240101',
      '20231231',
    ]);
    expect(sortTags(['1.2', 'v1.2', '01.2'])).toEqual(['01.2', '1.2', 'v1.2']);
  });

  it('is a consistent order', () => {
    const tags = ['1', '1.0', '1-a', '1-rc1', 'a', 'latest', 'b2', 'b10', '0.1', 'v1', '1.0.0-rc.2'];
    for (const a of tags) {
      expect(compareTags(a, a)).toBe(0);
      for (const b of tags) expect(Math.sign(compareTags(a, b)) + Math.sign(compareTags(b, a))).toBe(0);
    }
    expect(sortTags(['b10', 'b2'])).toEqual(['b2', 'b10']);
  });

  it('filters by substring, ignoring case', () => {
    expect(filterTags(['1.27-alpine', '1.27', 'Alpine3'], 'ALP')).toEqual(['1.27-alpine', 'Alpine3']);
    expect(filterTags(['a', 'b'], '  ')).toEqual(['a', 'b']);
  });
});

/** A registry that pages its list `size` at a time with distribution-style Link headers. */
function pagedRegistry(all: string[], options: { key?: 'tags' | 'repositories'; linkBase?: string } = {}) {
  const key = options.key ?? 'tags';
  const calls: string[] = [];
  const fetchImpl = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input));
    calls.push(url.pathname + url.search);
    const n = Number(url.searchParams.get('n') ?? all.length);
    const last = url.searchParams.get('last');
    const start = last === null ? 0 : all.indexOf(last) + 1;
    const page = all.slice(start, start + n);
    const headers = new Headers({ 'content-type': 'application/json' });
    if (start + n < all.length) {
      const next = `${options.linkBase ?? url.pathname}?n=${n}&last=${encodeURIComponent(page[page.length - 1] ?? '')}`;
      headers.set('link', `<${next}>; rel="next"`);
    }
    const body = key === 'tags' ? { name: 'lading/versions', tags: page } : { repositories: page };
    return new Response(JSON.stringify(body), { headers });
  }) as typeof fetch;
  return { lister: new RegistryLister({ baseUrl: 'http://proxy/registry', fetch: fetchImpl }), calls };
}

describe('RegistryLister', () => {
  const repo = { domain: '127.0.0.1:5000', path: 'lading/versions' };
  const tags = Array.from({ length: 11 }, (_, i) => `t${i}`);

  it('follows Link pages as opaque URLs relative to the page', async () => {
    const { lister, calls } = pagedRegistry(tags);
    const listing = await lister.tags(repo, { pageSize: 4 });
    expect(listing).toEqual({ name: 'lading/versions', items: tags, pages: 3 });
    expect(calls[0]).toBe('/registry/127.0.0.1:5000/v2/lading/versions/tags/list?n=4');
    expect(calls[1]).toBe('/registry/127.0.0.1:5000/v2/lading/versions/tags/list?n=4&last=t3');
  });

  it('stops at the page cap and at the item cap and says so', async () => {
    const { lister } = pagedRegistry(tags);
    await expect(lister.tags(repo, { pageSize: 2, maxPages: 3 })).resolves.toMatchObject({
      items: tags.slice(0, 6),
      pages: 3,
      capped: { reason: 'pages', limit: 3 },
    });
    await expect(lister.tags(repo, { pageSize: 4, maxItems: 5 })).resolves.toMatchObject({ items: tags.slice(0, 5), capped: { reason: 'items', limit: 5 } });
  });

  it('does not follow a link to another origin', async () => {
    const { lister, calls } = pagedRegistry(tags, { linkBase: 'http://evil.example/v2/x/tags/list' });
    const listing = await lister.tags(repo, { pageSize: 4 });
    expect(listing.items).toEqual(tags.slice(0, 4));
    expect(calls).toHaveLength(1);
  });

  it('lists the catalog the same way', async () => {
    const repos = ['lading/chart', 'lading/fixture', 'lading/other', 'lading/versions', 'x/y'];
    const { lister, calls } = pagedRegistry(repos, { key: 'repositories' });
    await expect(lister.catalog('127.0.0.1:5000', { pageSize: 2 })).resolves.toEqual({ items: repos, pages: 3 });
    expect(calls[0]).toBe('/registry/127.0.0.1:5000/v2/_catalog?n=2');
  });

  it('reads "tags": null as no tags, and keeps the registry error words', async () => {
    const nullTags = new RegistryLister({ baseUrl: 'http://proxy/registry', fetch: (async () => new Response('{"name":"a/b","tags":null}')) as typeof fetch });
    await expect(nullTags.tags(repo)).resolves.toMatchObject({ items: [], pages: 1 });
    const unknown = new RegistryLister({
      baseUrl: 'http://proxy/registry',
      fetch: (async () =>
        new Response(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }), {
          status: 404,
        })) as typeof fetch,
    });
    const error = await unknown.tags(repo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).codes).toEqual(['NAME_UNKNOWN']);
    const html = new RegistryLister({ baseUrl: 'http://proxy/registry', fetch: (async () => new Response('<html>')) as typeof fetch });
    await expect(html.catalog('x')).rejects.toThrow(/not JSON/);
  });
});

describe('registryHostOnly', () => {
  it('knows a bare registry host from an image name', () => {
    expect(registryHostOnly('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(registryHostOnly(' localhost:5000 ')).toBe('localhost:5000');
    expect(registryHostOnly('Registry.Example.com')).toBe('registry.example.com');
    expect(registryHostOnly('ghcr.io/')).toBe('ghcr.io');
    expect(registryHostOnly('[::1]:5000')).toBe('[::1]:5000');
    expect(registryHostOnly('10.0.0.7')).toBe('10.0.0.7');
    expect(registryHostOnly('index.docker.io')).toBe('docker.io');
    for (const image of ['nginx', 'nginx:1.27', 'python:3.12', 'localhost', 'ubuntu.22', 'ghcr.io/org/app', 'nginx@sha256:abc', 'a_b.io', '']) {
      expect(registryHostOnly(image), image).toBeUndefined();
    }
  });
});
