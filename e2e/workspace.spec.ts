// The workspace (issue 11): an image opens in the explorer, which fills the window at 1280×720 and
// larger with no page scroll; every other view is a tab with its own URL and key; a click on a path
// anywhere (a waste table, the treemap) and a link with `path=` land on the row, in view and focused.
// Boxes are measured against the viewport, not assumed from the CSS. Screenshots of every view in
// light, dark and large text go to e2e/screenshots/ (workspace-*), each screen checked with axe.
import { expectAccessible } from './harness/axe';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';

function imageUrl(params: Record<string, string> = {}, reference: 'lading/fixture:amd64' | 'lading/fixture:multi' = 'lading/fixture:amd64') {
  const env = loadEnv();
  const tag = fixtureTag(env.fixtures, reference);
  return `/?${new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, ...params }).toString()}`;
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });
const item = (page: Page, path: string) => tree(page).locator(`[role="treeitem"][data-path="${path}"]`);
const tab = (page: Page, name: string) => page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name });

async function openExplorer(page: Page, params: Record<string, string> = {}) {
  await page.goto(imageUrl(params));
  await expect(tree(page)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Analysis complete' })).toBeVisible({ timeout: 30_000 });
}

/** How many tree rows are wholly on screen: inside the tree's scrolling box and inside the viewport. */
async function rowsOnScreen(page: Page): Promise<number> {
  return tree(page).evaluate((el) => {
    const box = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('[role="treeitem"]')).filter((row) => {
      const r = row.getBoundingClientRect();
      return r.height > 0 && r.top >= Math.max(0, box.top) - 0.5 && r.bottom <= Math.min(window.innerHeight, box.bottom) + 0.5;
    }).length;
  });
}

/** Whether the page itself scrolls (the explorer should not need it). */
async function pageOverflow(page: Page): Promise<{ vertical: number; horizontal: number }> {
  return page.evaluate(() => ({
    vertical: document.documentElement.scrollHeight - document.documentElement.clientHeight,
    horizontal: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  }));
}

for (const [width, height] of [
  [1280, 720],
  [1440, 900],
] as const) {
  test.describe(`${width}×${height}`, () => {
    test.use({ viewport: { width, height } });

    test('opening an image shows the layer list and at least 15 tree rows, with no page scroll', async ({ page }) => {
      const { fixtures } = loadEnv();
      const layers = fixtureTag(fixtures, 'lading/fixture:amd64').platforms[0]!.image.layers;
      await openExplorer(page);
      // More rows than a screen holds: open the two largest directories.
      for (const dir of ['/usr', '/etc']) await item(page, dir).locator('button').click();
      await expect(item(page, '/usr')).toHaveAttribute('aria-expanded', 'true');
      const total = await tree(page).locator('[role="treeitem"]').count();
      expect(total).toBeGreaterThan(20);

      expect(await rowsOnScreen(page)).toBeGreaterThanOrEqual(15);
      expect(await pageOverflow(page)).toEqual({ vertical: 0, horizontal: 0 });

      // The three panes side by side, each inside the viewport.
      const list = page.getByRole('listbox', { name: 'Layers' });
      const [listBox, treeBox, detailsBox] = await Promise.all([
        list.boundingBox(),
        tree(page).boundingBox(),
        page.getByRole('heading', { name: /^Layer \d+$/ }).boundingBox(),
      ]);
      expect(listBox!.x + listBox!.width).toBeLessThanOrEqual(treeBox!.x + 1);
      expect(treeBox!.x + treeBox!.width).toBeLessThanOrEqual(detailsBox!.x);
      for (const box of [listBox!, treeBox!]) {
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height).toBeLessThanOrEqual(height);
      }
      await expect(list.getByRole('option')).toHaveCount(layers.length);
      await expect(list.getByRole('option').first()).toBeInViewport({ ratio: 1 });
      await expect(list.locator('[data-layer-status="verified"]')).toHaveCount(layers.length);

      // Each pane scrolls on its own: scrolling the tree moves neither the page nor the layer list.
      const listTop = listBox!.y;
      await tree(page).evaluate((el) => (el.scrollTop = el.scrollHeight));
      expect((await list.boundingBox())!.y).toBe(listTop);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
      await page.screenshot({ path: screenshotPath(`workspace-explorer-${width}x${height}`) });
    });

    test('a click on an inefficient file lands on it in the tree, visible and focused', async ({ page }) => {
      await page.goto(imageUrl({ view: 'waste' }));
      const table = page.getByRole('table', { name: 'Inefficient files' });
      const row = table.locator('tbody tr').filter({ hasText: '/var/lib/dpkg/status' }).first();
      await expect(row).toBeVisible({ timeout: 30_000 });
      await row.click();
      await expect(page).toHaveURL(/path=\/var\/lib\/dpkg\/status/);
      expect(new URL(page.url()).searchParams.get('view')).toBeNull();
      await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
      const target = item(page, '/var/lib/dpkg/status');
      await expect(target).toHaveAttribute('aria-selected', 'true');
      await expect(target).toBeInViewport({ ratio: 1 });
      await expect(tree(page)).toBeFocused();
      await expect(tree(page)).toHaveAttribute('aria-activedescendant', (await target.getAttribute('id'))!);
      await expect(page.getByTestId('node-details')).toContainText('/var/lib/dpkg/status');
      // dive's row names every layer that has the path; the jump opens the last one, which wrote it.
      await expect(page.getByRole('listbox', { name: 'Layers' }).getByRole('option', { selected: true })).toContainText('jq');
      // Back returns to the table.
      await page.goBack();
      await expect(tab(page, 'Waste')).toHaveAttribute('aria-selected', 'true');
      await expect(table).toBeVisible();
    });

    test('a link with path= shows that row, its directories open, in view and focused', async ({ page }) => {
      const path = '/var/lib/dpkg/status';
      await openExplorer(page, { path });
      const target = item(page, path);
      await expect(target).toHaveAttribute('aria-selected', 'true');
      await expect(target).toBeInViewport({ ratio: 1 });
      for (const dir of ['/var', '/var/lib', '/var/lib/dpkg']) await expect(item(page, dir)).toHaveAttribute('aria-expanded', 'true');
      await expect(tree(page)).toBeFocused();
      // At 720 px the row is below the tree's first screen: the tree scrolled to it (the bug this replaces: it did not).
      if (height === 720) expect(await tree(page).evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
      // The keys work at once: one row down.
      await page.keyboard.press('j');
      await expect(item(page, '/var/lib/misc')).toHaveAttribute('aria-selected', 'true');
    });
  });
}

test.describe('views', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  const views: [id: string, label: string, check: (page: Page) => Promise<void>][] = [
    ['waste', 'Waste', (page) => expect(page.getByRole('table', { name: 'Inefficient files' })).toBeVisible()],
    ['treemap', 'Treemap', (page) => expect(page.getByTestId('treemap').getByRole('img')).toBeVisible()],
    [
      'layers',
      'Layers',
      (page) =>
        expect(
          page
            .getByRole('table', { name: /Layers/ })
            .locator('[data-layer-status="verified"]')
            .first(),
        ).toBeVisible(),
    ],
    ['config', 'Config', (page) => expect(page.getByRole('region', { name: 'Config' })).toContainText('linux/amd64')],
    ['tags', 'Tags', (page) => expect(page.getByRole('list', { name: /^Tags of / }).getByRole('link', { name: 'amd64', exact: true })).toBeVisible()],
    ['referrers', 'Referrers', (page) => expect(page.getByRole('list', { name: 'Referrers of this image' })).toBeVisible()],
  ];

  for (const [id, label, check] of views) {
    test(`view=${id} opens its tab`, async ({ page }) => {
      await page.goto(imageUrl({ view: id }));
      await expect(tab(page, label)).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
      await expect(page.getByRole('tab', { selected: true })).toHaveCount(1);
      await check(page);
      const panel = page.getByRole('tabpanel', { name: label });
      await expect(panel).toBeVisible();
      // The explorer is kept behind, hidden from people and assistive technology.
      await expect(tree(page)).toBeHidden();
    });
  }

  test('tabs are links, arrow keys and a key per view move between them, and ? lists every view', async ({ page }) => {
    await openExplorer(page);
    await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
    await expect(tab(page, 'Waste')).toHaveAttribute('href', /view=waste/);

    // A key per view, from the tree.
    await tree(page).focus();
    await page.keyboard.press('2');
    await expect(page).toHaveURL(/view=waste/);
    await expect(tab(page, 'Waste')).toBeFocused();
    // Arrow keys on the tablist (one tab stop, automatic activation).
    await page.keyboard.press('ArrowRight');
    await expect(tab(page, 'Treemap')).toHaveAttribute('aria-selected', 'true');
    await expect(page).toHaveURL(/view=treemap/);
    await page.keyboard.press('End');
    await expect(tab(page, 'Referrers')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowRight');
    await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();
    await expect(page.getByRole('tab', { name: 'Waste' })).toHaveAttribute('tabindex', '-1');

    // The explorer's state survives a visit to another view.
    await page.getByLabel('Filter paths').fill('bin/hello');
    // (Esc would leave the field too, but a search field clears itself on Esc.)
    await tree(page).focus();
    await page.keyboard.press('5');
    await expect(page.getByRole('region', { name: 'Config' })).toBeVisible();
    await page.keyboard.press('1');
    await expect(tree(page)).toBeFocused();
    await expect(page.getByLabel('Filter paths')).toHaveValue('bin/hello');
    await expect(item(page, '/usr/bin/hello')).toBeVisible();

    // Digits typed in a field stay in the field.
    await page.getByLabel('Filter paths').fill('');
    await page.getByLabel('Filter paths').press('3');
    await expect(page.getByLabel('Filter paths')).toHaveValue('3');
    await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Escape');

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard' });
    await expect(help).toBeVisible();
    for (const [key, label] of [
      ['1', 'Explorer'],
      ['2', 'Waste'],
      ['3', 'Treemap'],
      ['4', 'Layers'],
      ['5', 'Config'],
      ['6', 'Tags'],
      ['7', 'Referrers'],
    ])
      await expect(help.getByRole('row', { name: new RegExp(`^${key} ${label}:`) })).toBeVisible();
    // A view key does not switch views behind the dialog.
    await page.keyboard.press('4');
    await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('Escape');
    await expect(help).toHaveCount(0);
  });

  test('a click on a treemap file opens the explorer on it', async ({ page }) => {
    await page.goto(imageUrl({ view: 'treemap' }));
    const treemap = page.getByTestId('treemap');
    await expect(treemap.getByRole('img')).toBeVisible({ timeout: 30_000 });
    const files = await treemap
      .locator('[data-kind="file"]')
      .evaluateAll((els) => els.map((el) => ({ path: el.getAttribute('data-path')!, size: Number(el.getAttribute('data-size')) })));
    const largest = files.sort((a, b) => b.size - a.size)[0]!;
    await treemap.locator(`[data-kind="file"][data-path="${largest.path}"]`).click({ position: { x: 3, y: 3 } });
    await expect(tab(page, 'Explorer')).toHaveAttribute('aria-selected', 'true');
    await expect(item(page, largest.path)).toHaveAttribute('aria-selected', 'true');
    await expect(item(page, largest.path)).toBeInViewport({ ratio: 1 });
    await expect(tree(page)).toBeFocused();
  });

  test('an opened archive has the same workspace, without the registry views', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('button', { name: 'Open the offline sample' }).click();
    await expect(tree(page)).toBeVisible({ timeout: 30_000 });
    const tabs = page.getByRole('tablist', { name: 'Views' }).getByRole('tab');
    await expect(tabs).toHaveText([/^Explorer/, /^Shrink/, /^Packages/, /^Waste/, /^Treemap/, /^Layers/, /^Config/]);
    await page.keyboard.press('2');
    await expect(page).toHaveURL(/file=lading-sample\.tar&view=waste/);
    await expect(page.getByRole('table', { name: 'Inefficient files' })).toBeVisible();
    // A registry view's key does nothing here.
    await page.keyboard.press('6');
    await expect(tab(page, 'Waste')).toHaveAttribute('aria-selected', 'true');
    expect(await pageOverflow(page)).toEqual({ vertical: 0, horizontal: 0 });
  });
});

test('while the layers are read, the explorer is already there: the layers with their progress, then the tree', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  const { fixtures } = loadEnv();
  const layers = fixtureTag(fixtures, 'lading/fixture:amd64').platforms[0]!.image.layers;
  const held = layers.reduce((best, l) => (l.size > best.size ? l : best));
  // Hold the largest layer's blob until the page has been looked at.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**/blobs/${held.digest}`, async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(imageUrl());
  const list = page.getByRole('listbox', { name: 'Layers' });
  await expect(list.getByRole('option')).toHaveCount(layers.length);
  await expect(list.locator('[data-layer-status="verified"]')).toHaveCount(layers.length - 1, { timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: /^Analysing layers: \d+ of \d+ done$/ })).toHaveText(
    `Analysing layers: ${layers.length - 1} of ${layers.length} done`,
  );
  await expect(page.getByRole('status').filter({ hasText: 'The file tree appears when every layer is read' })).toContainText(
    `(${layers.length - 1} of ${layers.length} so far)`,
  );
  await expect(page.getByLabel('Filter paths')).toBeDisabled();
  await page.screenshot({ path: screenshotPath('workspace-explorer-reading') });
  // A view made from the whole filesystem says what it waits for.
  await page.keyboard.press('2');
  await expect(page.getByRole('tabpanel', { name: 'Waste' }).getByRole('status')).toContainText('appear when every layer is read');
  await page.keyboard.press('1');
  release();
  await expect(tree(page)).toBeVisible({ timeout: 30_000 });
  await expect(list.locator('[data-layer-status="verified"]')).toHaveCount(layers.length);
  await expect(page.getByLabel('Filter paths')).toBeEnabled();
});

test('a small window stacks the panes and scrolls the page instead', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await openExplorer(page, { path: '/usr/bin/hello' });
  const [listBox, treeBox] = await Promise.all([page.getByRole('listbox', { name: 'Layers' }).boundingBox(), tree(page).boundingBox()]);
  expect(treeBox!.y).toBeGreaterThanOrEqual(listBox!.y + listBox!.height - 1);
  expect(treeBox!.height).toBeGreaterThanOrEqual(15 * 24);
  expect((await pageOverflow(page)).horizontal).toBe(0);
  await item(page, '/usr/bin/hello').scrollIntoViewIfNeeded();
  await expect(item(page, '/usr/bin/hello')).toBeInViewport();
  await page.screenshot({ path: screenshotPath('workspace-small-window'), fullPage: true });

  // A phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(item(page, '/usr/bin/hello')).toHaveAttribute('aria-selected', 'true');
  expect((await pageOverflow(page)).horizontal).toBe(0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('workspace-phone') });
});

// Every view, in light and dark, then in large text: pictures for people, and axe on each.
for (const scheme of ['light', 'dark'] as const) {
  test(`every view in the ${scheme} theme and in large text: screenshots and axe`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(imageUrl({ path: '/usr/bin/hello' }, 'lading/fixture:multi'));
    await expect(item(page, '/usr/bin/hello')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('status').filter({ hasText: 'Analysis complete' })).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
    for (const large of [false, true]) {
      if (large) {
        await page.getByRole('button', { name: 'Large text' }).click();
        await expect(page.locator('html')).toHaveAttribute('data-large-text', '');
      }
      for (const label of ['Explorer', 'Waste', 'Treemap', 'Layers', 'Config', 'Tags', 'Referrers']) {
        await tab(page, label).click();
        await expect(page.getByRole('tabpanel', { name: label })).toBeVisible();
        // What each view waits for before it is worth a picture.
        if (label === 'Treemap') await expect(page.getByTestId('treemap').getByRole('img')).toBeVisible();
        if (label === 'Tags') await expect(page.getByRole('list', { name: /^Tags of / })).toBeVisible();
        if (label === 'Referrers') await expect(page.getByTestId('referrers').first()).toBeVisible();
        await page.mouse.move(0, 0);
        await page.screenshot({ path: screenshotPath(`workspace-${label.toLowerCase()}-${scheme}${large ? '-large' : ''}`) });
        if (!large) expect(await pageOverflow(page)).toEqual({ vertical: 0, horizontal: 0 });
        await expectAccessible(page);
      }
    }
  });
}
