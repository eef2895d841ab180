// What global-setup hands to specs: the proxy URL, the registries and the fixtures. Specs call
// loadEnv() inside tests; it reads the env.json of the current run (LADING_E2E_ENV, set by
// global-setup for the workers), or e2e/.artifacts/env.json, which is the latest run's.
//
// The registries are CNCF distribution 2.8: a manifest GET/HEAD without the OCI types in Accept is
// a 404 for OCI manifests (send MANIFEST_ACCEPT), and tags/list is not sorted.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FixturesFile, PackageFixturesFile } from './fixtures';
import { artifactsDir, screenshotsDir } from './paths';

export type {
  DebianPackage,
  Descriptor,
  FixtureAttestation,
  FixtureAttestationLayer,
  FixtureHistoryEntry,
  FixtureImage,
  FixtureImageConfig,
  FixtureLayer,
  FixturePlatformManifest,
  FixtureReference,
  FixtureSource,
  FixtureTag,
  FixturesFile,
  PackageFixtureImage,
  PackageFixtureReference,
  PackageFixturesFile,
  Platform,
  TocFixtures,
  TocFixtureTag,
  TocLayerFacts,
  TocSampleFile,
  WhiteoutFacts,
} from './fixtures';
export { FIXTURE_REFERENCES, PACKAGE_FIXTURE_REFERENCES, blobDescriptors, fixtureTag, loadFixtures, loadPackageFixtures, manifestDigests } from './fixtures';
export { MANIFEST_ACCEPT, basicAuth } from './net';

export interface RegistryEnv {
  /** `127.0.0.1:PORT`, reached over plain http. */
  host: string;
  storageDir: string;
}

export interface BasicAuthRegistryEnv extends RegistryEnv {
  user: string;
  password: string;
}

/** distribution with `auth: token`, trusting the e2e token server (e2e/harness/tokenServer.ts). */
export interface TokenRegistryEnv extends RegistryEnv {
  /** `http://127.0.0.1:PORT/token`: the realm the registry names. */
  realm: string;
  /** `127.0.0.1:PORT` of the token server (in the proxy's LADING_ALLOW_HOSTS). */
  tokenServerHost: string;
  service: string;
  /** The token server's account; the proxy has it in its docker config. */
  user: string;
  password: string;
}

export interface E2EEnv {
  /** `http://127.0.0.1:PORT`, the Lading proxy (also Playwright's baseURL). */
  proxyUrl: string;
  registries: {
    /** No auth; holds every fixture tag. */
    plain: RegistryEnv;
    /** htpasswd basic auth; holds lading/fixture:amd64 (the proxy has its credentials). */
    basic: BasicAuthRegistryEnv;
    /** No auth; holds lading/fixture:amd64. Specs may damage its storage (one spec file owns it). */
    scratch: RegistryEnv;
    /** Token auth (a JWT per scope); holds lading/fixture:amd64 (the proxy has its credentials). */
    token: TokenRegistryEnv;
  };
  /** The docker config.json the proxy reads (LADING_DOCKER_CONFIG). */
  dockerConfigPath: string;
  /** Which references were pushed to the basic-auth registry. */
  basicTags: string[];
  /** Which references were pushed to the token-auth registry. */
  tokenTags: string[];
  fixtures: FixturesFile;
  /** The package-database images (e2e/fixtures/packages.sh), pushed to the plain registry. */
  packageFixtures: PackageFixturesFile;
}

export const defaultEnvPath = join(artifactsDir, 'env.json');

let cached: E2EEnv | undefined;

export function loadEnv(): E2EEnv {
  if (!cached) {
    const path = process.env.LADING_E2E_ENV || defaultEnvPath;
    try {
      cached = JSON.parse(readFileSync(path, 'utf8')) as E2EEnv;
    } catch (err) {
      throw new Error(`cannot read the e2e environment from ${path} (did global-setup run?): ${String(err)}`);
    }
  }
  return cached;
}

/** The file where a registry keeps a blob: distribution's filesystem driver layout. */
export function blobDataPath(registry: RegistryEnv, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(registry.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

/** Where a spec saves a screenshot meant for people: e2e/screenshots/<name>.png. */
export function screenshotPath(name: string): string {
  return join(screenshotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
}
