// Every screen in light and dark at 1280×800, saved for people to look at, and checked with axe:
// no serious or critical accessibility violations. (Each workspace view, also in large text: workspace.spec.ts.)
import { expectAccessible } from './harness/axe';
import { expect, test, type Page } from '@playwright/test';
import { fixtureTag, loadEnv, screenshotPath } from './harness/env';

test.use({ viewport: { width: 1280, height: 800 } });

interface Screen {
  name: string;
  open: (page: Page) => Promise<void>;
}

const screens: Screen[] = [
  {
    name: 'landing',
    open: async (page) => {
      await page.goto('/');
      await expect(page.getByRole('button', { name: 'Open the offline sample' })).toBeVisible();
    },
  },
  {
    name: 'image-index',
    open: async (page) => {
      const env = loadEnv();
      const tag = fixtureTag(env.fixtures, 'lading/fixture:multi');
      await page.goto(`/?image=${env.registries.plain.host}/${tag.repository}:${tag.tag}`);
      await expect(page.getByRole('status').filter({ hasText: 'Analysis complete' })).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible();
    },
  },
  {
    name: 'explorer-layer',
    open: async (page) => {
      const env = loadEnv();
      const tag = fixtureTag(env.fixtures, 'lading/fixture:amd64');
      await page.goto(`/?image=${env.registries.plain.host}/${tag.repository}:${tag.tag}&layer=${env.fixtures.whiteout.layerIndex}&mode=layer&path=/etc/issue`);
      await expect(page.getByRole('tree', { name: 'Files' }).locator('[aria-selected="true"]')).toHaveAttribute('data-path', '/etc/issue', { timeout: 30_000 });
    },
  },
  {
    name: 'keyboard-help',
    open: async (page) => {
      const env = loadEnv();
      await page.goto(`/?image=${env.registries.plain.host}/lading/other:1.0`);
      await expect(page.getByRole('tree', { name: 'Files' })).toBeVisible({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
      await expect(page.getByRole('dialog', { name: 'Keyboard' })).toBeVisible();
    },
  },
  {
    name: 'local-sample',
    open: async (page) => {
      await page.goto('/');
      await page.getByRole('button', { name: 'Open the offline sample' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Analysis complete' })).toBeVisible({ timeout: 30_000 });
    },
  },
  {
    name: 'compare',
    open: async (page) => {
      const env = loadEnv();
      const a = fixtureTag(env.fixtures, 'lading/fixture:amd64');
      const b = fixtureTag(env.fixtures, 'lading/other:1.0');
      const host = env.registries.plain.host;
      await page.goto(`/?compare=${host}/${a.repository}:${a.tag}&with=${host}/${b.repository}:${b.tag}`);
      await expect(page.getByRole('list', { name: 'Changed paths' }).locator('li').first()).toBeVisible({ timeout: 60_000 });
    },
  },
  {
    name: 'error-not-found',
    open: async (page) => {
      const env = loadEnv();
      await page.goto(`/?image=${env.registries.plain.host}/lading/no-such-repo:1`);
      await expect(page.getByRole('alert')).toBeVisible();
    },
  },
];

for (const scheme of ['light', 'dark'] as const) {
  for (const screen of screens) {
    test(`${screen.name} (${scheme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await screen.open(page);
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
      await page.screenshot({ path: screenshotPath(`screen-${screen.name}-${scheme}`) });
      await expectAccessible(page);
    });
  }
}

test('the theme toggle and large text apply and are remembered', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await page.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const before = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  await page.getByRole('button', { name: 'Large text' }).click();
  await expect(page.getByRole('button', { name: 'Large text' })).toHaveAttribute('aria-pressed', 'true');
  const after = await page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  expect(parseFloat(after)).toBeGreaterThan(parseFloat(before));
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.locator('html')).toHaveAttribute('data-large-text', '');
  await page.screenshot({ path: screenshotPath('screen-landing-dark-large') });
});
