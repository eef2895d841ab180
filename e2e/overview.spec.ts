// The image overview, end to end: a real registry, the real proxy, Debian's Chromium. The header
// names the image; the Layers and Config views (view=layers, view=config) hold the rest.
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';

const ref = (host: string, repository: string, tag: string) => `${host}/${repository}:${tag}`;

async function openByUrl(page: Page, reference: string, platform?: string, view?: string) {
  const params = new URLSearchParams({ image: reference, ...(platform ? { platform } : {}), ...(view ? { view } : {}) });
  await page.goto(`/?${params.toString()}`);
}

const tab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name });

function layersTable(page: Page) {
  return page.getByRole('table', { name: /Layers/ });
}

async function layerDigests(page: Page): Promise<string[]> {
  const codes = layersTable(page).locator('code[data-digest]');
  return codes.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-digest') ?? ''));
}

test('opens a single-platform image by URL: digest, config, history and layers', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  const image = tag.platforms[0]!.image;
  await openByUrl(page, ref(env.registries.plain.host, tag.repository, tag.tag));

  await expect(page.getByTestId('resolved-digest')).toHaveText(tag.digest);
  await expect(page.getByTestId('media-type')).toContainText('OCI image manifest');
  await page.screenshot({ path: screenshotPath('overview-single-image') });

  await tab(page, 'Layers').click();

  // Layers: every descriptor, in order, with the history command matched by skipping empty layers.
  await expect.poll(() => layerDigests(page)).toEqual(image.layers.map((l) => l.digest));
  const rows = layersTable(page).locator('tbody tr');
  for (const [i, layer] of image.layers.entries()) {
    // The tail of the recorded command: whatever prefix the display rewrites, this part stays.
    const tail = layer.createdBy
      .replace(/ # buildkit$/, '')
      .split(/\s+/)
      .slice(-2)
      .join(' ');
    await expect(rows.nth(i)).toContainText(tail);
  }
  await expect(page.getByTestId('layers-total')).toBeVisible();

  await page.screenshot({ path: screenshotPath('overview-single-image-layers') });

  // Config: env, cmd, labels, workdir, user, ports, volumes; the manifest's pull command above it.
  await tab(page, 'Config').click();
  await expect(page.getByTestId('pull-command')).toHaveText(`docker pull ${env.registries.plain.host}/${tag.repository}@${tag.digest}`);
  const config = page.getByRole('region', { name: 'Config' });
  for (const e of image.imageConfig.env) await expect(config.getByRole('list', { name: 'Environment' })).toContainText(e);
  await expect(config).toContainText(JSON.stringify(image.imageConfig.cmd));
  for (const [k, v] of Object.entries(image.imageConfig.labels)) await expect(config.getByRole('list', { name: 'Labels' })).toContainText(`${k}=${v}`);
  await expect(config).toContainText(image.imageConfig.workingDir);
  await expect(config).toContainText(image.imageConfig.user);
  for (const port of image.imageConfig.exposedPorts) await expect(config).toContainText(port);

  // History: every step, empty ones marked.
  const history = page.getByRole('list', { name: 'Dockerfile history' }).locator('li');
  await expect(history).toHaveCount(image.history.length);
  const emptyCount = image.history.filter((h) => h.emptyLayer).length;
  await expect(page.locator('li[data-empty-layer="true"]')).toHaveCount(emptyCount);
  expect(emptyCount).toBeGreaterThan(0);
  await page.screenshot({ path: screenshotPath('overview-single-image-config') });
});

test('opens an image by typing its reference', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/other:1.0');
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'See what a container image is made of' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('landing'), fullPage: true });
  await page.getByLabel('Image reference').fill(ref(env.registries.plain.host, tag.repository, tag.tag));
  await page.getByRole('button', { name: 'Inspect' }).click();
  await expect(page.getByTestId('resolved-digest')).toHaveText(tag.digest);
  await expect(page).toHaveURL(new RegExp(`image=${env.registries.plain.host}/lading/other:1.0`));
  await page.keyboard.press('4');
  await expect.poll(() => layerDigests(page)).toEqual(tag.platforms[0]!.image.layers.map((l) => l.digest));
});

test('multi-platform index: defaults to amd64, arm64 changes the layers, attestations are labelled', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:multi');
  const amd64 = tag.platforms.find((p) => p.platform.architecture === 'amd64')!;
  const arm64 = tag.platforms.find((p) => p.platform.architecture === 'arm64')!;
  await openByUrl(page, ref(env.registries.plain.host, tag.repository, tag.tag), undefined, 'layers');

  await expect(page.getByTestId('media-type')).toContainText('OCI image index');
  const platforms = page.getByRole('radiogroup', { name: /Platforms/ });
  await expect(platforms.getByRole('radio')).toHaveText(['linux/amd64', 'linux/arm64/v8']);
  await expect(platforms.getByRole('radio', { name: 'linux/amd64' })).toHaveAttribute('aria-checked', 'true');
  await expect.poll(() => layerDigests(page)).toEqual(amd64.image.layers.map((l) => l.digest));

  await page.screenshot({ path: screenshotPath('overview-index-amd64') });

  // Attestations are listed apart (in the referrers view), tied to their platform, and not offered as platforms.
  await tab(page, 'Referrers').click();
  const attestations = page.getByRole('list', { name: 'Attestations' }).locator('li');
  await expect(attestations).toHaveCount(tag.attestations.length);
  await expect(attestations.first()).toContainText('attestation');
  await expect(page.getByRole('list', { name: 'Attestations' })).toContainText('for linux/amd64');
  await expect(platforms.getByRole('radio', { name: /unknown/ })).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('overview-index-referrers') });

  // Another platform keeps the view.
  await tab(page, 'Layers').click();
  await platforms.getByRole('radio', { name: 'linux/arm64/v8' }).click();
  await expect(page).toHaveURL(/platform=linux\/arm64\/v8&view=layers/);
  await expect(page.getByTestId('platform-digest')).toHaveAttribute('title', arm64.digest);
  await expect.poll(() => layerDigests(page)).toEqual(arm64.image.layers.map((l) => l.digest));
  await tab(page, 'Config').click();
  await expect(page.getByRole('region', { name: 'Config' })).toContainText('linux/arm64');
  await page.screenshot({ path: screenshotPath('overview-index-arm64') });
  await tab(page, 'Layers').click();

  // The link is the state: a fresh page on the copied URL shows the same platform.
  const url = page.url();
  const second = await page.context().newPage();
  await second.goto(url);
  await expect(second.getByRole('radio', { name: 'linux/arm64/v8' })).toHaveAttribute('aria-checked', 'true');
  await expect.poll(() => layerDigests(second)).toEqual(arm64.image.layers.map((l) => l.digest));
  // Back returns to the default platform (through the views visited on the way).
  await page.goBack();
  await page.goBack();
  await page.goBack();
  await expect(platforms.getByRole('radio', { name: 'linux/amd64' })).toHaveAttribute('aria-checked', 'true');
});

test('Docker schema 2 manifest and manifest list work', async ({ page }) => {
  const env = loadEnv();
  const single = fixtureTag(env.fixtures, 'lading/fixture:v2s2');
  await openByUrl(page, ref(env.registries.plain.host, single.repository, single.tag), undefined, 'layers');
  await expect(page.getByTestId('media-type')).toContainText('Docker image manifest (schema 2)');
  await expect.poll(() => layerDigests(page)).toEqual(single.platforms[0]!.image.layers.map((l) => l.digest));

  const list = fixtureTag(env.fixtures, 'lading/fixture:v2s2-list');
  await openByUrl(page, ref(env.registries.plain.host, list.repository, list.tag), 'linux/arm64', 'layers');
  await expect(page.getByTestId('media-type')).toContainText('Docker manifest list');
  const arm64 = list.platforms.find((p) => p.platform.architecture === 'arm64')!;
  await expect(page.getByRole('radio', { name: /linux\/arm64/ })).toHaveAttribute('aria-checked', 'true');
  await expect.poll(() => layerDigests(page)).toEqual(arm64.image.layers.map((l) => l.digest));
  await page.screenshot({ path: screenshotPath('overview-v2s2-list') });
});

test('a registry with basic auth works through the proxy credentials', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  await openByUrl(page, ref(env.registries.basic.host, tag.repository, tag.tag), undefined, 'layers');
  await expect(page.getByTestId('resolved-digest')).toHaveText(tag.digest);
  await expect.poll(() => layerDigests(page)).toEqual(tag.platforms[0]!.image.layers.map((l) => l.digest));
});

test.describe('errors are clear and specific', () => {
  test('a malformed reference says which part is wrong, typed or in the URL', async ({ page }) => {
    await page.goto('/');
    await page.getByLabel('Image reference').fill('127.0.0.1:5000/Lading/fixture:amd64');
    await page.getByRole('button', { name: 'Inspect' }).click();
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Invalid reference (path)');
    await expect(alert).toContainText('must be lowercase');
    await expect(page).toHaveURL(/\/$/);
    await page.screenshot({ path: screenshotPath('error-bad-reference') });

    await openByUrl(page, 'nginx@sha256:abc');
    await expect(page.getByRole('alert')).toContainText('Invalid reference (digest)');
  });

  test('an unknown tag and an unknown repository say which', async ({ page }) => {
    const env = loadEnv();
    const { tag, repository } = env.fixtures.missing;
    await openByUrl(page, ref(env.registries.plain.host, tag.repository, tag.tag));
    await expect(page.getByRole('alert')).toContainText('Tag not found');
    await expect(page.getByRole('alert')).toContainText(`"${tag.tag}"`);
    await page.screenshot({ path: screenshotPath('error-unknown-tag') });

    await openByUrl(page, ref(env.registries.plain.host, repository.repository, repository.tag));
    await expect(page.getByRole('alert')).toContainText('Repository not found');
    await expect(page.getByRole('alert')).toContainText(repository.repository);
    await page.screenshot({ path: screenshotPath('error-unknown-repository') });
  });

  test('a registry the proxy cannot reach says so', async ({ page }) => {
    // Port 9 (discard) on loopback: nothing listens, and it is not in LADING_INSECURE_REGISTRIES.
    await openByUrl(page, '127.0.0.1:9/lading/fixture:amd64');
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('alert')).toContainText(/refused|Not allowed|LADING_INSECURE_REGISTRIES/);
  });
});

test.describe('registry rate limits', () => {
  test('the pull quota a registry reports is shown with the image', async ({ page }) => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, 'lading/other:1.0');
    // The local registry sends no quota headers; add Docker Hub's to its real answer.
    await page.route('**/manifests/1.0', async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '203.0.113.7' },
      });
    });
    await openByUrl(page, ref(env.registries.plain.host, tag.repository, tag.tag));
    await expect(page.getByTestId('rate-limit')).toHaveText('76 of 100 pulls left per 6 h, counted for 203.0.113.7');
  });

  test('a 429 says when to retry', async ({ page }) => {
    const env = loadEnv();
    await page.route('**/manifests/limited', (route) =>
      route.fulfill({
        status: 429,
        contentType: 'application/json',
        headers: { 'retry-after': '120', 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' },
        body: JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] }),
      }),
    );
    await openByUrl(page, ref(env.registries.plain.host, 'lading/fixture', 'limited'));
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Rate limit reached');
    await expect(alert).toContainText('The limit is 100 pulls per 6 h, 0 left');
    await expect(alert).toContainText(/Retry in (1|2) min/);
    await page.screenshot({ path: screenshotPath('error-rate-limit') });
  });
});
