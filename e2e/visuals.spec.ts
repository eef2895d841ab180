// The workspace's Treemap view on the real fixture image: the treemap (zoom, hover, select, follows
// the explorer's layer and mode) and the per-layer size chart (one bar group per layer, reclaimable
// bytes, select).
import { expectAccessible } from './harness/axe';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';

test.use({ viewport: { width: 1280, height: 800 } });

async function openFixture(page: Page) {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  await page.goto(`/?image=${env.registries.plain.host}/${tag.repository}:${tag.tag}&view=treemap`);
  await expect(treemap(page).getByRole('img')).toBeVisible({ timeout: 30_000 });
  return { env, image: tag.platforms[0]!.image };
}

const treemap = (page: Page) => page.getByTestId('treemap');
const tile = (page: Page, path: string) => treemap(page).locator(`[data-path="${path}"]:not([data-kind="other"])`);
const chart = (page: Page) => page.getByRole('radiogroup', { name: 'Layer sizes' });
const layerOption = (page: Page, index: number) => page.getByRole('listbox', { name: 'Layers' }).getByRole('option').nth(index);
const tab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name });

/** The largest file drawn as its own tile, and its path. */
async function largestFileTile(page: Page): Promise<{ locator: Locator; path: string; size: number }> {
  const files = await treemap(page)
    .locator('[data-kind="file"]')
    .evaluateAll((els) => els.map((el) => ({ path: el.getAttribute('data-path')!, size: Number(el.getAttribute('data-size')) })));
  expect(files.length).toBeGreaterThan(0);
  const best = files.sort((a, b) => b.size - a.size)[0]!;
  return { ...best, locator: tile(page, best.path) };
}

test('the treemap draws the final filesystem; a click zooms into /usr and the breadcrumb comes back', async ({ page }) => {
  await openFixture(page);
  await expect(page.getByTestId('treemap-view')).toContainText('The final filesystem');
  await expect(treemap(page).getByRole('img')).toHaveAttribute('aria-label', /final filesystem, under \/: .*Largest: usr/);
  await expect(treemap(page)).toHaveAttribute('data-zoom', '/');
  await expect(tile(page, '/usr')).toHaveAttribute('data-kind', 'dir');

  // /usr is a frame: its name strip is along the top.
  await tile(page, '/usr').click({ position: { x: 12, y: 6 } });
  await expect(treemap(page)).toHaveAttribute('data-zoom', '/usr');
  const crumbs = page.getByRole('navigation', { name: 'Treemap location' });
  await expect(crumbs.locator('[aria-current="location"]')).toHaveText('usr');
  await expect(tile(page, '/usr/bin')).toBeVisible();
  await expect(tile(page, '/etc')).toHaveCount(0);

  await crumbs.getByRole('button', { name: 'Zoom out to /' }).click();
  await expect(treemap(page)).toHaveAttribute('data-zoom', '/');
  await expect(tile(page, '/etc')).toHaveCount(1);

  // The same from the keyboard, through the list of the largest entries.
  const largest = page.getByRole('list', { name: 'Largest in /' });
  await largest.getByRole('button', { name: /^usr\// }).focus();
  await page.keyboard.press('Enter');
  await expect(treemap(page)).toHaveAttribute('data-zoom', '/usr');
  await expect(page.getByRole('list', { name: 'Largest in /usr' })).toBeVisible();
});

test('hovering a tile shows its path and size; clicking a file selects it in the tree', async ({ page }) => {
  await openFixture(page);
  const file = await largestFileTile(page);
  await file.locator.hover({ position: { x: 3, y: 3 } });
  const tooltip = page.getByTestId('treemap-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(page.getByTestId('treemap-tooltip-path')).toHaveText(file.path);
  await expect(page.getByTestId('treemap-tooltip-size')).toContainText(/\d(\.\d)? (B|KB|MB)/);
  await expect(tooltip).toContainText(/Written by layer \d+/);

  await file.locator.click({ position: { x: 3, y: 3 } });
  // The explorer opens on it.
  await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
  const selected = page.getByRole('tree', { name: 'Files' }).locator('[role="treeitem"][aria-selected="true"]');
  await expect(selected).toHaveAttribute('data-path', file.path);
  await expect.poll(() => new URL(page.url()).searchParams.get('path')).toBe(file.path);
  await expect(page.getByTestId('node-details')).toContainText(file.path);
});

test('the treemap follows the explorer into the whiteout layer’s own changes', async ({ page }) => {
  const { env } = await openFixture(page);
  const facts = env.fixtures.whiteout;
  const before = await treemap(page).locator('[data-tile]').count();

  // Chosen in the explorer; the treemap view shows the same layer and mode.
  await tab(page, 'Explorer').click();
  await layerOption(page, facts.layerIndex).click();
  await page.getByRole('radio', { name: 'This layer’s changes' }).click();
  await tab(page, 'Treemap').click();
  await expect(page.getByTestId('treemap-view')).toContainText(`What layer ${facts.layerIndex} adds and changes`);
  await expect(treemap(page).getByRole('img')).toHaveAttribute('aria-label', new RegExp(`layer ${facts.layerIndex} adds and changes`));
  // Only what the layer wrote: the new /etc/issue, and the directory that holds README.lading.
  for (const f of facts.overwrittenFiles) await expect(tile(page, f.path)).toHaveAttribute('data-kind', 'file');
  const after = await treemap(page).locator('[data-tile]').count();
  expect(after).toBeLessThan(before);
  // What it removed takes no room.
  for (const d of facts.deletedDirectories) await expect(treemap(page).locator(`[data-path^="${d.path}"]`)).toHaveCount(0);
  for (const f of facts.deletedFiles) await expect(treemap(page).locator(`[data-path="${f.path}"]`)).toHaveCount(0);
  // Colour: every tile is this layer's.
  await expect(page.getByTestId('treemap-legend').locator(`[data-layer="${facts.layerIndex}"]`)).not.toHaveClass(/line-through/);
  await expect(page.getByTestId('treemap-legend').locator('[data-layer="0"]')).toHaveClass(/line-through/);
  await page.getByRole('region', { name: 'Treemap' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshotPath('visuals-whiteout-layer') });
});

test('the size chart has a bar group per layer, marks reclaimable bytes, and selects a layer', async ({ page }) => {
  const { image } = await openFixture(page);
  const groups = chart(page).getByRole('radio');
  await expect(groups).toHaveCount(image.layers.length);
  await expect(groups.nth(image.layers.length - 1)).toHaveAttribute('aria-checked', 'true');

  // Layer 0's /etc/issue and /var/lib/dpkg/status are overwritten later: dead bytes, drawn.
  const base = chart(page).locator('[data-layer="0"]');
  await expect(base.locator('[data-series="reclaimable"][data-reason="overwritten"]')).toBeVisible();
  await expect(base).toHaveAttribute('aria-label', /reclaimable \([^)]*overwritten/);
  await expect(base.locator('[data-series="compressed"]')).toBeVisible();
  await expect(base.locator('[data-series="uncompressed"]')).toBeVisible();
  // The last layer's files are all in the final image.
  await expect(chart(page).locator(`[data-layer="${image.layers.length - 1}"] [data-series="reclaimable"]`)).toHaveCount(0);

  await base.hover();
  const tooltip = page.getByTestId('layer-chart-tooltip');
  await expect(tooltip).toContainText('Layer 0');
  await expect(tooltip).toContainText('Reclaimable');
  await expect(tooltip).toContainText('overwritten');

  await groups.nth(2).click();
  await expect(groups.nth(2)).toHaveAttribute('aria-checked', 'true');
  await expect(page).toHaveURL(/view=treemap&layer=2/);
  await expect(page.getByTestId('treemap-view')).toContainText('as of layer 2');

  // Arrow keys move the selection.
  await groups.nth(2).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(groups.nth(1)).toHaveAttribute('aria-checked', 'true');
  await expect(groups.nth(1)).toBeFocused();
  // The explorer has the layer chosen here.
  await tab(page, 'Explorer').click();
  await expect(layerOption(page, 1)).toHaveAttribute('aria-selected', 'true');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`the visuals in the ${scheme} theme: screenshot and axe`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await openFixture(page);
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    const region = page.getByRole('region', { name: 'Treemap' });
    await region.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const file = await largestFileTile(page);
    await file.locator.hover({ position: { x: 3, y: 3 } });
    await expect(page.getByTestId('treemap-tooltip')).toBeVisible();
    await page.screenshot({ path: screenshotPath(`visuals-${scheme}`) });

    await tile(page, '/usr').click({ position: { x: 12, y: 6 } });
    await expect(treemap(page)).toHaveAttribute('data-zoom', '/usr');
    await chart(page).locator('[data-layer="0"]').hover();
    await expect(page.getByTestId('layer-chart-tooltip')).toBeVisible();
    await page.screenshot({ path: screenshotPath(`visuals-usr-${scheme}`) });

    await page.mouse.move(0, 0);
    await expectAccessible(page);
  });
}

test('in large-text mode the treemap labels grow with the page text', async ({ page }) => {
  await openFixture(page);
  const labelSize = () =>
    tile(page, '/usr')
      .locator('text')
      .first()
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(await labelSize()).toBe(11);
  await page.getByRole('button', { name: 'Large text' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-large-text', '');
  await expect.poll(labelSize).toBe(13.75);
  await treemap(page).scrollIntoViewIfNeeded();
  await treemap(page).screenshot({ path: screenshotPath('visuals-large-text') });
});
