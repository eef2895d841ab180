import { readFileSync } from 'node:fs';
import { GzipDecoder } from '/work/main/web/src/core/layers/gzip';
import { Inflate } from 'pako';
const gz = new Uint8Array(readFileSync('/tmp/lb/t.tar.gz'));
const cs: Uint8Array[] = []; for (let o = 0; o < gz.length; o += 65536) cs.push(gz.subarray(o, o + 65536));
for (let rep = 0; rep < 3; rep++) for (const size of [16384, 65536, 262144, 1048576]) {
  const t0 = performance.now(); const d = new GzipDecoder(() => {}, size); for (const c of cs) d.push(c); d.finish();
  console.log(size, (performance.now() - t0).toFixed(0));
}
for (let rep = 0; rep < 2; rep++) { const t0 = performance.now(); const inf = new Inflate({ chunkSize: 65536 }); inf.onData = () => {}; for (const c of cs) inf.push(c); console.log('pako Inflate class', (performance.now() - t0).toFixed(0)); }
