/**
 * dive's CI gate (`dive --ci`), with dive's rules, defaults, validation and report text.
 *
 * Sources (wagoodman/dive): the v0.10–v0.12 `runtime/ci/rule.go` (rules, validation, messages),
 * `runtime/ci/evaluator.go` (evaluation, report: "Inefficient Files:", "Results:",
 * `Result:PASS [Total:3] [Passed:2] [Failed:0] [Warn:0] [Skipped:1]`), `runtime/run.go` (the three
 * figures printed first), `cmd/root.go` + `cmd/ci.go` (defaults, `.dive-ci`); the current
 * `cmd/dive/cli/internal/command/ci/rules.go` for which values disable a rule.
 *
 * - Defaults: lowestEfficiency "0.9", highestWastedBytes "disabled", highestUserWastedPercent "0.1".
 * - `.dive-ci` is YAML; the rules sit under `rules:` with dive's keys (`lowestEfficiency`,
 *   `highestWastedBytes`, `highestUserWastedPercent`). Current dive's kebab-case keys
 *   (`lowest-efficiency-threshold`, `highest-wasted-bytes`, `highest-user-wasted-percent`) are
 *   read too, at the top level or under `rules:`. Scalars are read as the text written (YAML's
 *   failsafe schema), as dive reads them with viper's GetString.
 * - A rule is skipped when its value is "disabled"; current dive also takes "off", "false" and
 *   the empty value (trimmed, any case), and so does Lading. dive ≤ 0.12 knew only "disabled".
 * - Validation: efficiency and user-wasted percent must parse as floats (Go's ParseFloat) within
 *   0..1; wasted bytes must parse with go-humanize's ParseBytes ("20MB" = 20,000,000 bytes,
 *   "20MiB" = 20,971,520). Any invalid rule makes the whole evaluation MISCONFIGURED.
 * - A rule fails when efficiency < lowestEfficiency, wasted bytes > highestWastedBytes, or
 *   user-wasted percent > highestUserWastedPercent (strictly).
 */
import { parse as parseYaml } from 'yaml';
import { goFixed, goFloatV, goParseFloat, humanizeBytes, parseBytes } from './goFormat';

export type RuleKey = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
export const RULE_KEYS: readonly RuleKey[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

export type CiRules = Record<RuleKey, string>;

export const DEFAULT_CI_RULES: Readonly<CiRules> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

/** Current dive's spelling of the same keys. */
const KEBAB_KEYS: Record<string, RuleKey> = {
  'lowest-efficiency-threshold': 'lowestEfficiency',
  'highest-wasted-bytes': 'highestWastedBytes',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
};

export class CiConfigError extends Error {
  override readonly name = 'CiConfigError';
}

export interface ParsedCiConfig {
  rules: Partial<CiRules>;
  /** Keys that were ignored, for a warning. */
  ignored: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a `.dive-ci` document. Throws CiConfigError when it is not YAML or not a mapping. */
export function parseCiConfig(text: string, source = '.dive-ci'): ParsedCiConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: 'failsafe' });
  } catch (error) {
    throw new CiConfigError(`${source} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rules: Partial<CiRules> = {};
  const ignored: string[] = [];
  if (doc === null || doc === undefined || doc === '') return { rules, ignored };
  if (!isRecord(doc)) throw new CiConfigError(`${source} must be a YAML mapping with a "rules:" section`);
  const take = (map: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(map)) {
      const rule = (RULE_KEYS as readonly string[]).includes(key) ? (key as RuleKey) : KEBAB_KEYS[key];
      if (rule === undefined) {
        if (prefix === '' && key === 'rules') continue;
        ignored.push(`${prefix}${key}`);
        continue;
      }
      if (value === null || value === undefined) {
        rules[rule] = '';
      } else if (typeof value === 'string') {
        rules[rule] = value;
      } else {
        throw new CiConfigError(`${source}: ${prefix}${key} must be a single value, not a ${Array.isArray(value) ? 'list' : 'mapping'}`);
      }
    }
  };
  take(doc, '');
  const nested = doc.rules;
  if (nested !== undefined && nested !== null && nested !== '') {
    if (!isRecord(nested)) throw new CiConfigError(`${source}: "rules" must be a mapping of rule names to values`);
    take(nested, 'rules.');
  }
  return { rules, ignored };
}

/** dive's rule values in precedence order: defaults, then the file, then command-line flags. */
export function resolveCiRules(...layers: Partial<CiRules>[]): CiRules {
  return Object.assign({}, DEFAULT_CI_RULES, ...layers) as CiRules;
}

export function isRuleDisabled(value: string): boolean {
  const v = value.trim().toLowerCase();
  return v === '' || v === 'disabled' || v === 'off' || v === 'false';
}

export type RuleStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'MISCONFIGURED' | 'CONFIGURED';

export interface RuleResult {
  key: RuleKey;
  status: RuleStatus;
  message: string;
}

/** The figures dive's rules look at (dive's Analysis). */
export interface CiAnalysis {
  efficiency: number;
  wastedBytes: number;
  wastedUserPercent: number;
  /** dive's order: largest first. */
  inefficiencies: readonly { count: number; sizeBytes: number; path: string }[];
}

export interface CiEvaluation {
  results: RuleResult[];
  pass: boolean;
  misconfigured: boolean;
  tally: { total: number; pass: number; fail: number; warn: number; skip: number };
}

/** The validation error of one rule value, or undefined (dive's configValidator). */
export function validateRule(key: RuleKey, value: string): string | undefined {
  if (key === 'highestWastedBytes') {
    const parsed = parseBytes(value);
    return parsed.ok ? undefined : `invalid config value ('${value}'): ${parsed.error}`;
  }
  const parsed = goParseFloat(value);
  if (!parsed.ok) return `invalid config value ('${value}'): ${parsed.error}`;
  if (parsed.value < 0 || parsed.value > 1) return `${key} config value is outside allowed range (0-1), given '${value}'`;
  return undefined;
}

/** Checks every enabled rule; the results to print when something is misconfigured. */
export function validateCiRules(rules: CiRules): { ok: boolean; results: RuleResult[] } {
  let ok = true;
  const results = RULE_KEYS.map((key): RuleResult => {
    const value = rules[key];
    if (isRuleDisabled(value)) return { key, status: 'CONFIGURED', message: 'rule disabled' };
    const error = validateRule(key, value);
    if (error !== undefined) {
      ok = false;
      return { key, status: 'MISCONFIGURED', message: error };
    }
    return { key, status: 'CONFIGURED', message: 'test' };
  });
  return { ok, results };
}

function evaluateRule(key: RuleKey, value: string, a: CiAnalysis): { status: RuleStatus; message: string } {
  switch (key) {
    case 'lowestEfficiency': {
      const threshold = goParseFloat(value);
      if (!threshold.ok) return { status: 'FAIL', message: `invalid config value ('${value}'): ${threshold.error}` };
      if (threshold.value > a.efficiency) {
        return { status: 'FAIL', message: `image efficiency is too low (efficiency=${goFloatV(a.efficiency)} < threshold=${goFloatV(threshold.value)})` };
      }
      return { status: 'PASS', message: '' };
    }
    case 'highestWastedBytes': {
      const threshold = parseBytes(value);
      if (!threshold.ok) return { status: 'FAIL', message: `invalid config value ('${value}'): ${threshold.error}` };
      if (a.wastedBytes > threshold.value) {
        return { status: 'FAIL', message: `too many bytes wasted (wasted-bytes=${a.wastedBytes} > threshold=${threshold.value})` };
      }
      return { status: 'PASS', message: '' };
    }
    case 'highestUserWastedPercent': {
      const threshold = goParseFloat(value);
      if (!threshold.ok) return { status: 'FAIL', message: `invalid config value ('${value}'): ${threshold.error}` };
      if (threshold.value < a.wastedUserPercent) {
        return {
          status: 'FAIL',
          message: `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${goFloatV(a.wastedUserPercent)} > threshold=${goFloatV(threshold.value)})`,
        };
      }
      return { status: 'PASS', message: '' };
    }
  }
}

/** dive's CiEvaluator.Evaluate. */
export function evaluateCi(rules: CiRules, analysis: CiAnalysis): CiEvaluation {
  const validation = validateCiRules(rules);
  if (!validation.ok) {
    return { results: validation.results, pass: false, misconfigured: true, tally: { total: 0, pass: 0, fail: 0, warn: 0, skip: 0 } };
  }
  const results = RULE_KEYS.map((key): RuleResult => {
    const value = rules[key];
    if (isRuleDisabled(value)) return { key, status: 'SKIP', message: 'rule disabled' };
    return { key, ...evaluateRule(key, value, analysis) };
  });
  const count = (s: RuleStatus): number => results.filter((r) => r.status === s).length;
  const tally = { total: results.length, pass: count('PASS'), fail: count('FAIL'), warn: count('WARN'), skip: count('SKIP') };
  return { results, pass: tally.fail === 0, misconfigured: false, tally };
}

export interface Style {
  title(s: string): string;
  pass(s: string): string;
  fail(s: string): string;
  warn(s: string): string;
}

export const PLAIN: Style = { title: (s) => s, pass: (s) => s, fail: (s) => s, warn: (s) => s };

/** The three lines dive prints before its report (runtime/run.go). */
export function ciFigures(a: CiAnalysis): string {
  return [
    `  efficiency: ${goFixed(a.efficiency * 100, 4)} %`,
    `  wastedBytes: ${a.wastedBytes} bytes (${humanizeBytes(a.wastedBytes)})`,
    `  userWastedPercent: ${goFixed(a.wastedUserPercent * 100, 4)} %`,
  ].join('\n');
}

function pad(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** dive's "Inefficient Files:" table: `%5s  %12s  %-s`. */
export function inefficientFilesTable(files: CiAnalysis['inefficiencies'], limit = Infinity): string[] {
  const lines = [`${pad('Count', 5)}  ${pad('Wasted Space', 12)}  File Path`];
  if (files.length === 0) lines.push('None');
  for (const f of files.slice(0, limit)) lines.push(`${pad(String(f.count), 5)}  ${pad(humanizeBytes(f.sizeBytes), 12)}  ${f.path}`);
  return lines;
}

function statusText(status: RuleStatus, style: Style): string {
  switch (status) {
    case 'PASS':
      return style.pass('PASS');
    case 'FAIL':
      return style.fail('FAIL');
    case 'WARN':
      return style.warn('WARN');
    case 'SKIP':
      return style.warn('SKIP');
    case 'MISCONFIGURED':
      return style.fail('MISCONFIGURED');
    case 'CONFIGURED':
      return 'CONFIGURED   ';
  }
}

/** The "Results:" section and the summary line, rules sorted by name as dive sorts them. */
export function resultsSection(evaluation: CiEvaluation, style: Style = PLAIN): string[] {
  const lines = [style.title('Results:')];
  const sorted = [...evaluation.results].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of sorted)
    lines.push(r.message !== '' ? `  ${statusText(r.status, style)}: ${r.key}: ${r.message}` : `  ${statusText(r.status, style)}: ${r.key}`);
  if (evaluation.misconfigured) {
    lines.push(style.fail('CI Misconfigured'));
  } else {
    const t = evaluation.tally;
    const summary = `Result:${t.fail > 0 ? 'FAIL' : 'PASS'} [Total:${t.total}] [Passed:${t.pass}] [Failed:${t.fail}] [Warn:${t.warn}] [Skipped:${t.skip}]`;
    lines.push(evaluation.pass ? style.pass(summary) : style.fail(summary));
  }
  return lines;
}

/** dive's whole CI report: figures, inefficient files, results. */
export function ciReport(evaluation: CiEvaluation, analysis: CiAnalysis, style: Style = PLAIN): string {
  return [ciFigures(analysis), style.title('Inefficient Files:'), ...inefficientFilesTable(analysis.inefficiencies), ...resultsSection(evaluation, style)].join(
    '\n',
  );
}
