// Comparing two images: shared layers by digest, totals and their deltas, the paths that differ.
// Expected figures are computed here from fixtures.json. The changed paths are the comparison's
// default view; totals and shared layers are views of their own (view=totals, view=layers).
import { expectAccessible } from './harness/axe';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath, type FixtureReference } from './harness/env';

function image(reference: FixtureReference) {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, reference);
  return { name: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, layers: tag.platforms[0]!.image.layers };
}

async function compare(page: Page, left: FixtureReference, right: FixtureReference) {
  const a = image(left);
  const b = image(right);
  await page.goto(`/?${new URLSearchParams({ compare: a.name, with: b.name }).toString()}`);
  await expect(page.getByTestId('comparison')).toBeVisible();
  // Both images read and compared: the changed paths section replaces its placeholder.
  await expect(page.getByRole('heading', { name: /Changed paths/ })).toBeVisible({ timeout: 60_000 });
  return { a, b };
}

const tab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Comparison views' }).getByRole('tab', { name });

const sum = (layers: readonly { size: number }[]) => layers.reduce((s, l) => s + l.size, 0);

test('two images that share their base layer: the layer is listed as shared, and the files that differ', async ({ page }) => {
  const { a, b } = await compare(page, 'lading/fixture:amd64', 'lading/other:1.0');
  const shared = a.layers.filter((l) => b.layers.some((m) => m.digest === l.digest));
  expect(shared.length).toBeGreaterThan(0);
  expect(shared[0]!.digest).toBe(a.layers[0]!.digest);

  await tab(page, 'Shared layers').click();
  await expect(page).toHaveURL(/&view=layers$/);
  const rows = page.getByTestId('shared-layers').locator('tbody tr');
  await expect(rows).toHaveCount(shared.length);
  for (const layer of shared) {
    const row = rows.filter({ has: page.locator(`[title="${layer.digest}"]`) });
    await expect(row).toHaveAttribute('data-digest', layer.digest);
    await expect(row).toHaveAttribute('data-a', String(a.layers.findIndex((l) => l.digest === layer.digest)));
    await expect(row).toHaveAttribute('data-b', String(b.layers.findIndex((l) => l.digest === layer.digest)));
  }
  await tab(page, 'Totals').click();
  const compressed = page.getByTestId('total-compressed');
  await expect(compressed).toHaveAttribute('data-a', String(sum(a.layers)));
  await expect(compressed).toHaveAttribute('data-b', String(sum(b.layers)));
  await expect(compressed).toHaveAttribute('data-delta', String(sum(b.layers) - sum(a.layers)));

  // The fixture installs hello and jq on the shared base; other does something else on it.
  await page.keyboard.press('1');
  await expect(tab(page, 'Changed paths')).toHaveAttribute('aria-selected', 'true');
  const list = page.getByRole('list', { name: 'Changed paths' });
  await expect(list.locator('li').first()).toBeVisible();
  await page.getByLabel('Filter paths').fill('/usr/bin/hello');
  await expect(list.locator('li[data-path="/usr/bin/hello"]')).toHaveAttribute('data-kind', 'removed');
  // A removed path opens in the image that has it.
  await expect(list.locator('li[data-path="/usr/bin/hello"] a')).toHaveAttribute('href', `/?image=${a.name}&path=/usr/bin/hello`);
  await page.getByLabel('Filter paths').fill('');
  await page.screenshot({ path: screenshotPath('compare-shared-base') });
  await expectAccessible(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('compare-shared-base-dark') });
  await expectAccessible(page);
  await tab(page, 'Totals').click();
  await page.screenshot({ path: screenshotPath('compare-totals-dark') });
  await expectAccessible(page);
  await tab(page, 'Changed paths').click();
  await page.emulateMedia({ colorScheme: 'light' });

  // Sorting by growth puts the largest positive delta first.
  await page.getByLabel('Sort').selectOption('shrink');
  const first = Number(await list.locator('li').first().getAttribute('data-delta'));
  const second = Number(await list.locator('li').nth(1).getAttribute('data-delta'));
  expect(first).toBeLessThanOrEqual(second);

  // A click on a path opens it in the explorer of the image that has it: the row in view, the tree focused.
  await page.getByLabel('Filter paths').fill('/usr/bin/hello');
  await list.locator('li[data-path="/usr/bin/hello"] a').click();
  await expect(page).toHaveURL(`/?image=${a.name}&path=/usr/bin/hello`);
  const row = page.getByRole('tree', { name: 'Files' }).locator('[role="treeitem"][data-path="/usr/bin/hello"]');
  await expect(row).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
  await expect(row).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('tree', { name: 'Files' })).toBeFocused();
});

test('the same files in other compression: nothing changed, no layer shared, the compressed delta is the layers’ difference', async ({ page }) => {
  const { a, b } = await compare(page, 'lading/fixture:amd64', 'lading/fixture:zstd');
  expect(a.layers.some((l) => b.layers.some((m) => m.digest === l.digest))).toBe(false);
  await expect(page.getByTestId('no-changes')).toBeVisible();
  await tab(page, 'Shared layers').click();
  await expect(page.getByTestId('shared-layers')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: /Layers shared by digest \(0\)/ })).toBeVisible();
  await tab(page, 'Totals').click();
  const compressed = page.getByTestId('total-compressed');
  await expect(compressed).toHaveAttribute('data-delta', String(sum(b.layers) - sum(a.layers)));
  // Same tars inside: the uncompressed layers and the files are the same size.
  await expect(page.getByTestId('total-uncompressed')).toHaveAttribute('data-delta', '0');
  await expect(page.getByTestId('total-files-bytes')).toHaveAttribute('data-delta', '0');
  await expect(page.getByTestId('total-files')).toHaveAttribute('data-delta', '0');
  await page.screenshot({ path: screenshotPath('compare-zstd') });
});

test('the header link opens the compare form, which fills the URL', async ({ page }) => {
  const a = image('lading/fixture:amd64');
  const b = image('lading/fixture:uncompressed');
  await page.goto('/');
  await page.getByRole('link', { name: 'Compare…' }).click();
  await expect(page).toHaveURL(/\?compare=$/);
  await expect(page.getByRole('heading', { name: 'Compare two images' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('compare-form'), fullPage: false });
  await page.getByLabel('Image', { exact: true }).fill(a.name);
  await page.getByLabel('Compare with').fill(b.name);
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page).toHaveURL(`/?compare=${a.name}&with=${b.name}`);
  await expect(page.getByTestId('side-a')).toContainText('lading/fixture:amd64');
  await expect(page.getByTestId('no-changes')).toBeVisible({ timeout: 60_000 });
});
