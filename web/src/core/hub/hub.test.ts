import { describe, expect, it } from 'vitest';
import { HubClient, HubUnavailableError, formatCount, hubRepository, parseHubSearch, parseHubTagsPage } from './hub';

/** GET https://hub.docker.com/v2/namespaces/library/repositories/nginx/tags?page_size=2 (recorded shape, values trimmed). */
const TAGS_PAGE_1 = {
  count: 3,
  next: 'https://hub.docker.com/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=2',
  previous: null,
  results: [
    {
      creator: 7,
      id: 2343,
      images: [
        {
          architecture: 'amd64',
          features: '',
          variant: null,
          digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
          os: 'linux',
          os_features: '',
          os_version: null,
          size: 71987382,
          status: 'active',
          last_pulled: '2024-03-02T10:00:00.000000Z',
          last_pushed: '2024-03-01T09:00:00.000000Z',
        },
        {
          architecture: 'arm64',
          features: '',
          variant: 'v8',
          digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
          os: 'linux',
          os_features: '',
          os_version: null,
          size: 68000000,
          status: 'active',
          last_pulled: '2024-03-02T10:00:00.000000Z',
          last_pushed: '2024-03-01T09:00:00.000000Z',
        },
        {
          architecture: 'unknown',
          features: '',
          variant: null,
          digest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
          os: 'unknown',
          os_features: '',
          os_version: null,
          size: 12000,
          status: 'active',
          last_pulled: null,
          last_pushed: '2024-03-01T09:00:00.000000Z',
        },
      ],
      last_updated: '2024-03-01T09:00:01.000000Z',
      last_updater: 1156886,
      last_updater_username: 'doijanky',
      name: 'latest',
      repository: 21453,
      full_size: 71987382,
      v2: true,
      tag_status: 'active',
      tag_last_pulled: '2024-03-02T10:00:00.000000Z',
      tag_last_pushed: '2024-03-01T09:00:01.000000Z',
      media_type: 'application/vnd.oci.image.index.v1+json',
      content_type: 'image',
      digest: 'sha256:4444444444444444444444444444444444444444444444444444444444444444',
    },
    { creator: 7, id: 2344, images: [], last_updated: null, name: 'mainline', repository: 21453, full_size: 0, v2: true, tag_status: 'inactive' },
  ],
};
const TAGS_PAGE_2 = {
  count: 3,
  next: null,
  previous: 'https://hub.docker.com/v2/namespaces/library/repositories/nginx/tags?page=1&page_size=2',
  results: [{ name: '1.27.3', images: [], full_size: 70000000, digest: 'sha256:5555555555555555555555555555555555555555555555555555555555555555' }],
};

/** GET https://hub.docker.com/v2/search/repositories/?query=nginx (recorded shape). */
const SEARCH_V2 = {
  count: 10000,
  next: 'https://hub.docker.com/v2/search/repositories/?page=2&query=nginx',
  previous: '',
  results: [
    {
      repo_name: 'nginx',
      short_description: 'Official build of Nginx.',
      star_count: 20271,
      pull_count: 1000000000,
      repo_owner: '',
      is_automated: false,
      is_official: true,
    },
    {
      repo_name: 'nginx/nginx-ingress',
      short_description: 'NGINX and  NGINX Plus Ingress Controllers for Kubernetes',
      star_count: 95,
      pull_count: 1234567,
      repo_owner: '',
      is_automated: false,
      is_official: false,
    },
  ],
};

/** GET https://hub.docker.com/api/search/v3/catalog/search?query=nginx (recorded shape, fields trimmed). */
const SEARCH_V3 = {
  total: 2,
  results: [
    {
      id: 'nginx',
      name: 'nginx',
      slug: 'nginx',
      type: 'image',
      publisher: { id: 'docker', name: 'Docker Official Images' },
      short_description: 'Official build of Nginx.',
      badge: 'official',
      star_count: 20271,
      pull_count: '1B+',
      architectures: [{ name: 'amd64' }],
    },
    {
      id: 'bitnami/nginx',
      name: 'bitnami/nginx',
      slug: 'bitnami/nginx',
      type: 'image',
      publisher: { id: 'bitnami', name: 'VMware' },
      short_description: 'Bitnami container image for NGINX',
      badge: 'verified_publisher',
      star_count: 190,
      pull_count: '500M+',
    },
  ],
};

describe('Docker Hub responses', () => {
  it('reads a tags page: digest, last updated, size and platforms', () => {
    const page = parseHubTagsPage(TAGS_PAGE_1);
    expect(page.count).toBe(3);
    expect(page.next).toBe(TAGS_PAGE_1.next);
    expect(page.tags[0]).toEqual({
      name: 'latest',
      digest: 'sha256:4444444444444444444444444444444444444444444444444444444444444444',
      mediaType: 'application/vnd.oci.image.index.v1+json',
      lastUpdated: '2024-03-01T09:00:01.000000Z',
      lastUpdater: 'doijanky',
      fullSize: 71987382,
      images: [
        {
          platform: 'linux/amd64',
          digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
          size: 71987382,
          lastPushed: '2024-03-01T09:00:00.000000Z',
        },
        {
          platform: 'linux/arm64/v8',
          digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
          size: 68000000,
          lastPushed: '2024-03-01T09:00:00.000000Z',
        },
        {
          platform: 'unknown/unknown',
          digest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333',
          size: 12000,
          lastPushed: '2024-03-01T09:00:00.000000Z',
        },
      ],
    });
    expect(page.tags[1]).toEqual({ name: 'mainline', fullSize: 0, images: [] });
    expect(() => parseHubTagsPage({ detail: 'Not found' })).toThrow(/no "results"/);
  });

  it('reads v2 and v3 search answers', () => {
    expect(parseHubSearch(SEARCH_V2)).toEqual({
      count: 10000,
      hits: [
        { name: 'nginx', description: 'Official build of Nginx.', stars: 20271, pulls: 1000000000, official: true },
        { name: 'nginx/nginx-ingress', description: 'NGINX and  NGINX Plus Ingress Controllers for Kubernetes', stars: 95, pulls: 1234567, official: false },
      ],
    });
    expect(parseHubSearch(SEARCH_V3)).toEqual({
      count: 2,
      hits: [
        {
          name: 'nginx',
          description: 'Official build of Nginx.',
          stars: 20271,
          pulls: '1B+',
          official: true,
          badge: 'official',
          publisher: 'Docker Official Images',
        },
        {
          name: 'bitnami/nginx',
          description: 'Bitnami container image for NGINX',
          stars: 190,
          pulls: '500M+',
          official: false,
          badge: 'verified_publisher',
          publisher: 'VMware',
        },
      ],
    });
  });

  it('names Hub repositories and formats counts', () => {
    expect(hubRepository('library/nginx')).toEqual({ namespace: 'library', repository: 'nginx' });
    expect(hubRepository('a/b/c')).toBeUndefined();
    expect([formatCount(1000000000), formatCount(1234567), formatCount(20271), formatCount(95), formatCount('1B+')]).toEqual([
      '1.0B',
      '1.2M',
      '20k',
      '95',
      '1B+',
    ]);
  });
});

describe('HubClient', () => {
  function hub(routes: Record<string, () => Response>) {
    const calls: string[] = [];
    const fetchImpl = (async (input: RequestInfo | URL) => {
      const url = String(input);
      calls.push(url);
      const route = routes[url];
      return route ? route() : new Response('<!doctype html><title>Lading</title>', { headers: { 'content-type': 'text/html' } });
    }) as typeof fetch;
    return { client: new HubClient({ baseUrl: 'http://lading/hub/', fetch: fetchImpl }), calls };
  }
  const json = (v: unknown) => () => new Response(JSON.stringify(v), { headers: { 'content-type': 'application/json' } });

  it('follows next links moved onto the base URL', async () => {
    const { client, calls } = hub({
      'http://lading/hub/v2/namespaces/library/repositories/nginx/tags?page_size=2': json(TAGS_PAGE_1),
      'http://lading/hub/v2/namespaces/library/repositories/nginx/tags?page=2&page_size=2': json(TAGS_PAGE_2),
    });
    const listing = await client.tags('library', 'nginx', { pageSize: 2 });
    expect(listing.tags.map((t) => t.name)).toEqual(['latest', 'mainline', '1.27.3']);
    expect(listing).toMatchObject({ count: 3, pages: 2 });
    expect(calls).toHaveLength(2);
    const capped = await client.tags('library', 'nginx', { pageSize: 2, maxPages: 1 });
    expect(capped.capped).toEqual({ reason: 'pages', limit: 1 });
  });

  it('searches', async () => {
    const { client } = hub({ 'http://lading/hub/v2/search/repositories/?query=ngin%20x&page_size=10': json(SEARCH_V2) });
    await expect(client.search('ngin x')).resolves.toMatchObject({ hits: [{ name: 'nginx' }, { name: 'nginx/nginx-ingress' }] });
  });

  it('degrades with a clear error: no route (the SPA answers HTML), an HTTP error, no server', async () => {
    const { client } = hub({
      'http://lading/hub/v2/search/repositories/?query=x&page_size=10': () => new Response(JSON.stringify({ message: 'rate limited' }), { status: 429 }),
    });
    const html = await client.tags('library', 'nginx').catch((e: unknown) => e);
    expect(html).toBeInstanceOf(HubUnavailableError);
    expect((html as Error).message).toMatch(/not available through this Lading server/);
    await expect(client.search('x')).rejects.toThrow('Docker Hub search is not available: HTTP 429 — rate limited');
    const down = new HubClient({ baseUrl: 'http://lading/hub', fetch: (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch });
    await expect(down.search('x')).rejects.toMatchObject({ name: 'HubUnavailableError', status: 0 });
  });
});
