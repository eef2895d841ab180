// TOC first: layers that carry a table of contents (eStargz, zstd:chunked) show their file tree
// before their blobs are read, then the verified tar pass replaces it; a TOC that lies is reported;
// file contents come from the TOC's chunks. The images are e2e/fixtures/toc.sh's, written from the
// formats' documentation around Debian packages (Debian has no eStargz or zstd:chunked writer, and
// its skopeo cannot write zstd:chunked). Every whole-blob GET of their layers is held back here
// until the tree is on screen: what the page shows by then came from Range requests alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type Page, type Route } from '@playwright/test';
import { loadEnv, screenshotPath, type TocFixtures, type TocFixtureTag } from './harness/env';

const rows = (page: Page) => page.getByRole('table', { name: /Layers/ }).locator('tbody tr');
const status = (page: Page) => page.getByRole('status').filter({ hasText: /Analysis|Analysing/ });
/** Opens a workspace view by its tab, in the page (the explorer stays mounted, the layers keep their state). */
const showView = (page: Page, name: string | RegExp) => page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name }).click();

function tocFixtures(): TocFixtures {
  const toc = loadEnv().fixtures.toc;
  if (!toc) throw new Error('no TOC fixtures: e2e/fixtures/toc.sh has not run');
  return toc;
}

function tagOf(reference: string): TocFixtureTag {
  const tag = tocFixtures().tags[reference];
  if (!tag) throw new Error(`toc.json has no ${reference}`);
  return tag;
}

interface BlobLog {
  /** Range requests per layer digest (the Range header as sent). */
  ranges: Map<string, string[]>;
  /** Whole-blob GETs held back, per layer digest. */
  held: Map<string, Route[]>;
  release(): Promise<void>;
}

/** Logs the layers' blob requests; holds every GET without a Range header until `release`. */
async function holdBlobs(page: Page, tag: TocFixtureTag): Promise<BlobLog> {
  const layers = new Set(tag.platforms[0]!.image.layers.map((l) => l.digest));
  let released = false;
  const log: BlobLog = {
    ranges: new Map(),
    held: new Map(),
    async release() {
      released = true;
      for (const routes of log.held.values()) for (const route of routes.splice(0)) await route.continue();
    },
  };
  await page.route('**/blobs/sha256:*', async (route) => {
    const digest = /\/blobs\/(sha256:[0-9a-f]{64})/.exec(route.request().url())?.[1];
    const range = route.request().headers()['range'];
    if (!digest || !layers.has(digest)) return route.continue();
    if (range) {
      log.ranges.set(digest, [...(log.ranges.get(digest) ?? []), range]);
      return route.continue();
    }
    if (released) return route.continue();
    log.held.set(digest, [...(log.held.get(digest) ?? []), route]);
  });
  return log;
}

async function open(page: Page, reference: string, params: Record<string, string> = {}) {
  const env = loadEnv();
  await page.goto(`/?${new URLSearchParams({ image: `${env.registries.plain.host}/${reference}`, ...params }).toString()}`);
}

for (const reference of ['lading/toc:estargz', 'lading/toc:zstd-chunked']) {
  test(`${reference}: the tree comes from the TOCs before any blob is read, then from the verified tar pass`, async ({ page }) => {
    const tag = tagOf(reference);
    const image = tag.platforms[0]!.image;
    const log = await holdBlobs(page, tag);
    await open(page, reference, { path: '/usr/share/doc/hello/README.lading' });

    // The whole tree, every layer stacked, while every layer's blob GET is held.
    const tree = page.getByRole('tree', { name: 'Files' });
    await expect(tree).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('toc-provisional')).toContainText(
      `Layers ${image.layers.map((_, i) => i).join(', ')} are shown from their table of contents`,
    );
    await expect(tree.locator('[role="treeitem"][data-path="/usr/share/doc/hello/README.lading"]')).toBeVisible();
    await page.screenshot({ path: screenshotPath(`toc-first-${tag.tag}`), fullPage: true });
    // The Layers view says, per layer, that its listing came from the TOC.
    await showView(page, /^Layers/);
    await expect(page.getByTestId('layer-toc')).toHaveCount(image.layers.length);
    for (const [i, facts] of tag.tocs.entries()) {
      await expect(rows(page).nth(i).getByTestId('layer-toc')).toHaveAttribute('data-toc', 'listed');
      expect(log.ranges.get(facts.digest)?.length, `layer ${i}: Range requests`).toBeGreaterThan(0);
    }
    // Not one byte of a whole blob has reached the page: the tar passes started are waiting for
    // theirs (the pool's workers are busy with them, the other layers queued).
    await expect(status(page)).toHaveText(`Analysing layers: 0 of ${image.layers.length} done`);
    expect(log.held.size).toBeGreaterThan(0);

    // Let the blobs through: each layer verified, its tar index in place, the TOC agreeing.
    await log.release();
    await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
    await expect(page.getByTestId('toc-provisional')).toHaveCount(0);
    for (const [i, layer] of image.layers.entries()) {
      const row = rows(page).nth(i);
      await expect(row.locator('[data-layer-status]')).toHaveAttribute('data-layer-status', 'verified');
      await expect(row.locator('td').nth(4)).toHaveText(layer.entryCount.toLocaleString('en'));
      await expect(row.getByTestId('layer-toc')).toHaveAttribute('data-toc', 'agrees');
    }
    await showView(page, /^Explorer/);
    await expect(tree.locator('[role="treeitem"][data-path="/usr/share/doc/hello/README.lading"]')).toBeVisible();
  });
}

test('a TOC that disagrees with its tar is reported on its layer, and the explorer shows the tar', async ({ page }) => {
  const toc = tocFixtures();
  const tag = tagOf(toc.lying.reference);
  await open(page, toc.lying.reference, { path: '/usr/bin/hello' });
  await expect(status(page)).toHaveText('Analysis complete', { timeout: 30_000 });
  await showView(page, /^Layers/);
  await expect(rows(page).nth(0).getByTestId('layer-toc')).toHaveAttribute('data-toc', 'agrees');
  const note = rows(page).nth(toc.lying.layer).getByTestId('layer-toc');
  await expect(note).toHaveAttribute('data-toc', 'disagrees');
  await expect(note).toContainText(`${toc.lying.differences.length} differences`);
  for (const path of toc.lying.differences) await expect(note).toContainText(path);
  await expect(note).toContainText('/usr/bin/hello: mode 4755 in the TOC, 0755 in the tar');
  // Both layers are verified all the same: a lying TOC is a note, not a failure.
  await expect(rows(page).locator('[data-layer-status="verified"]')).toHaveCount(tag.platforms[0]!.image.layers.length);
  await note.scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('toc-lying'), fullPage: false });
  // The tree is the tar's: no phantom file.
  await showView(page, /^Explorer/);
  const tree = page.getByRole('tree', { name: 'Files' });
  await expect(tree.locator('[role="treeitem"][data-path="/usr/bin/hello"]')).toBeVisible();
  await expect(tree.locator('[role="treeitem"][data-path="/usr/bin/phantom"]')).toHaveCount(0);
});

for (const [reference, key] of [
  ['lading/toc:estargz', 'estargz'],
  ['lading/toc:zstd-chunked', 'zstdChunked'],
] as const) {
  test(`${reference}: a file's contents come from its TOC chunks, before the blob is read`, async ({ page }) => {
    const toc = tocFixtures();
    const file = toc[key].multiChunkFile;
    const tag = tagOf(reference);
    const layer = tag.platforms[0]!.image.layers[file.layer]!;
    expect(file.chunks).toBeGreaterThan(1);
    const log = await holdBlobs(page, tag);
    await open(page, reference, { path: file.path });
    const contents = page.getByTestId('file-contents');
    await expect(contents.getByTestId('contents-loaded')).toHaveAttribute('data-kind', 'binary', { timeout: 30_000 });
    const read = contents.getByTestId('contents-read');
    await expect(read).toHaveAttribute('data-read', 'chunk');
    await expect(read).toContainText(`TOC of layer ${file.layer}`);
    // One range of the layer, far less than the layer (the file's chunks), and no blob read whole.
    const fetched = Number(await read.getAttribute('data-fetched'));
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(layer.size);
    await expect(status(page)).toHaveText(`Analysing layers: 0 of ${tag.platforms[0]!.image.layers.length} done`);
    await expect(contents.getByTestId('hex-bytes').first()).toHaveText(/^7f 45 4c 46 /);

    // The bytes are GNU tar's: the download is the file, exactly.
    const downloading = page.waitForEvent('download');
    await contents.getByRole('button', { name: 'Download' }).click();
    const saved = await (await downloading).path();
    const bytes = readFileSync(saved);
    expect(bytes.length).toBe(file.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    await log.release();
  });
}
