// Images with no registry: archives opened from disk (file picker and drag and drop) and the offline sample.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';
import { artifactsDir, repoRoot } from './harness/paths';

const dir = join(artifactsDir, 'tmp', 'archives');
const archive = (name: string) => join(dir, name);

test.beforeAll(() => {
  const env = loadEnv();
  const amd64 = fixtureTag(env.fixtures, 'lading/fixture:amd64').source.skopeoRef;
  const multi = fixtureTag(env.fixtures, 'lading/fixture:multi').source.skopeoRef;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const copy = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', ...args], { cwd: repoRoot });
  copy(amd64, `docker-archive:${archive('docker-save.tar')}:lading/fixture:amd64`);
  copy('--preserve-digests', amd64, `oci-archive:${archive('oci.tar')}:amd64`);
  copy('--all', '--preserve-digests', multi, `oci-archive:${archive('multi.tar')}:multi`);
});

const status = (page: Page) => page.getByRole('status').filter({ hasText: /Analysis|Analysing/ });

async function expectAnalysed(page: Page, layerCount: number) {
  await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
  await expect(page.locator('[data-layer-status="verified"]')).toHaveCount(layerCount);
  await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible();
}

test('the offline sample opens from the landing page with no registry', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  await page.goto('/');
  await page.getByRole('button', { name: 'Open the offline sample' }).click();
  await expect(page).toHaveURL(/file=lading-sample\.tar/);
  await expect(page.getByTestId('archive-kind')).toContainText('OCI image layout archive');
  await expect(page.getByTestId('resolved-digest')).toHaveText(tag.digest);
  await expectAnalysed(page, tag.platforms[0]!.image.layers.length);
  await page.screenshot({ path: screenshotPath('local-sample') });
});

test('a docker save archive (legacy layout) opens from the file picker', async ({ page }) => {
  const env = loadEnv();
  const image = fixtureTag(env.fixtures, 'lading/fixture:amd64').platforms[0]!.image;
  await page.goto('/');
  await page.getByLabel('Open an image archive').setInputFiles(archive('docker-save.tar'));
  await expect(page.getByTestId('archive-kind')).toContainText('docker save archive (legacy layout)');
  await expect(page.getByRole('heading', { name: 'docker-save.tar' })).toBeVisible();
  await expectAnalysed(page, image.layers.length);
  // Legacy layers are stored uncompressed: each one is addressed by its diff_id.
  await page.getByRole('tab', { name: 'Layers' }).click();
  const digests = await page.locator('code[data-digest]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-digest')));
  expect(digests).toEqual(image.layers.map((l) => l.diffId));
  await page.getByRole('tab', { name: 'Config' }).click();
  await expect(page.getByRole('region', { name: 'Config' })).toContainText(image.imageConfig.cmd[0]!);
  await expect(page.getByRole('region', { name: 'Archive' })).toContainText('docker save archive (legacy layout)');
  await page.screenshot({ path: screenshotPath('local-docker-archive') });
});

test('an OCI archive dropped on the page opens, and a multi-platform one switches platform', async ({ page }) => {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:multi');
  await page.goto('/');
  const bytes = readFileSync(archive('multi.tar')).toString('base64');
  const dataTransfer = await page.evaluateHandle((b64) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([raw], 'multi.tar', { type: 'application/x-tar' }));
    return transfer;
  }, bytes);
  await page.locator('[data-dropzone]').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('archive-kind')).toContainText('OCI image layout archive');
  const amd64 = tag.platforms.find((p) => p.platform.architecture === 'amd64')!;
  const arm64 = tag.platforms.find((p) => p.platform.architecture === 'arm64')!;
  await expectAnalysed(page, amd64.image.layers.length);
  await page.getByRole('radio', { name: /linux\/arm64/ }).click();
  await expect(page.getByTestId('resolved-digest')).toHaveText(arm64.digest);
  await expectAnalysed(page, arm64.image.layers.length);
});

test('a file that is not an image archive says so, and the page still works', async ({ page }) => {
  await page.goto('/');
  await page
    .getByLabel('Open an image archive')
    .setInputFiles({ name: 'notes.tar', mimeType: 'application/x-tar', buffer: Buffer.from('not a tar at all, just words\n'.repeat(40)) });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('notes.tar');
  await expect(alert).toContainText(/archive/i);
  await page.screenshot({ path: screenshotPath('local-bad-file') });
  await page.getByRole('link', { name: 'Lading home' }).click();
  await expect(page.getByRole('button', { name: 'Open the offline sample' })).toBeVisible();
});
