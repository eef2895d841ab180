import { describe, expect, it } from 'vitest';
import { challengeScopes, parseWwwAuthenticate, selectChallenge } from '../src/challenge';

// Header values as registries send them (recorded shapes; repository names vary).
describe('parseWwwAuthenticate: real-world registries', () => {
  it('Docker Hub', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
      },
    ]);
  });

  it('GitHub Container Registry', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"');
    expect(ch?.params).toEqual({ realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' });
  });

  it('Quay', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:coreos/etcd:pull"');
    expect(ch?.params.realm).toBe('https://quay.io/v2/auth');
    expect(ch?.params.scope).toBe('repository:coreos/etcd:pull');
  });

  it('Google Container Registry', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://gcr.io/v2/token",service="gcr.io",scope="repository:google-containers/pause:pull"');
    expect(ch).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://gcr.io/v2/token', service: 'gcr.io', scope: 'repository:google-containers/pause:pull' },
    });
  });

  it('ECR Public (scope is not a repository scope)', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"');
    expect(ch?.params).toEqual({ realm: 'https://public.ecr.aws/token/', service: 'public.ecr.aws', scope: 'aws' });
  });

  it('ECR private (Basic with realm and service)', () => {
    const [ch] = parseWwwAuthenticate('Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"');
    expect(ch?.scheme).toBe('basic');
    expect(ch?.params.service).toBe('ecr.amazonaws.com');
  });

  it('nvcr.io: no service, scope inside the realm query with a comma', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://nvcr.io/proxy_auth?scope=repository:nvidia/cuda:pull,push"');
    expect(ch).toEqual({ scheme: 'bearer', params: { realm: 'https://nvcr.io/proxy_auth?scope=repository:nvidia/cuda:pull,push' } });
  });

  it('Azure Container Registry (no scope on the ping)', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"');
    expect(ch?.params).toEqual({ realm: 'https://myreg.azurecr.io/oauth2/token', service: 'myreg.azurecr.io' });
    expect(challengeScopes(ch!)).toEqual([]);
  });

  it('Harbor / distribution with push,pull actions', () => {
    const [ch] = parseWwwAuthenticate(
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:library/app:pull,push"',
    );
    expect(ch?.params.scope).toBe('repository:library/app:pull,push');
    expect(ch?.params.service).toBe('harbor-registry');
  });
});

describe('parseWwwAuthenticate: syntax', () => {
  it('lower-case scheme and upper-case parameter names', () => {
    expect(parseWwwAuthenticate('bearer REALM="https://r/token",Service="s"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://r/token', service: 's' } },
    ]);
  });

  it('two challenges on one line', () => {
    const challenges = parseWwwAuthenticate('Bearer realm="https://r/token",service="s", Basic realm="registry"');
    expect(challenges.map((c) => c.scheme)).toEqual(['bearer', 'basic']);
    expect(challenges[1]?.params).toEqual({ realm: 'registry' });
  });

  it('the RFC 9110 example: three challenges, escaped quotes, a token68-less Basic', () => {
    const challenges = parseWwwAuthenticate('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"');
    expect(challenges).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('several header lines (string array)', () => {
    const challenges = parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="https://b/token"']);
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });

  it('unquoted values, including URLs', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm=https://auth.example.com/token,service=example,scope=repository:a/b:pull');
    expect(ch?.params).toEqual({ realm: 'https://auth.example.com/token', service: 'example', scope: 'repository:a/b:pull' });
  });

  it('commas inside quotes and multiple scopes separated by spaces', () => {
    const [ch] = parseWwwAuthenticate('Bearer realm="https://r/t",scope="repository:a:pull,push repository:b:pull"');
    expect(challengeScopes(ch!)).toEqual(['repository:a:pull,push', 'repository:b:pull']);
  });

  it('whitespace around "=" and commas, and empty list elements', () => {
    const [ch] = parseWwwAuthenticate('Bearer  realm = "https://r/t" ,, service= "s" ,');
    expect(ch?.params).toEqual({ realm: 'https://r/t', service: 's' });
  });

  it('token68 challenges, alone and followed by another challenge', () => {
    expect(parseWwwAuthenticate('Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXY==, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'YIIBhgYGKwYBBQUCoIIBejCCAXY==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('a scheme without parameters', () => {
    expect(parseWwwAuthenticate('Basic')).toEqual([{ scheme: 'basic', params: {} }]);
  });

  it('an unterminated quoted string runs to the end', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://r/t')[0]?.params.realm).toBe('https://r/t');
  });

  it('empty and missing headers', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(' , ')).toEqual([]);
  });

  it('unquoted values followed by another challenge on the same line', () => {
    const challenges = parseWwwAuthenticate('BEARER realm=https://r.example/token,service=reg, Basic realm=fallback');
    expect(challenges).toEqual([
      { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'reg' } },
      { scheme: 'basic', params: { realm: 'fallback' } },
    ]);
    expect(selectChallenge(challenges)?.params.realm).toBe('https://r.example/token');
  });

  it('a quoted scope with commas, then a second challenge', () => {
    const challenges = parseWwwAuthenticate('Bearer realm="https://r/t",scope="repository:a/b:pull,push",error="insufficient_scope", Basic realm="x, y"');
    expect(challenges[0]?.params).toEqual({ realm: 'https://r/t', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' });
    expect(challenges[1]).toEqual({ scheme: 'basic', params: { realm: 'x, y' } });
  });

  it('a realm with a query string, quoted and unquoted', () => {
    expect(parseWwwAuthenticate('Bearer realm="https://nvcr.io/proxy_auth?scope=repository:a:pull,push"')[0]?.params.realm).toBe(
      'https://nvcr.io/proxy_auth?scope=repository:a:pull,push',
    );
    expect(parseWwwAuthenticate('Bearer realm=https://r/auth?x=1')[0]?.params.realm).toBe('https://r/auth?x=1');
  });

  it('the first occurrence of a repeated parameter wins', () => {
    expect(parseWwwAuthenticate('Bearer realm="a",realm="b"')[0]?.params.realm).toBe('a');
  });
});

describe('selectChallenge', () => {
  it('prefers Bearer with a realm, then Basic', () => {
    expect(selectChallenge(parseWwwAuthenticate('Basic realm="x", Bearer realm="https://r/t"'))?.scheme).toBe('bearer');
    expect(selectChallenge(parseWwwAuthenticate('Bearer service="no-realm", Basic realm="x"'))?.scheme).toBe('basic');
    expect(selectChallenge(parseWwwAuthenticate('Negotiate abc'))).toBeUndefined();
  });
});
