/**
 * The real fixture image (e2e/.artifacts/fixtures, built from Debian packages by
 * `bash e2e/fixtures/build.sh`): its layer blobs through analyzeLayerStream, then stacked.
 * Layer `whiteout.layerIndex` of lading/fixture:amd64 deletes a file, whiteouts a directory,
 * makes a directory opaque and overwrites a file; fixtures.json says which paths, and GNU tar's
 * own listing of the lower layers gives the sizes. Nothing expected here comes from the model.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { analyzeLayerStream } from '../layers';
import { Mark, stackLayers } from './index';
import { fixturesFilePath, loadFixtures, type FixturesFile } from '../../../../e2e/harness/fixtures';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
// In CI the fixtures are built before the unit tests (npm test): missing there is a failure, not a skip.
const present = existsSync(fixturesFilePath) || !!process.env.CI;

if (!present) console.warn(`skipping the fixture check: ${fixturesFilePath} is missing (build it with \`bash e2e/fixtures/build.sh\`)`);

describe.skipIf(!present)('real fixture image: lading/fixture:amd64', () => {
  const fixtures: Partial<FixturesFile> = present ? loadFixtures() : {};
  const tag = fixtures.tags?.['lading/fixture:amd64'];
  const facts = fixtures.whiteout!;
  const layers = tag?.platforms[0]?.image.layers ?? [];
  const blob = (digest: string) => join(root, tag!.source.path, 'blobs', 'sha256', digest.slice('sha256:'.length));

  /** Regular files per path as GNU tar lists them, layers 0..upTo, the last one winning. */
  function tarSizes(upTo: number): Map<string, number> {
    const sizes = new Map<string, number>();
    for (let k = 0; k <= upTo; k++) {
      const out = execFileSync('tar', ['--quoting-style=literal', '--numeric-owner', '-tvzf', blob(layers[k]!.digest)], {
        env: { ...process.env, LC_ALL: 'C.UTF-8' },
      }).toString('utf8');
      for (const line of out.split('\n')) {
        const m = /^(\S)\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
        if (!m) continue;
        const name = '/' + m[3]!.replace(/ (->|link to) .*$/, '').replace(/\/$/, '');
        if (m[1] === '-') sizes.set(name, Number(m[2]));
        else sizes.delete(name);
      }
    }
    return sizes;
  }

  test('the whiteout layer removes exactly the paths fixtures.json names; reclaimable bytes are their sizes', async () => {
    const analyses = await Promise.all(layers.map((l) => analyzeLayerStream(createReadStream(blob(l.digest)))));
    for (const a of analyses) expect(a.error).toBeUndefined();
    const fs = stackLayers(analyses.map((a, i) => ({ index: a.index, command: layers[i]!.createdBy })));
    const k = facts.layerIndex;

    const view = fs.view(k, 'layer');
    const marked = (m: Mark) => [...view.nodes].filter((n) => view.mark[n] === m).map((n) => fs.path(n));
    const expectedRemoved = [
      ...facts.deletedFiles.map((f) => f.path),
      ...facts.deletedDirectories.flatMap((d) => [d.path, ...d.hiddenPaths]),
      ...facts.opaqueDirectories.flatMap((d) => d.hiddenPaths),
    ];
    expect(marked(Mark.Removed).sort()).toEqual(expectedRemoved.sort());
    expect(marked(Mark.Added).sort()).toEqual(facts.opaqueDirectories.flatMap((d) => d.addedPaths).sort());
    const modified = marked(Mark.Modified);
    for (const f of facts.overwrittenFiles) expect(modified).toContain(f.path);
    for (const d of facts.opaqueDirectories) expect(modified).toContain(d.path);

    // What the layer made unreachable, per path, against the facts and tar's sizes.
    const lower = tarSizes(k - 1);
    const expected = new Map<string, number>();
    for (const f of facts.deletedFiles) expected.set(f.path, f.size);
    for (const f of facts.overwrittenFiles) expected.set(f.path, f.oldSize);
    for (const p of [...facts.deletedDirectories, ...facts.opaqueDirectories].flatMap((d) => d.hiddenPaths)) {
      const size = lower.get(p);
      if (size !== undefined && size > 0) expected.set(p, size);
    }
    const items = fs.reclaimableItems().filter((i) => i.byLayer === k);
    expect(new Map(items.map((i) => [i.path, i.bytes]))).toEqual(expected);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(items.reduce((a, i) => a + i.bytes, 0)).toBe(total);
    // The per-layer totals hold the same bytes, charged to the layers that wrote them.
    const byLayer = new Map<number, number>();
    for (const i of items) byLayer.set(i.layer, (byLayer.get(i.layer) ?? 0) + i.bytes);
    const rec = fs.reclaimable();
    const others = fs.reclaimableItems().filter((i) => i.byLayer !== k);
    for (const [layer, bytes] of byLayer) {
      const fromOthers = others.filter((i) => i.layer === layer).reduce((a, i) => a + i.bytes, 0);
      expect(rec.byLayer[layer]).toBe(bytes + fromOthers);
    }
    for (const i of items) expect(i.byCommand).toBe(layers[k]!.createdBy);
    const reasons = Object.fromEntries(items.map((i) => [i.path, i.reason]));
    for (const f of facts.deletedFiles) expect(reasons[f.path]).toBe('deleted');
    for (const f of facts.overwrittenFiles) expect(reasons[f.path]).toBe('overwritten');
    for (const p of facts.opaqueDirectories.flatMap((d) => d.hiddenPaths)) if (expected.has(p)) expect(reasons[p]).toBe('hidden-by-opaque');

    // The final image no longer has them.
    const finalView = fs.view(fs.layerCount - 1, 'aggregate');
    for (const p of expectedRemoved) expect(finalView.mark[fs.find(p)], p).toBe(Mark.Removed);
    expect(fs.dive().layerSizes.length).toBe(layers.length);
  });
});
