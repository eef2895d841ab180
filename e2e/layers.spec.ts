// The layer engine in the browser: every layer streamed, verified and indexed in workers.
import { randomBytes } from 'node:crypto';
import { openSync, closeSync, writeSync, statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { blobDataPath, fixtureTag, loadEnv, screenshotPath, type FixtureImage } from './harness/env';

/** Opens the image on its Layers view (view=layers): the table with every layer's status. */
async function open(page: Page, reference: string, extra: Record<string, string> = {}) {
  await page.goto(`/?${new URLSearchParams({ image: reference, view: 'layers', ...extra }).toString()}`);
}

const status = (page: Page) => page.getByRole('status').filter({ hasText: /Analysis|Analysing/ });
const rows = (page: Page) => page.getByRole('table', { name: /Layers/ }).locator('tbody tr');

/** Every row verified, with the entry count the fixture build counted with `tar -t`. */
async function expectAllVerified(page: Page, image: FixtureImage) {
  await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
  await expect(rows(page)).toHaveCount(image.layers.length);
  for (const [i, layer] of image.layers.entries()) {
    const row = rows(page).nth(i);
    await expect(row.locator('[data-layer-status]')).toHaveAttribute('data-layer-status', 'verified');
    await expect(row.locator('td').nth(4)).toHaveText(layer.entryCount.toLocaleString('en'));
  }
  await expect(page.getByRole('progressbar', { name: 'Overall analysis progress' })).toHaveAttribute('aria-valuenow', '100');
}

for (const name of ['lading/fixture:amd64', 'lading/fixture:zstd', 'lading/fixture:uncompressed'] as const) {
  test(`${name}: every layer is read, verified and indexed`, async ({ page }) => {
    const env = loadEnv();
    const tag = fixtureTag(env.fixtures, name);
    const image = tag.platforms[0]!.image;
    const workerStarted = page.waitForEvent('worker');
    await open(page, `${env.registries.plain.host}/${tag.repository}:${tag.tag}`);
    await expectAllVerified(page, image);
    // The workers hash with WebAssembly; a CSP refusing it would silently fall back to the 2x slower JS hash.
    const worker = await workerStarted;
    const wasm = await worker.evaluate(async () => {
      try {
        await WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        return 'ok';
      } catch (error) {
        return String(error);
      }
    });
    expect(wasm).toBe('ok');
    const total = image.layers.reduce((s, l) => s + l.uncompressedSize, 0);
    await expect(page.getByTestId('layers-uncompressed-total')).toBeVisible();
    expect(total).toBeGreaterThan(0);
    await page.screenshot({ path: screenshotPath(`layers-${tag.tag}`), fullPage: true });
  });
}

test('gzip: WebAssembly by default, multi-member layers read again with pako; inflater=pako and inflater=native as asked', async ({ page }) => {
  const env = loadEnv();
  const host = env.registries.plain.host;
  const multi = fixtureTag(env.fixtures, 'lading/fixture:multimember');
  const single = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  // Count the blob requests the workers make through the proxy: a layer read again is fetched twice.
  const blobRequests = new Map<string, number>();
  page.on('request', (request) => {
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(request.url())?.[1];
    if (digest) blobRequests.set(digest, (blobRequests.get(digest) ?? 0) + 1);
  });
  const expectInflater = async (tag: typeof multi, inflater: string, requests: number): Promise<void> => {
    const image = tag.platforms[0]!.image;
    await expectAllVerified(page, image);
    for (const [i, layer] of image.layers.entries()) {
      await expect(rows(page).nth(i).locator('[data-layer-status]')).toHaveAttribute('data-inflater', inflater);
      expect(blobRequests.get(layer.digest), `blob requests for layer ${i + 1}`).toBe(requests);
    }
  };
  const clearCache = async (): Promise<void> => {
    await page.getByRole('button', { name: 'Clear cache' }).click();
    await expect(page.getByTestId('cache-stats')).toContainText('0 layers');
    blobRequests.clear();
  };

  // The default: miniz_oxide in WebAssembly, which stops after the first member: those layers are read again with pako.
  await open(page, `${host}/${multi.repository}:${multi.tag}`);
  await expectInflater(multi, 'pako-after-wasm', 2);
  await expect(rows(page).first().locator('[data-layer-status]')).toHaveAttribute('title', /multi-member or damaged/);
  await open(page, `${host}/${single.repository}:${single.tag}`);
  await expectInflater(single, 'wasm', 1);
  // pako alone, asked for: every member in one pass.
  await clearCache();
  await open(page, `${host}/${multi.repository}:${multi.tag}`, { inflater: 'pako' });
  await expectInflater(multi, 'pako', 1);
  // The browser's DecompressionStream, asked for: it too stops after the first member.
  await clearCache();
  await open(page, `${host}/${multi.repository}:${multi.tag}`, { inflater: 'native' });
  await expectInflater(multi, 'pako-after-native', 2);
  await expect(rows(page).first().locator('[data-layer-status]')).toHaveAttribute('title', /multi-member/);
  blobRequests.clear();
  await open(page, `${host}/${single.repository}:${single.tag}`, { inflater: 'native' });
  await expectInflater(single, 'native', 1);
});

test('reopening an image reads its layers from the cache; clearing the cache reads them again', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/other:1.0');
  const image = tag.platforms[0]!.image;
  await open(page, `${env.registries.plain.host}/${tag.repository}:${tag.tag}`);
  await expectAllVerified(page, image);
  await expect(page.getByTestId('cache-stats')).toContainText(`${image.layers.length} layers`);

  await page.reload();
  await expect(status(page)).toHaveText('Analysis complete');
  await expect(rows(page).getByText('cached')).toHaveCount(image.layers.length);

  await page.getByRole('button', { name: 'Clear cache' }).click();
  await expect(page.getByTestId('cache-stats')).toContainText('0 layers');
  await page.reload();
  await expectAllVerified(page, image);
  await expect(rows(page).getByText('cached')).toHaveCount(0);
});

test('a corrupt blob shows its error on its own layer while the others finish', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  const image = tag.platforms[0]!.image;
  // Damage the largest layer in the scratch registry's storage: random bytes in the middle.
  const victimIndex = image.layers.reduce((best, l, i, all) => (l.size > all[best]!.size ? i : best), 0);
  const victim = image.layers[victimIndex]!;
  const file = blobDataPath(env.registries.scratch, victim.digest);
  expect(statSync(file).size).toBe(victim.size);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, randomBytes(4096), 0, 4096, Math.floor(victim.size / 2));
  } finally {
    closeSync(fd);
  }

  await open(page, `${env.registries.scratch.host}/${tag.repository}:${tag.tag}`);
  await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
  for (const [i] of image.layers.entries()) {
    const cell = rows(page).nth(i).locator('[data-layer-status]');
    await expect(cell).toHaveAttribute('data-layer-status', i === victimIndex ? 'error' : 'verified');
  }
  const bad = rows(page).nth(victimIndex).locator('[data-layer-status]');
  await expect(bad).toContainText('not verified');
  await expect(bad).toContainText(`digest mismatch: expected ${victim.digest}`);
  await expect(bad).toContainText(/gzip error at compressed byte \d+/);
  await expect(page.getByText('1 layer with problems')).toBeVisible();
  await page.screenshot({ path: screenshotPath('layers-corrupt-blob'), fullPage: true });
});
