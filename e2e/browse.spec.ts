// Browsing, end to end: tags (sorted, paginated, filtered, switching keeps the view), a registry's
// catalog, BuildKit attestations (SBOM, provenance), referrers found through the referrers tag,
// a cosign signature's certificate, a Helm chart, and Docker Hub search. Everything runs against
// the plain registry (distribution 2.8) and the real proxy; expected values come from fixtures.json.
import { expectAccessible } from './harness/axe';
import { expect, test } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';
import type { BrowseFixtures } from './harness/fixtures';

test.use({ viewport: { width: 1280, height: 900 } });

function browse(): BrowseFixtures {
  const browseFixtures = loadEnv().fixtures.browse;
  if (!browseFixtures) throw new Error('fixtures.json has no "browse" (rebuild with e2e/fixtures/build.sh)');
  return browseFixtures;
}

const host = () => loadEnv().registries.plain.host;

/** The order people expect for lading/versions' tags (the registry lists them unsorted). */
const VERSION_ORDER = ['latest', '3', '3-slim', '2.0.0', '2.0.0-rc.1', '1.10.0', '1.10.0-alpine', '1.9.2', 'v0.9.0', 'edge', 'main', 'nightly'];

test('tags: version order across Link pages, filter, and another tag keeps platform and explorer state', async ({ page }) => {
  const env = loadEnv();
  const { versions } = browse();
  expect([...versions.tags.map((t) => t.tag)].sort()).toEqual([...VERSION_ORDER].sort());
  const list = fixtureTag(env.fixtures, 'lading/fixture:v2s2-list');
  const arm64 = list.platforms.find((p) => p.platform.architecture === 'arm64')!;

  // distribution 2.8 ignores `n` on tags/list (it pages only _catalog), so the registry's real
  // answer is cut into pages of 5 here, with the Link header distribution writes for the catalog.
  // The app must follow them as opaque URLs.
  const pagesServed: string[] = [];
  const tagsPath = `/registry/${host()}/v2/${versions.repository}/tags/list`;
  await page.route(
    (url) => url.pathname === tagsPath,
    async (route) => {
      const url = new URL(route.request().url());
      pagesServed.push(url.search);
      const n = Number(url.searchParams.get('n') ?? 1000);
      const last = url.searchParams.get('last');
      const upstream = await route.fetch({ url: `${url.origin}${url.pathname}` });
      const all = ((await upstream.json()) as { tags: string[] }).tags.sort();
      const start = last === null ? 0 : all.indexOf(last) + 1;
      const slice = all.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < all.length) headers.link = `<${url.pathname}?n=${n}&last=${encodeURIComponent(slice[slice.length - 1]!)}>; rel="next"`;
      await route.fulfill({ status: 200, headers, body: JSON.stringify({ name: versions.repository, tags: slice }) });
    },
  );
  await page.addInitScript(() => window.localStorage.setItem('lading:page-size', '5'));

  await page.goto(`/?image=${host()}/${versions.repository}:2.0.0&platform=linux/arm64/v8&view=tags&layer=1&mode=layer`);
  await expect(page.getByRole('radio', { name: 'linux/arm64/v8' })).toHaveAttribute('aria-checked', 'true');
  const tags = page.getByRole('list', { name: `Tags of ${host()}/${versions.repository}` }).getByRole('link');
  await expect(tags).toHaveText(VERSION_ORDER);
  expect(pagesServed).toEqual([
    '?n=5',
    `?n=5&last=${encodeURIComponent([...VERSION_ORDER].sort()[4]!)}`,
    `?n=5&last=${encodeURIComponent([...VERSION_ORDER].sort()[9]!)}`,
  ]);
  await expect(page.getByTestId('tag-count')).toContainText('12 tags, newest version first · 3 pages');
  await expect(tags.filter({ hasText: /^2\.0\.0$/ })).toHaveAttribute('aria-current', 'page');
  await page.screenshot({ path: screenshotPath('browse-tags') });
  await expectAccessible(page);

  await page.getByLabel('Filter tags').fill('1.');
  await expect(tags).toHaveText(['1.10.0', '1.10.0-alpine', '1.9.2']);
  await expect(page.getByTestId('tag-count')).toContainText('3 of 12 tags');
  await page.screenshot({ path: screenshotPath('browse-tags-filtered') });

  // 1.9.2 is the Docker manifest list over the same platforms: the view stays on arm64, the tags view, layer 1, layer mode.
  await tags.filter({ hasText: '1.9.2' }).click();
  await expect(page).toHaveURL(new RegExp(`image=${host()}/${versions.repository}:1\\.9\\.2&platform=linux/arm64/v8&view=tags&layer=1&mode=layer$`));
  await expect(page.getByTestId('resolved-digest')).toHaveText(list.digest);
  await expect(page.getByTestId('media-type')).toContainText('Docker manifest list');
  await expect(page.getByRole('radio', { name: 'linux/arm64/v8' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('platform-digest')).toHaveAttribute('title', arm64.digest);
  // The tags view stays open on the new tag, which is now the current one.
  await expect(tags.filter({ hasText: '1.9.2' })).toHaveAttribute('aria-current', 'page');
});

test('catalog: a bare registry host lists its repositories over Link pages; a tag opens the image', async ({ page }) => {
  const env = loadEnv();
  const other = fixtureTag(env.fixtures, 'lading/other:1.0');
  await page.addInitScript(() => window.localStorage.setItem('lading:page-size', '2'));
  await page.goto('/');
  await page.getByLabel('Image reference').fill(host());
  await page.getByRole('button', { name: 'Inspect' }).click();
  await expect(page).toHaveURL(new RegExp(`registry=${host()}$`));
  await expect(page.getByRole('heading', { name: host() })).toBeVisible();

  const repositories = page.getByRole('list', { name: `Repositories on ${host()}` }).getByRole('button');
  // The catalog of the plain registry: every fixture repository (other specs may push more).
  for (const name of ['lading/chart', 'lading/fixture', 'lading/other', 'lading/versions'])
    await expect(repositories.filter({ hasText: new RegExp(`^.${name}$`) })).toHaveCount(1);
  // distribution pages _catalog with n and Link: at 2 per page, at least 2 pages were followed.
  await expect(page.getByTestId('repository-count')).toContainText(/repositories · \d+ pages/);
  await page.screenshot({ path: screenshotPath('browse-catalog') });
  await expectAccessible(page);

  await page.getByLabel('Filter repositories').fill('oth');
  await expect(repositories).toHaveCount(1);
  await repositories.first().click();
  await page.getByRole('list', { name: 'Tags of lading/other' }).getByRole('link', { name: '1.0' }).click();
  await expect(page).toHaveURL(new RegExp(`image=${host()}/lading/other:1\\.0$`));
  await expect(page.getByTestId('resolved-digest')).toHaveText(other.digest);
});

test('attestations: the SBOM of linux/amd64 in :multi lists the packages with licenses and purls, and searches', async ({ page }) => {
  const env = loadEnv();
  const multi = fixtureTag(env.fixtures, 'lading/fixture:multi');
  const amd64 = multi.platforms.find((p) => p.platform.architecture === 'amd64')!;
  const attestation = multi.attestations.find((a) => a.refersTo === amd64.digest)!;
  const packages = env.fixtures.debianPackages['lading/fixture linux/amd64']!;

  await page.goto(`/?image=${host()}/${multi.repository}:${multi.tag}&view=referrers`);
  await page
    .getByRole('list', { name: 'Attestations' })
    .getByRole('link', { name: /for linux\/amd64/ })
    .click();
  await expect(page).toHaveURL(new RegExp(`attestation=${attestation.digest}`));
  const view = page.getByTestId('attestation-view');
  await expect(view.getByRole('tab', { name: /SBOM \(SPDX\)/ })).toHaveAttribute('aria-selected', 'true');

  const rows = view.getByRole('table', { name: 'Packages' }).locator('tbody tr');
  await expect(rows).toHaveCount(packages.length + 1); // the image itself, then one package per .deb
  for (const p of packages) {
    const row = rows.filter({ has: page.getByRole('cell', { name: p.name, exact: true }) });
    await expect(row).toContainText(p.version);
    await expect(row).toContainText(p.license!);
    await expect(row).toContainText(p.purl);
  }
  await page.screenshot({ path: screenshotPath('browse-sbom'), fullPage: true });
  await expectAccessible(page);

  await view.getByLabel('Search packages').fill('onig');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('libonig5');
  await view.getByLabel('Search packages').fill('MIT');
  await expect(rows.locator('td:first-child')).toHaveText(packages.filter((p) => p.license!.includes('MIT')).map((p) => p.name));
  await expect(page.getByTestId('sbom-count')).toContainText(`of ${packages.length + 1} packages`);
  await page.screenshot({ path: screenshotPath('browse-sbom-search'), fullPage: true });

  // The link is the state; back returns to the image, on the referrers view.
  await page.goBack();
  await expect(page.getByTestId('attestation-view')).toHaveCount(0);
  await expect(page.getByRole('radio', { name: 'linux/amd64' })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('tab', { name: 'Referrers' })).toHaveAttribute('aria-selected', 'true');
});

test('attestations: provenance shows builder, build arguments and materials (SLSA v0.2 for amd64, v1 for arm64)', async ({ page }) => {
  const env = loadEnv();
  const multi = fixtureTag(env.fixtures, 'lading/fixture:multi');
  for (const arch of ['amd64', 'arm64'] as const) {
    const platform = multi.platforms.find((p) => p.platform.architecture === arch)!;
    const attestation = multi.attestations.find((a) => a.refersTo === platform.digest)!;
    const predicateType = attestation.layers.find((l) => l.predicateType.startsWith('https://slsa.dev/provenance/'))!.predicateType;
    const packages = env.fixtures.debianPackages[`lading/fixture linux/${arch}`]!;

    await page.goto(`/?image=${host()}/${multi.repository}:${multi.tag}&attestation=${attestation.digest}&statement=provenance`);
    const provenance = page.getByTestId('provenance');
    await expect(page.getByRole('tab', { name: /Provenance/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tab', { name: /Provenance/ })).toContainText(arch === 'amd64' ? 'SLSA v0.2' : 'SLSA v1');
    expect(predicateType).toBe(arch === 'amd64' ? 'https://slsa.dev/provenance/v0.2' : 'https://slsa.dev/provenance/v1');
    await expect(page.getByTestId('provenance-builder')).toHaveText('https://lading.invalid/e2e/fixtures/build.sh');
    const args = provenance.getByRole('table', { name: 'Build arguments' });
    await expect(args.getByRole('row', { name: /SOURCE_DATE_EPOCH/ })).toContainText(String(env.fixtures.sourceDateEpoch));
    await expect(args.getByRole('row', { name: /PACKAGES/ })).toContainText(packages.map((p) => p.name).join(' '));
    const materials = provenance.getByRole('table', { name: arch === 'amd64' ? 'Materials' : 'Resolved dependencies' }).getByRole('row');
    await expect(materials).toHaveCount(packages.length);
    for (const [i, p] of packages.entries()) {
      await expect(materials.nth(i)).toContainText(p.purl);
      await expect(materials.nth(i)).toContainText(`sha256:${p.sha256}`);
    }
    await page.screenshot({ path: screenshotPath(`browse-provenance-${arch}`), fullPage: true });
  }
  await expectAccessible(page);
});

test('referrers: found through the sha256-<hex> tag for :amd64, with the cosign .sig; the signature shows its certificate', async ({ page }) => {
  const env = loadEnv();
  const amd64 = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  const { referrers, signature } = browse();
  expect(referrers.subject).toBe(amd64.digest);

  await page.goto(`/?image=${host()}/${amd64.repository}:${amd64.tag}&view=referrers`);
  const list = page.getByRole('list', { name: 'Referrers of this image' });
  const items = list.getByRole('listitem');
  // The referrers lookup shares the connection with the layers being read: give it time on a busy machine.
  await expect(items).toHaveCount(referrers.artifacts.length + 1, { timeout: 20_000 });
  for (const artifact of referrers.artifacts) {
    await expect(items.filter({ hasText: artifact.artifactType }).filter({ hasText: 'referrers tag' })).toHaveCount(1);
  }
  await expect(items.filter({ hasText: 'cosign .sig tag' })).toHaveCount(1);
  await expect(page.getByTestId('referrers')).toContainText(`from the tag ${referrers.tag} (this registry has no referrers API)`);
  await page.getByRole('region', { name: 'Signatures, SBOMs and other referrers' }).screenshot({ path: screenshotPath('browse-referrers') });
  await expectAccessible(page);

  // The cosign tag: the signature, the payload it signs, the certificate (subject, issuer, SANs, OIDC issuer), the Rekor entry.
  await items.filter({ hasText: 'cosign .sig tag' }).getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`image=${host()}/${amd64.repository}@${signature.digest}$`));
  await expect(page.getByRole('heading', { name: 'Not a container image: a cosign signature' })).toBeVisible();
  await expect(page.getByTestId('signer-identity')).toHaveText(signature.certificate.email);
  await expect(page.getByTestId('certificate-subject')).toHaveText(signature.certificate.subject);
  const certificate = page.getByTestId('signing-certificate');
  await expect(certificate).toContainText(signature.certificate.issuer);
  await expect(certificate).toContainText('self-signed');
  await expect(certificate).toContainText(signature.certificate.uri);
  await expect(certificate).toContainText(signature.certificate.oidcIssuer);
  await expect(page.getByTestId('signed-digest')).toHaveText(signature.signs);
  await expect(page.getByTestId('rekor-index')).toContainText(`log index ${signature.rekorLogIndex}`);
  await expect(page.getByTestId('artifact-subject')).toHaveText(amd64.digest);
  await page.screenshot({ path: screenshotPath('browse-signature'), fullPage: true });
  await expectAccessible(page);

  // The SPDX referrer: an artifact whose layer is a bare SPDX document.
  const sbom = referrers.artifacts.find((a) => a.artifactType === 'application/spdx+json')!;
  await page.goto(`/?image=${host()}/${amd64.repository}@${sbom.digest}`);
  await expect(page.getByRole('heading', { name: 'Not a container image: an SBOM' })).toBeVisible();
  await expect(page.getByTestId('artifact-type')).toHaveText('application/spdx+json');
  await expect(page.getByRole('table', { name: 'Packages' }).locator('tbody tr')).toHaveCount(
    env.fixtures.debianPackages['lading/fixture linux/amd64']!.length + 1,
  );
  // Its subject links back to the image.
  await page.getByTestId('artifact-subject').click();
  await expect(page.getByTestId('resolved-digest')).toHaveText(amd64.digest);
});

test('a Helm chart shows as an artifact: type, config, layers and Chart.yaml', async ({ page }) => {
  const { chart } = browse();
  await page.goto(`/?image=${host()}/${chart.repository}:${chart.tag}`);
  await expect(page.getByRole('heading', { name: 'Not a container image: a Helm chart' })).toBeVisible();
  await expect(page.getByTestId('artifact-type')).toHaveText(chart.configMediaType);
  const layers = page.getByRole('table', { name: 'Artifact layers' }).locator('tbody tr');
  await expect(layers).toHaveCount(chart.layers.length);
  for (const [i, layer] of chart.layers.entries()) {
    await expect(layers.nth(i)).toContainText(layer.mediaType);
    await expect(layers.nth(i).locator('td[title]')).toHaveAttribute('title', layer.digest);
  }
  const helm = page.getByTestId('helm-chart');
  await expect(helm).toContainText(chart.name);
  await expect(helm).toContainText(chart.version);
  // No layer is read as a filesystem.
  await expect(page.getByRole('tree', { name: 'Files' })).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('browse-helm'), fullPage: true });
  await expectAccessible(page);
});

test('Docker Hub search: results as you type; a clear message when the Hub cannot be reached', async ({ page }) => {
  // hub.docker.com is not reachable from the test machine. The proxy's /hub route is what the app
  // calls; here its answers are replaced: first a recorded search answer, then the proxy's error.
  let answer: 'results' | 'error' = 'results';
  await page.route(
    (url) => url.pathname === '/hub/v2/search/repositories/',
    async (route) => {
      const query = new URL(route.request().url()).searchParams.get('query');
      if (answer === 'error') {
        await route.fulfill({
          status: 502,
          headers: { 'content-type': 'application/json', 'x-lading-error-source': 'proxy' },
          body: JSON.stringify({ errors: [{ code: 'PROXY_DNS_FAILURE', message: 'Could not resolve hub.docker.com' }] }),
        });
        return;
      }
      await route.fulfill({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          count: 2,
          next: null,
          previous: null,
          results: [
            {
              repo_name: 'postgres',
              short_description: `The PostgreSQL object-relational database system (query "${query}")`,
              star_count: 14000,
              pull_count: 1000000000,
              repo_owner: '',
              is_automated: false,
              is_official: true,
            },
            {
              repo_name: 'bitnami/postgresql',
              short_description: 'Bitnami container image for PostgreSQL',
              star_count: 250,
              pull_count: 500000000,
              repo_owner: '',
              is_automated: false,
              is_official: false,
            },
          ],
        }),
      });
    },
  );
  await page.goto('/');
  const box = page.getByLabel('Search Docker Hub repositories');
  await box.fill('postgres');
  const hits = page.getByRole('list', { name: 'Docker Hub repositories' }).getByRole('link');
  await expect(hits).toHaveCount(2);
  await expect(hits.first()).toContainText('postgres');
  await expect(hits.first()).toContainText('Docker Official Image');
  await expect(hits.first()).toContainText('1.0B pulls');
  await expect(hits.nth(1)).toContainText('bitnami/postgresql');
  await page.screenshot({ path: screenshotPath('browse-hub-search'), fullPage: true });
  await expectAccessible(page);

  answer = 'error';
  await box.fill('redis');
  await expect(page.getByTestId('hub-search-error')).toContainText(
    'Docker Hub search is not available: HTTP 502 — Could not resolve hub.docker.com. You can still type a reference above.',
  );
  await page.screenshot({ path: screenshotPath('browse-hub-unavailable'), fullPage: true });
  // Choosing a result opens it as an image reference.
  answer = 'results';
  await box.fill('postgres ');
  await expect(hits).toHaveCount(2);
  await expect(hits.first()).toHaveAttribute('href', '/?image=postgres');
});

test('browse screens in the dark theme: readable and accessible', async ({ page }) => {
  const env = loadEnv();
  const multi = fixtureTag(env.fixtures, 'lading/fixture:multi');
  const { signature } = browse();
  await page.emulateMedia({ colorScheme: 'dark' });
  const screens: [string, string, string][] = [
    ['browse-dark-catalog', `/?registry=${host()}`, 'repository-count'],
    ['browse-dark-sbom', `/?image=${host()}/${multi.repository}:${multi.tag}&attestation=${multi.attestations[0]!.digest}`, 'sbom'],
    ['browse-dark-signature', `/?image=${host()}/${signature.repository}:${signature.tag}`, 'signing-certificate'],
  ];
  for (const [name, url, ready] of screens) {
    await page.goto(url);
    await expect(page.getByTestId(ready)).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.screenshot({ path: screenshotPath(name), fullPage: true });
    await expectAccessible(page);
  }
});
