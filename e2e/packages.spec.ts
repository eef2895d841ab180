// Proves the package-database fixtures (e2e/fixtures/packages.sh, issue 13) are pushed: every tag
// is served through the proxy with the digest packages.json records, with each of its layers.

import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible } from './harness/axe';
import { MANIFEST_ACCEPT, PACKAGE_FIXTURE_REFERENCES, loadEnv, manifestDigests, screenshotPath } from './harness/env';
import type { PackageFixtureReference } from './harness/fixtures';
import { osPackages } from './harness/packageTruth';
import { repoRoot } from './harness/paths';

const viaProxy = (host: string, path: string): string => `${loadEnv().proxyUrl}/registry/${host}/v2/${path}`;

test('packages.json has exactly the expected tags', () => {
  expect(Object.keys(loadEnv().packageFixtures.tags).sort()).toEqual([...PACKAGE_FIXTURE_REFERENCES].sort());
});

for (const reference of PACKAGE_FIXTURE_REFERENCES) {
  test(`${reference}: manifest by tag and by digest, and every layer`, async ({ request }) => {
    const env = loadEnv();
    const { plain } = env.registries;
    const tag = env.packageFixtures.tags[reference];
    expect(tag, reference).toBeDefined();
    const byTag = await request.get(viaProxy(plain.host, `${tag!.repository}/manifests/${tag!.tag}`), { headers: { Accept: MANIFEST_ACCEPT } });
    expect(byTag.status()).toBe(200);
    expect(byTag.headers()['docker-content-digest']).toBe(tag!.digest);
    expect((await byTag.body()).length).toBe(tag!.size);
    for (const digest of manifestDigests(tag!)) {
      const res = await request.head(viaProxy(plain.host, `${tag!.repository}/manifests/${digest}`), { headers: { Accept: MANIFEST_ACCEPT } });
      expect(res.status(), digest).toBe(200);
    }
    const layers = tag!.platforms[0]!.image.layers;
    expect(layers.length).toBe(env.packageFixtures.images[tag!.tag as 'debian'].snapshots.length);
    for (const layer of layers) {
      const res = await request.head(viaProxy(plain.host, `${tag!.repository}/blobs/${layer.digest}`));
      expect(res.status(), layer.digest).toBe(200);
      expect(res.headers()['content-length']).toBe(String(layer.size));
    }
  });
}

// The Packages view and its links into the explorer (issue 13 part 2), on the same images. Every
// expected name, version, layer, file count and size comes from the package managers' own tools
// over the fixture's rootfs and per-layer snapshots (harness/packageTruth.ts), never from Lading.

const pkgTable = (page: Page) => page.getByRole('table', { name: 'Packages' });
const pkgRow = (page: Page, name: string) =>
  pkgTable(page)
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });

function imageUrl(reference: PackageFixtureReference, params: Record<string, string> = {}): string {
  const env = loadEnv();
  const tag = env.packageFixtures.tags[reference]!;
  return `/?${new URLSearchParams({ image: `${env.registries.plain.host}/${tag.repository}:${tag.tag}`, ...params }).toString()}`;
}

async function openPackages(page: Page, reference: PackageFixtureReference): Promise<void> {
  await page.goto(imageUrl(reference, { view: 'packages' }));
  await expect(page.getByTestId('package-summary')).toBeVisible({ timeout: 90_000 });
}

/** Filters the list to one package and reads its row. */
async function rowOf(page: Page, name: string) {
  await page.getByLabel('Filter packages').fill(name);
  const row = pkgRow(page, name);
  await expect(row).toHaveCount(1);
  const cells = row.getByRole('cell');
  return {
    row,
    version: await cells.nth(2).textContent(),
    layer: await cells.nth(3).textContent(),
    files: Number((await cells.nth(4).textContent())!.replace(/,/g, '')),
    sizeBytes: Number(await cells.nth(5).getAttribute('data-bytes')),
  };
}

/** A listed path as the final image shows it: its directories resolved through the rootfs's symlinks (usrmerge). */
function resolvedPath(rootfs: string, p: string): string {
  const slash = p.lastIndexOf('/');
  try {
    const dir = realpathSync(join(rootfs, p.slice(0, slash)));
    const rel = relative(realpathSync(rootfs), dir);
    return `${rel ? `/${rel}` : ''}/${p.slice(slash + 1)}`;
  } catch {
    return p;
  }
}

const IMAGES = [
  { reference: 'lading/packages:debian', image: 'debian', top: 12, tolerance: 0.01 },
  { reference: 'lading/packages:distroless', image: 'distroless', top: 6, tolerance: 0 },
  { reference: 'lading/packages:rpm', image: 'rpm', top: 1, tolerance: 0 },
  { reference: 'lading/packages:apk', image: 'apk', top: 1, tolerance: 0 },
] as const;

for (const { reference, image, top, tolerance } of IMAGES) {
  test(`${reference}: the Packages view lists what the package tools say, with sizes from the rootfs`, async ({ page }) => {
    test.setTimeout(180_000);
    const env = loadEnv();
    const truth = osPackages(env.packageFixtures, image, repoRoot).sort((a, b) => b.sizeBytes - a.sizeBytes);
    await openPackages(page, reference);
    const eco = truth[0]!.ecosystem;
    await expect(page.getByTestId('package-summary')).toContainText(`${truth.length} ${eco}`);
    // Largest first: the first row is the package that owns the most bytes.
    await expect(pkgTable(page).getByRole('row').nth(1).getByRole('cell').nth(1)).toHaveText(truth[0]!.name);
    for (const t of truth.slice(0, top)) {
      const got = await rowOf(page, t.name);
      expect(got.version, t.name).toBe(t.version);
      expect(got.layer, t.name).toBe(String(t.layer));
      expect(Math.abs(got.sizeBytes - t.sizeBytes), `${t.name}: ${got.sizeBytes} vs ${t.sizeBytes}`).toBeLessThanOrEqual(t.sizeBytes * tolerance);
      expect(Math.abs(got.files - t.files), `${t.name} files`).toBeLessThanOrEqual(Math.ceil(t.files * tolerance));
    }
  });
}

test('rpm: the BerkeleyDB Packages file is said not to be read, on its layer', async ({ page }) => {
  const env = loadEnv();
  await openPackages(page, 'lading/packages:rpm');
  const notes = page.getByTestId('package-notes');
  await expect(notes).toBeVisible();
  const line = notes.getByRole('listitem').filter({ hasText: env.packageFixtures.rpm.berkeleyDbPath });
  await expect(line).toHaveCount(1);
  await expect(line).toContainText('not read');
  await expect(line).toContainText('BerkeleyDB');
  await page.screenshot({ path: screenshotPath('packages-rpm-notes') });
});

test('debian: a click on a package shows its files in the tree, the details pane names it, the chip clears it', async ({ page }) => {
  test.setTimeout(180_000);
  const env = loadEnv();
  const compiler = env.packageFixtures.debian.compiler;
  const rootfs = join(repoRoot, env.packageFixtures.images.debian.rootfs);
  const t = osPackages(env.packageFixtures, 'debian', repoRoot).find((p) => p.name === compiler)!;
  const owned = new Set(t.paths.map((p) => resolvedPath(rootfs, p)));
  await openPackages(page, 'lading/packages:debian');
  const { row } = await rowOf(page, compiler);
  await row.click();

  await expect(page).toHaveURL(/[?&]pkg=/);
  await expect(page.getByRole('tab', { name: 'Explorer' })).toHaveAttribute('aria-selected', 'true');
  const chip = page.getByTestId('package-filter');
  await expect(chip).toContainText(`deb ${compiler} ${t.version}`);
  // Every file row the tree shows is one dpkg lists for the package; directories are only their parents.
  const rows = tree(page).locator('[role="treeitem"]');
  await expect(rows.first()).toBeVisible();
  const shown = await rows.evaluateAll((els) => els.map((e) => ({ path: e.getAttribute('data-path')!, dir: e.hasAttribute('aria-expanded') })));
  const files = shown.filter((r) => !r.dir).map((r) => r.path);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expect(owned.has(f), f).toBe(true);
  expect(files).toContain('/usr/bin/tcc');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: screenshotPath(`packages-tree-filtered-${scheme}`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  await tree(page).locator('[role="treeitem"][data-path="/usr/bin/tcc"]').click();
  await expect(page.getByTestId('node-owner')).toHaveText(`deb ${compiler} ${t.version}`);

  await chip.getByRole('button', { name: 'Clear the package filter' }).click();
  await expect(chip).toHaveCount(0);
  await expect(page).not.toHaveURL(/[?&]pkg=/);
  await expect(tree(page).locator('[role="treeitem"][data-path="/etc"]')).toBeVisible();
});

test('debian: a file no package lists says "no package"', async ({ page }) => {
  // dpkg's own status file is in no .list.
  const listed = execFileSync('sh', ['-c', `cat ${join(repoRoot, loadEnv().packageFixtures.images.debian.rootfs)}/var/lib/dpkg/info/*.list`], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  expect(listed.split('\n')).not.toContain('/var/lib/dpkg/status');
  await page.goto(imageUrl('lading/packages:debian', { path: '/var/lib/dpkg/status' }));
  await expect(page.getByTestId('node-owner')).toHaveText('no package', { timeout: 90_000 });
});

for (const scheme of ['light', 'dark'] as const) {
  test(`screenshots: the Packages view (${scheme})`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: scheme });
    await openPackages(page, 'lading/packages:distroless');
    await page.screenshot({ path: screenshotPath(`packages-view-distroless-${scheme}`) });
    await openPackages(page, 'lading/packages:debian');
    await page.screenshot({ path: screenshotPath(`packages-view-debian-${scheme}`) });
    await expectAccessible(page);
  });
}

test('debian: the treemap coloured by package names real packages in its legend', async ({ page }) => {
  test.setTimeout(120_000);
  const env = loadEnv();
  const names = new Set(osPackages(env.packageFixtures, 'debian', repoRoot).map((p) => p.name));
  await page.goto(imageUrl('lading/packages:debian', { view: 'treemap' }));
  const colour = page.getByLabel('Colour by');
  await expect(colour).toBeVisible({ timeout: 90_000 });
  await colour.selectOption('package');
  const legend = page.getByTestId('treemap-package-legend');
  await expect(legend).toBeVisible();
  const shown = await legend.locator('li[data-package]').allTextContents();
  expect(shown.length).toBeGreaterThanOrEqual(3);
  for (const name of shown) expect(names.has(name.trim()), name).toBe(true);
  await page.screenshot({ path: screenshotPath('packages-treemap-by-package') });
});

test('compare: the Packages tab lists packages added, removed and changed, with their bytes', async ({ page }) => {
  test.setTimeout(180_000);
  const env = loadEnv();
  const ref = (r: PackageFixtureReference) => {
    const tag = env.packageFixtures.tags[r]!;
    return `${env.registries.plain.host}/${tag.repository}:${tag.tag}`;
  };
  const a = osPackages(env.packageFixtures, 'distroless', repoRoot);
  const b = osPackages(env.packageFixtures, 'debian', repoRoot);
  const inA = new Map(a.map((p) => [p.name, p]));
  const inB = new Map(b.map((p) => [p.name, p]));
  await page.goto(`/?${new URLSearchParams({ compare: ref('lading/packages:distroless'), with: ref('lading/packages:debian'), view: 'packages' }).toString()}`);
  const summary = page.getByTestId('package-comparison');
  await expect(summary).toBeVisible({ timeout: 120_000 });
  // The debian image has only deb packages: every one the distroless image lacks is added.
  await expect(summary).toContainText(`${b.filter((p) => !inA.has(p.name)).length} added`);
  const table = page.getByRole('table', { name: 'Packages added, removed and changed' });
  const row = (name: string) => table.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
  const compiler = inB.get(env.packageFixtures.debian.compiler)!;
  await expect(row(compiler.name)).toHaveAttribute('data-change', 'added');
  const added = Number(await row(compiler.name).locator('td[data-bytes]').getAttribute('data-bytes'));
  expect(Math.abs(added - compiler.sizeBytes)).toBeLessThanOrEqual(compiler.sizeBytes * 0.01);
  for (const gone of a.filter((p) => !inB.has(p.name))) {
    await expect(row(gone.name)).toHaveAttribute('data-change', 'removed');
    await expect(row(gone.name).locator('td[data-bytes]')).toHaveAttribute('data-bytes', String(-gone.sizeBytes));
  }
  await page.screenshot({ path: screenshotPath('packages-compare') });
});
