// The proxy's exported API (`proxy/src/index.ts`), as the CLI uses it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, startProxy, type RunningProxy } from '../src/index';
import { json, request, startServer, type TestServer } from './helpers';

describe('startProxy', () => {
  let registry: TestServer;
  let proxy: RunningProxy;
  beforeAll(async () => {
    registry = await startServer((req, res) => json(res, 200, { path: req.url }));
    // PORT and HOST would clash with a server the caller runs itself: they are ignored.
    proxy = await startProxy({ PORT: '1', HOST: '0.0.0.0', LADING_INSECURE_REGISTRIES: registry.host });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
  });

  it('listens on loopback, on a free port, configured from the environment it is given', async () => {
    expect(proxy.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/registry$/);
    expect(proxy.baseUrl.startsWith(proxy.origin)).toBe(true);
    expect(new URL(proxy.origin).port).not.toBe('1');
    const reply = await request(`${proxy.baseUrl}/${registry.host}/v2/a/tags/list`);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ path: '/v2/a/tags/list' });
  });

  it('throws ConfigError for an unusable variable', async () => {
    await expect(startProxy({ LADING_MAX_CONCURRENT: 'many' })).rejects.toBeInstanceOf(ConfigError);
  });
});
