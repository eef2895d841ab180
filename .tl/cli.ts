import { execFileSync } from 'node:child_process';
import { startRegistry } from '../e2e/harness/registry';
import { onStop, stopAll } from '../e2e/harness/run';
import { ensureImage, pushImage } from '../e2e/bench/image';
const tagName = process.argv[2] ?? 'zstd';
const { image } = ensureImage();
const registry = await startRegistry({ name: 'tlcli' }); onStop('registry', registry.stop);
await pushImage(registry, { layout: image.layout, tags: { [tagName]: (image.tags as any)[tagName] } } as any);
const tag = (image.tags as any)[tagName];
const ref = `${registry.host}/${tag.repository}:${tag.tag}`;
for (let i = 0; i < 3; i++) {
  const t = Date.now();
  execFileSync('node', [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cliprof'] : []), 'web/src/cli/lading.mjs', 'analyze', ref], { env: { ...process.env, LADING_INSECURE_REGISTRIES: registry.host }, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log('cli', tagName, Date.now() - t, 'ms');
}
await stopAll();
