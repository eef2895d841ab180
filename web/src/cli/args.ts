/** Command-line parsing for `lading analyze`. Pure, so it is tested without a process. */
import { parsePlatform } from '../core/platform';
import type { CiRules, RuleKey } from './ci';
import { parseBytes } from './goFormat';

export const USAGE = `Usage: lading analyze <reference | docker-save.tar | oci-archive.tar> [options]

Analyzes a container image like dive: its layers, dive's efficiency score and wasted space,
and Lading's reclaimable bytes. An existing file is read as an image archive (docker save,
podman save, skopeo copy … docker-archive: or oci-archive:); anything else is a registry
reference, reached through an in-process Lading proxy (LADING_INSECURE_REGISTRIES,
LADING_DOCKER_CONFIG apply as for npm start).

Options:
  --platform os/arch[/variant]   platform of a multi-platform image (default linux/amd64, else the first)
  --json FILE                    write dive's JSON export, plus a "lading" section, to FILE ("-" = stdout)
  --ci                           evaluate dive's CI rules (defaults, or .dive-ci in the current directory)
  --ci-config FILE               CI rules file (YAML, dive's .dive-ci format); implies --ci
  --lowestEfficiency VALUE       override a CI rule (0..1, or "disabled")
  --highestWastedBytes VALUE     override a CI rule ("20MB", "1.5GiB", or "disabled")
  --highestUserWastedPercent V   override a CI rule (0..1, or "disabled")
  --concurrency N                layers read at the same time (default 3)
  --min-bytes SIZE               shrink advice under SIZE is listed as small (default 1MiB; "500kB", "0")
  --no-color                     plain output even on a terminal
  --verbose                      also print the in-process proxy's log lines on stderr
  -h, --help                     this text

Exit codes:
  0  analyzed; CI rules passed (with --ci)
  1  could not analyze: bad arguments or reference, registry or archive error, CI rules misconfigured
  2  integrity failure: a layer did not match its digest or diff_id, or could not be read in full
  3  a CI rule failed (with --ci)`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface AnalyzeArgs {
  command: 'analyze';
  target: string;
  platform?: string;
  json?: string;
  ci: boolean;
  ciConfig?: string;
  /** CI rules given on the command line (they override the file). */
  ciRules: Partial<CiRules>;
  concurrency: number;
  /** The shrink advice's floor in bytes (core/advice DEFAULT_MIN_BYTES when absent). */
  minBytes?: number;
  color?: boolean;
  verbose: boolean;
}

export type ParsedArgs = AnalyzeArgs | { command: 'help' };

const RULE_FLAGS: Record<string, RuleKey> = {
  '--lowestEfficiency': 'lowestEfficiency',
  '--highestWastedBytes': 'highestWastedBytes',
  '--highestUserWastedPercent': 'highestUserWastedPercent',
};

const VALUE_FLAGS = new Set(['--platform', '--json', '--ci-config', '--concurrency', '--min-bytes', ...Object.keys(RULE_FLAGS)]);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'analyze') throw new UsageError(`unknown command "${command}"; the command is "analyze"`);
  const out: AnalyzeArgs = { command: 'analyze', target: '', ci: false, ciRules: {}, concurrency: 3, verbose: false };
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    let value: string | undefined;
    if (VALUE_FLAGS.has(name)) {
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = rest[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
      }
    } else if (eq >= 0) {
      throw new UsageError(`${name} takes no value`);
    }
    switch (name) {
      case '--platform':
        if (!parsePlatform(value!)) throw new UsageError(`--platform must be os/arch or os/arch/variant (e.g. linux/arm64), not "${value}"`);
        out.platform = value!;
        break;
      case '--json':
        if (value === '') throw new UsageError('--json needs a file name (or "-" for stdout)');
        out.json = value!;
        break;
      case '--ci':
        out.ci = true;
        break;
      case '--ci-config':
        out.ci = true;
        out.ciConfig = value!;
        break;
      case '--concurrency': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 16) throw new UsageError(`--concurrency must be an integer from 1 to 16, not "${value}"`);
        out.concurrency = n;
        break;
      }
      case '--min-bytes': {
        const parsed = parseBytes(value!);
        if (!parsed.ok) throw new UsageError(`--min-bytes must be a size such as 1048576, 500kB or 1MiB, not "${value}" (${parsed.error})`);
        out.minBytes = parsed.value;
        break;
      }
      case '--no-color':
        out.color = false;
        break;
      case '--color':
        out.color = true;
        break;
      case '--verbose':
        out.verbose = true;
        break;
      default: {
        const rule = RULE_FLAGS[name];
        if (rule === undefined) throw new UsageError(`unknown option ${name}`);
        out.ciRules[rule] = value!;
      }
    }
  }
  if (positional.length === 0) throw new UsageError('analyze needs an image reference or an archive file');
  if (positional.length > 1) throw new UsageError(`analyze takes one image, got ${positional.length}: ${positional.join(' ')}`);
  out.target = positional[0]!;
  return out;
}
