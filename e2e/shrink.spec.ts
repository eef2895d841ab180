// The Shrink view (issue 13) on the real Debian packages fixture (e2e/fixtures/packages.sh:
// mmdebstrap leaves the apt lists, tcc + libc6-dev, the lists deleted, a 4 MiB file copied and then
// only chmod'ed). Which layer does what comes from packages.json; sizes from the fixture's rootfs.
// A click on a path lands in the explorer on that layer and path. Screenshots in light and dark
// (e2e/screenshots/shrink-*), each checked with axe.
import { lstatSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './harness/axe';
import { loadEnv, screenshotPath } from './harness/env';

const REFERENCE = 'lading/packages:debian';

interface DebianFacts {
  aptListsLayer: number;
  aptListsDeletedIn: number;
  compilerLayer: number;
  metadataOnlyCopy: { path: string; addedIn: number; chmodIn: number };
}

/** The Debian image's facts, wherever packages.json keeps them. */
function debianFacts(): DebianFacts {
  const stack: unknown[] = [loadEnv().packageFixtures];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v && typeof v === 'object') {
      if ('metadataOnlyCopy' in v && 'aptListsLayer' in v) return v as DebianFacts;
      stack.push(...Object.values(v));
    }
  }
  throw new Error('packages.json has no Debian facts');
}

function shrinkUrl(): string {
  const env = loadEnv();
  const tag = env.packageFixtures.tags[REFERENCE]!;
  return `/?${new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, view: 'shrink' }).toString()}`;
}

const finding = (page: Page, rule: string, layer: number) => page.locator(`article[data-rule="${rule}"][data-layer="${layer}"]`);

async function openShrink(page: Page): Promise<void> {
  await page.goto(shrinkUrl());
  await expect(page.getByTestId('shrink-total')).toBeVisible({ timeout: 90_000 });
}

test.describe('the Shrink view on lading/packages:debian', () => {
  test.setTimeout(180_000);

  test('names the chmod-only copy, the deleted apt lists and the compiler, with the layer each comes from', async ({ page }) => {
    const facts = debianFacts();
    await openShrink(page);
    const tag = loadEnv().packageFixtures.tags[REFERENCE]!;
    const layers = tag.platforms[0]!.image.layers;

    const copy = finding(page, 'metadata-only-copy', facts.metadataOnlyCopy.chmodIn);
    await expect(copy).toBeVisible();
    await expect(copy).toContainText(facts.metadataOnlyCopy.path);
    // The layer's Dockerfile line, as packages.json records it (the page drops /bin/sh -c and # buildkit).
    expect(layers[facts.metadataOnlyCopy.chmodIn]!.createdBy).toContain('chmod');
    await expect(copy).toContainText(`Layer ${facts.metadataOnlyCopy.chmodIn}: RUN chmod`);
    // 4 MiB, as the page writes sizes (decimal MB, like dive): from the rootfs, not from Lading.
    const blobBytes = lstatSync(fileURLToPath(new URL(`./.artifacts/packages/rootfs/debian${facts.metadataOnlyCopy.path}`, import.meta.url))).size;
    expect(blobBytes).toBe(4 * 1024 * 1024);
    await expect(copy.getByTestId('finding-bytes')).toHaveText(`${(blobBytes / 1e6).toFixed(1)} MB`);

    const lists = finding(page, 'deleted-later', facts.aptListsLayer);
    await expect(lists).toBeVisible();
    await expect(lists.getByRole('button', { name: /^\/var\/lib\/apt\/lists\// }).first()).toBeVisible();
    // The lists were removed by the later layer (the finding also names the layer that rewrote dpkg's status).
    await expect(lists).toContainText(/removed by .*layer \d+ \(RUN rm -rf \/var\/lib\/apt\/lists/);
    await expect(lists).toContainText(`layer ${facts.aptListsDeletedIn} (`);

    const toolchain = finding(page, 'build-toolchain', facts.compilerLayer);
    await expect(toolchain).toBeVisible();
    await expect(toolchain).toContainText('tcc');
    // The compiler itself among its paths (all of them shown after "Show … more").
    await toolchain.getByRole('button', { name: /^Show \d+ more/ }).click();
    await expect(toolchain.getByRole('button', { name: '/usr/bin/tcc', exact: true })).toBeVisible();

    const rules = await page
      .getByRole('list', { name: 'Shrink findings' })
      .locator('article')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-rule')));
    for (const rule of ['metadata-only-copy', 'deleted-later', 'build-toolchain']) expect(rules).toContain(rule);
  });

  test('a click on a path opens the explorer on that layer and path', async ({ page }) => {
    const facts = debianFacts();
    await openShrink(page);
    const copy = finding(page, 'metadata-only-copy', facts.metadataOnlyCopy.chmodIn);
    await copy.getByRole('button', { name: facts.metadataOnlyCopy.path, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`path=${facts.metadataOnlyCopy.path.replaceAll('/', '%2F')}|path=${facts.metadataOnlyCopy.path}`));
    await expect(page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');
    const target = page.getByRole('tree', { name: 'Files' }).locator(`[role="treeitem"][data-path="${facts.metadataOnlyCopy.path}"]`);
    await expect(target).toHaveAttribute('aria-selected', 'true');
    await expect(target).toBeInViewport();
    await expect(page.getByRole('listbox', { name: 'Layers' }).getByRole('option', { selected: true })).toContainText('chmod');
    await expect(page.getByTestId('node-details')).toContainText(facts.metadataOnlyCopy.path);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`screenshot in the ${scheme} theme, and axe`, async ({ page }) => {
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.emulateMedia({ colorScheme: scheme });
      await openShrink(page);
      await expect(page.locator('article[data-rule]').first()).toBeVisible();
      await page.screenshot({ path: screenshotPath(`shrink-${scheme}`), fullPage: true });
      await expectAccessible(page, '[data-testid="shrink-view"]');
    });
  }
});
