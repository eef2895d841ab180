// File contents in the details pane: text, a hex dump, the download, a deleted file, and the
// Range read of an uncompressed layer. Expected bytes come from GNU tar on the fixture layout's blobs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expectAccessible } from './harness/axe';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath, type FixtureReference } from './harness/env';
import { artifactsDir, repoRoot } from './harness/paths';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The file's bytes as GNU tar extracts them from the last layer of the fixture image that has it. */
function fileFromLayers(reference: FixtureReference, path: string): { bytes: Buffer; layer: number } {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, reference);
  const layers = tag.platforms[0]!.image.layers;
  const blobs = join(repoRoot, env.fixtures.layouts.fixture!, 'blobs', 'sha256');
  const want = path.replace(/^\//, '');
  for (let k = layers.length - 1; k >= 0; k--) {
    const blob = join(blobs, layers[k]!.digest.replace('sha256:', ''));
    const names = execFileSync('tar', ['-tf', blob], { encoding: 'utf8' }).split('\n');
    const member = names.find((n) => n.replace(/^\.\//, '') === want);
    if (member) return { bytes: execFileSync('tar', ['-xOf', blob, member], { maxBuffer: 1 << 26 }), layer: k };
  }
  throw new Error(`${path} is in no layer of ${reference}`);
}

async function open(page: Page, reference: FixtureReference, params: Record<string, string>) {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, reference);
  const query = new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, ...params });
  await page.goto(`/?${query.toString()}`);
  await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible({ timeout: 60_000 });
  return page.getByTestId('file-contents');
}

test('a text file is shown as text, exactly as tar extracts it', async ({ page }) => {
  const { bytes, layer } = fileFromLayers('lading/fixture:amd64', '/etc/issue');
  expect(sha256(bytes)).toBe(loadEnv().fixtures.whiteout.overwrittenFiles[0]!.newSha256);
  const contents = await open(page, 'lading/fixture:amd64', { path: '/etc/issue' });
  const loaded = contents.getByTestId('contents-loaded');
  await expect(loaded).toHaveAttribute('data-kind', 'text');
  expect(await contents.getByTestId('contents-text').textContent()).toBe(bytes.toString('utf8'));
  // A gzip layer is streamed from its start and the read stops after the file.
  await expect(contents.getByTestId('contents-read')).toHaveAttribute('data-read', 'stream');
  await expect(contents.getByTestId('contents-read')).toContainText(`layer ${layer}`);
  await contents.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('contents-text'), fullPage: false });
  await expectAccessible(page, '[data-testid="file-contents"]');

  // The hex view of the same bytes, and back.
  await contents.getByRole('radio', { name: 'Hex' }).click();
  await expect(contents.getByTestId('hex-bytes').first()).toHaveText(/^4c 61 64 69 6e 67/); // "Lading"
  await contents.getByRole('radio', { name: 'Text' }).click();
  await expect(contents.getByTestId('contents-text')).toBeVisible();
});

test('a binary file is a hex dump, and the download is its exact bytes', async ({ page }) => {
  const { bytes } = fileFromLayers('lading/fixture:amd64', '/usr/bin/hello');
  const contents = await open(page, 'lading/fixture:amd64', { path: '/usr/bin/hello' });
  await expect(contents.getByTestId('contents-loaded')).toHaveAttribute('data-kind', 'binary');
  await expect(contents.getByTestId('hex-bytes').first()).toHaveText(/^7f 45 4c 46 /);
  await expect(contents).toContainText('binary: it contains NUL bytes');
  // Virtualized: far fewer rows in the page than the file has.
  const rows = await contents.getByTestId('hex-bytes').count();
  expect(rows).toBeLessThan(bytes.length / 16 / 4);

  const downloading = page.waitForEvent('download');
  await contents.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('hello');
  const saved = readFileSync((await download.path())!);
  expect(saved.length).toBe(bytes.length);
  expect(sha256(saved)).toBe(sha256(bytes));

  await expectAccessible(page, '[data-testid="file-contents"]');

  await contents.getByRole('button', { name: 'View larger' }).click();
  const dialog = page.getByRole('dialog', { name: 'hello' });
  await expect(dialog.getByTestId('hex-dump')).toBeVisible();
  await expectAccessible(page, 'dialog');
  await page.screenshot({ path: screenshotPath('contents-hex-dialog'), fullPage: false });
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('a deleted file says where it was deleted and shows its content from the layer where it last existed', async ({ page }) => {
  const facts = loadEnv().fixtures.whiteout;
  const deleted = facts.deletedFiles[0]!;
  const { bytes, layer } = fileFromLayers('lading/fixture:amd64', deleted.path);
  const contents = await open(page, 'lading/fixture:amd64', { layer: String(facts.layerIndex), mode: 'layer', path: deleted.path });
  await expect(contents.getByTestId('contents-note')).toContainText(`Deleted in layer ${facts.layerIndex}. It last existed in layer ${layer}`);
  expect(await contents.getByTestId('contents-text').textContent()).toBe(bytes.toString('utf8'));
});

test('a hard link shows the content of the entry it links to; links and directories have none of their own', async ({ page }) => {
  const { bytes, layer } = fileFromLayers('lading/fixture:amd64', '/root/example/README.hardlink');
  let contents = await open(page, 'lading/fixture:amd64', { layer: String(layer), mode: 'layer', path: '/root/example/README.md' });
  await expect(contents.getByTestId('contents-note')).toContainText('A hard link to /root/example/README.hardlink');
  expect(await contents.getByTestId('contents-text').textContent()).toBe(bytes.toString('utf8'));

  contents = await open(page, 'lading/fixture:amd64', { layer: String(layer), mode: 'layer', path: '/root/example/readme-link' });
  await expect(contents.getByTestId('contents-message')).toHaveText('A symbolic link to README.md: it has no content of its own.');
  contents = await open(page, 'lading/fixture:amd64', { path: '/etc' });
  await expect(contents.getByTestId('contents-message')).toContainText('A directory');
});

test('an uncompressed layer is read by an HTTP Range request for exactly the file', async ({ page }) => {
  const { bytes } = fileFromLayers('lading/fixture:uncompressed', '/etc/issue');
  const ranged: { status: number; range: string | null }[] = [];
  page.on('response', (response) => {
    if (/\/blobs\/sha256:/.test(response.url()) && response.request().headers()['range'])
      ranged.push({ status: response.status(), range: response.request().headers()['range'] ?? null });
  });
  const contents = await open(page, 'lading/fixture:uncompressed', { path: '/etc/issue' });
  expect(await contents.getByTestId('contents-text').textContent()).toBe(bytes.toString('utf8'));
  // What the worker got back: a 206 with exactly the file's bytes.
  const read = contents.getByTestId('contents-read');
  await expect(read).toHaveAttribute('data-read', 'range');
  await expect(read).toHaveAttribute('data-status', '206');
  await expect(read).toHaveAttribute('data-fetched', String(bytes.length));
  await expect(read).toContainText('Read by range request (HTTP 206)');
  // Chromium reports a dedicated worker's fetches to the page too: the request itself.
  expect(ranged).toEqual([{ status: 206, range: expect.stringMatching(/^bytes=\d+-\d+$/) }]);
  const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(ranged[0]!.range!)!;
  expect(Number(end) - Number(start) + 1).toBe(bytes.length);
});

test('in an opened archive: a plain layer is sliced from the file, a gzip one streamed from it', async ({ page }) => {
  const { bytes } = fileFromLayers('lading/fixture:amd64', '/etc/issue');
  const dir = join(artifactsDir, 'tmp', 'contents-archives');
  rmSync(dir, { recursive: true, force: true }); // skopeo refuses to overwrite an archive
  mkdirSync(dir, { recursive: true });
  const dockerSave = join(dir, 'docker-save.tar');
  const source = fixtureTag(loadEnv().fixtures, 'lading/fixture:amd64').source.skopeoRef;
  execFileSync('skopeo', ['--insecure-policy', 'copy', '--quiet', source, `docker-archive:${dockerSave}:lading/fixture:amd64`], { cwd: repoRoot });

  const selectIssue = async () => {
    await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible({ timeout: 60_000 });
    await page.getByLabel('Filter paths').fill('/etc/issue');
    await page.getByRole('tree', { name: 'Files' }).locator('[role="treeitem"][data-path="/etc/issue"]').click();
    const contents = page.getByTestId('file-contents');
    expect(await contents.getByTestId('contents-text').textContent()).toBe(bytes.toString('utf8'));
    return contents.getByTestId('contents-read');
  };

  // docker save stores layers as plain tars: the file's bytes are a slice of the archive.
  await page.goto('/');
  await page.getByLabel('Open an image archive').setInputFiles(dockerSave);
  let read = await selectIssue();
  await expect(read).toHaveAttribute('data-read', 'slice');
  await expect(read).toHaveAttribute('data-fetched', String(bytes.length));

  // The offline sample is an OCI layout with gzip layers: streamed from the file, stopped after.
  await page.goto('/');
  await page.getByRole('button', { name: 'Open the offline sample' }).click();
  read = await selectIssue();
  await expect(read).toHaveAttribute('data-read', 'stream');
});
