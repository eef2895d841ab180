// Part a: the same work as Lading's layer engine, done by C tools on the same blobs:
//
//   curl -s URL | tee >(sha256sum) | gzip -dc | tee >(sha256sum) | tar -tv >/dev/null
//
// (zstd -dc for zstd layers). Both hashes are checked against the layer's digest and diff_id, so
// a broken run cannot pass as a fast one. The pipeline sits in `$( … 3>&1 )`, which reads until
// every process holding fd 3 has exited: the time includes the two sha256sum processes finishing.

import { spawn } from 'node:child_process';
import type { BenchLayer } from './image';

const LAYER_SCRIPT = String.raw`
set -euo pipefail
layer() { # url decompressor digest diff_id
  local out blob tar
  out=$( { curl -sf "$1" | tee >(sha256sum | sed 's/ .*//; s/^/blob /' >&3) | $2 -dc \
           | tee >(sha256sum | sed 's/ .*//; s/^/tar /' >&3) | tar -tv >/dev/null; } 3>&1 )
  blob=$(sed -n 's/^blob //p' <<<"$out")
  tar=$(sed -n 's/^tar //p' <<<"$out")
  [[ sha256:$blob == "$3" ]] || { echo "digest sha256:$blob, expected $3 ($1)" >&2; exit 3; }
  [[ sha256:$tar == "$4" ]] || { echo "diff_id sha256:$tar, expected $4 ($1)" >&2; exit 3; }
}
while (($#)); do layer "$1" "$2" "$3" "$4"; shift 4; done
`;

export interface PipelineJob {
  url: string;
  layer: BenchLayer;
}

function decompressor(layer: BenchLayer): string {
  if (layer.mediaType.endsWith('gzip')) return 'gzip';
  if (layer.mediaType.endsWith('zstd')) return 'zstd';
  throw new Error(`no C decompressor for ${layer.mediaType}`);
}

/** Runs the pipeline for `jobs`, one after another in one bash; resolves with the wall time in ms. */
export function runPipeline(jobs: readonly PipelineJob[], timeoutMs: number): Promise<number> {
  const args = jobs.flatMap((j) => [j.url, decompressor(j.layer), j.layer.digest, j.layer.diffId]);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', LAYER_SCRIPT, 'bench-pipeline', ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`the C pipeline took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = (): void => killGroup(child.pid);
    process.once('exit', stop);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      process.off('exit', stop);
      if (code === 0) resolve(ms);
      else reject(new Error(`the C pipeline failed (${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs one pipeline per job, `parallel` at a time, largest blob first (as Lading's pool does). */
export async function runPipelinePool(jobs: readonly PipelineJob[], parallel: number, timeoutMs: number): Promise<number> {
  const queue = [...jobs].sort((a, b) => b.layer.size - a.layer.size);
  const started = performance.now();
  const lane = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) await runPipeline([job], timeoutMs);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane));
  return performance.now() - started;
}

/** Best (lowest) of `runs` timings. */
export async function bestOf(runs: number, once: () => Promise<number>): Promise<{ bestMs: number; allMs: number[] }> {
  const allMs: number[] = [];
  for (let i = 0; i < runs; i++) allMs.push(await once());
  return { bestMs: Math.min(...allMs), allMs };
}
