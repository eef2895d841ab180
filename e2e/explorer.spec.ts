// The dive-like explorer: layers, the file tree and the waste, on the real fixture image.
// (The workspace around it, its views and its layout: workspace.spec.ts.)
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';

async function openFixture(page: Page, extra: Record<string, string> = {}) {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
  const params = new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, ...extra });
  await page.goto(`/?${params.toString()}`);
  await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible({ timeout: 30_000 });
  return { env, tag, image: tag.platforms[0]!.image };
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });
const item = (page: Page, path: string) => tree(page).locator(`[role="treeitem"][data-path="${path}"]`);
const layerOption = (page: Page, index: number) => page.getByRole('listbox', { name: 'Layers' }).getByRole('option').nth(index);

test('the whiteout layer shows the paths it removes, with symbols as well as colours', async ({ page }) => {
  const { env } = await openFixture(page);
  const facts = env.fixtures.whiteout;
  await layerOption(page, facts.layerIndex).click();
  await expect(layerOption(page, facts.layerIndex)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('radio', { name: 'This layer’s changes' }).click();
  await expect(page).toHaveURL(new RegExp(`layer=${facts.layerIndex}&mode=layer`));

  // A filter on each removed path brings it (and its parents) into view, marked removed.
  const removed = [
    ...facts.deletedFiles.map((f) => f.path),
    ...facts.deletedDirectories.map((d) => d.path),
    ...facts.opaqueDirectories.flatMap((d) => d.hiddenPaths),
  ];
  for (const path of removed) {
    await page.getByLabel('Filter paths').fill(path);
    await expect(item(page, path)).toHaveAttribute('data-mark', 'removed');
    await expect(item(page, path)).toContainText('−');
  }
  for (const f of facts.overwrittenFiles) {
    await page.getByLabel('Filter paths').fill(f.path);
    await expect(item(page, f.path)).toHaveAttribute('data-mark', 'modified');
  }
  await page.getByLabel('Filter paths').fill('/root/example');
  await page.screenshot({ path: screenshotPath('explorer-whiteout-layer'), fullPage: true });

  // Hiding removed entries hides them.
  await page.getByLabel('Filter paths').fill(facts.deletedFiles[0]!.path);
  await page.getByRole('checkbox', { name: /Removed/ }).uncheck();
  await expect(item(page, facts.deletedFiles[0]!.path)).toHaveCount(0);
});

test('filter by substring and by regular expression keeps parents of matches', async ({ page }) => {
  await openFixture(page);
  await page.getByLabel('Filter paths').fill('bin/hello');
  await expect(item(page, '/usr/bin/hello')).toBeVisible();
  await expect(item(page, '/usr')).toHaveAttribute('aria-expanded', 'true');
  await expect(item(page, '/usr/bin')).toBeVisible();
  await expect(item(page, '/etc')).toHaveCount(0);

  await page.getByRole('checkbox', { name: 'Regex' }).check();
  await page.getByLabel('Filter paths').fill('^/etc/(issue|hostname)$');
  await expect(item(page, '/etc/issue')).toBeVisible();
  await expect(item(page, '/usr/bin/hello')).toHaveCount(0);
  await page.getByLabel('Filter paths').fill('([');
  await expect(page.getByRole('alert')).toContainText('Invalid regular expression');
});

test('sort by size puts the largest entry first', async ({ page }) => {
  await openFixture(page);
  await page.getByLabel('Sort').selectOption('size');
  const top = tree(page).locator('[role="treeitem"][aria-level="1"]');
  await expect(top.first()).toHaveAttribute('data-path', '/usr');
  await page.getByLabel('Sort').selectOption('name');
  await expect(top.first()).toHaveAttribute('data-path', '/bin');
});

test('clicking an inefficient file selects its layer and lands on it in the tree', async ({ page }) => {
  await openFixture(page);
  await page.getByRole('tab', { name: 'Waste' }).click();
  const table = page.getByRole('table', { name: 'Inefficient files' });
  const row = table.locator('tbody tr').filter({ hasText: '/var/lib/dpkg/status' }).first();
  await expect(row).toBeVisible();
  await page.screenshot({ path: screenshotPath('explorer-summary'), fullPage: false });
  await row.click();
  await expect(page).toHaveURL(/path=\/var\/lib\/dpkg\/status/);
  const target = item(page, '/var/lib/dpkg/status');
  await expect(target).toHaveAttribute('aria-selected', 'true');
  await expect(target).toBeInViewport();
  await expect(page.getByTestId('node-details')).toContainText('/var/lib/dpkg/status');
  const selectedLayer = page.getByRole('listbox', { name: 'Layers' }).getByRole('option', { selected: true });
  await expect(selectedLayer).toContainText('jq');
  await page.screenshot({ path: screenshotPath('explorer-jump'), fullPage: false });
});

test('the keyboard drives it like dive', async ({ page }) => {
  await openFixture(page);
  await page.getByRole('listbox', { name: 'Layers' }).focus();
  await page.keyboard.press('Home');
  await expect(layerOption(page, 0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('j');
  await expect(layerOption(page, 1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(layerOption(page, 0)).toHaveAttribute('aria-selected', 'true');

  // Into the tree, down to /etc, open it, step in, step back out.
  await tree(page).focus();
  await expect(tree(page)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  const first = tree(page).locator('[aria-selected="true"]');
  await expect(first).toHaveAttribute('data-path', '/bin');
  while ((await first.getAttribute('data-path')) !== '/etc') await page.keyboard.press('j');
  await page.keyboard.press('l');
  await expect(item(page, '/etc')).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(tree(page).locator('[aria-selected="true"]')).toHaveAttribute('aria-level', '2');
  await page.keyboard.press('h');
  await expect(item(page, '/etc')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Space');
  await expect(item(page, '/etc')).toHaveAttribute('aria-expanded', 'false');

  await page.keyboard.press('/');
  await expect(page.getByLabel('Filter paths')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(tree(page)).toBeFocused();
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Collapse or expand');
  await page.screenshot({ path: screenshotPath('explorer-keys') });
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
});

test('the URL holds layer, mode and path', async ({ page }) => {
  await openFixture(page, { layer: '2', mode: 'layer', path: '/usr/bin/hello' });
  await expect(layerOption(page, 2)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('radio', { name: 'This layer’s changes' })).toHaveAttribute('aria-checked', 'true');
  await expect(item(page, '/usr/bin/hello')).toHaveAttribute('aria-selected', 'true');
  await expect(item(page, '/usr/bin/hello')).toHaveAttribute('data-mark', 'added');
});
