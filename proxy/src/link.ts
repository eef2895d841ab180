// Pagination links (`Link: </v2/...?last=x>; rel="next"`, RFC 8288) rewritten so that paging stays on
// the proxy's route and never points the browser at another host.

import { ROUTE_PREFIX } from './registryPath';
import type { RegistryTarget } from './registry';

/**
 * Rewrites `Link` so pagination stays on the proxy: `</v2/...>` and absolute URLs on the registry's
 * own host become `</registry/<host>/v2/...>`. Links to anywhere else are dropped.
 */
export function rewriteLink(header: string, base: URL, target: RegistryTarget): string | undefined {
  const kept: string[] = [];
  for (const value of splitLinkValues(header)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(value);
    if (!match) continue;
    let url: URL;
    try {
      url = new URL(match[1] ?? '', base);
    } catch {
      continue;
    }
    const sameRegistry = url.host === target.host || url.host === target.routeHost;
    if (!sameRegistry || !url.pathname.startsWith('/v2/')) continue;
    kept.push(`<${ROUTE_PREFIX}${target.routeHost}${url.pathname}${url.search}>${match[2] ?? ''}`);
  }
  return kept.length > 0 ? kept.join(', ') : undefined;
}

/** Splits a Link header at the commas between link-values (not inside `<...>` or quotes). */
function splitLinkValues(header: string): string[] {
  const values: string[] = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (const ch of header) {
    if (ch === '<' && !inQuote) inAngle = true;
    else if (ch === '>' && !inQuote) inAngle = false;
    else if (ch === '"' && !inAngle) inQuote = !inQuote;
    if (ch === ',' && !inAngle && !inQuote) {
      values.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '') values.push(current);
  return values;
}
