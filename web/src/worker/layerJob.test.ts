import { describe, expect, it } from 'vitest';
import { foreignLayerUrl } from './layerJob';

describe('foreignLayerUrl', () => {
  it('points at the proxy origin and carries the URL and digest intact', () => {
    const url = 'https://go.microsoft.com/fwlink/?linkid=873595&a=b c';
    const digest = `sha256:${'a'.repeat(64)}`;
    const built = new URL(foreignLayerUrl('http://127.0.0.1:8080/registry', url, digest));
    expect(built.origin).toBe('http://127.0.0.1:8080');
    expect(built.pathname).toBe('/foreign');
    expect(built.searchParams.get('url')).toBe(url);
    expect(built.searchParams.get('digest')).toBe(digest);
  });
});
