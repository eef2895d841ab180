import { describe, expect, it } from 'vitest';
import {
  CiConfigError,
  ciReport,
  DEFAULT_CI_RULES,
  evaluateCi,
  isRuleDisabled,
  parseCiConfig,
  resolveCiRules,
  resultsSection,
  validateCiRules,
  type CiAnalysis,
  type RuleKey,
  type RuleStatus,
} from './ci';

/** dive's test image (dive's .data/test-docker-image.tar), figures from dive's export snapshot. */
const DIVE_TEST_IMAGE: CiAnalysis = {
  efficiency: 0.9844212134184309,
  wastedBytes: 32025,
  wastedUserPercent: 0.4834911001404049,
  inefficiencies: [
    { count: 2, sizeBytes: 12810, path: '/root/saved.txt' },
    { count: 2, sizeBytes: 12810, path: '/root/example/somefile1.txt' },
    { count: 2, sizeBytes: 6405, path: '/root/example/somefile3.txt' },
  ],
};

function statuses(rules: Record<RuleKey, string>): Record<string, RuleStatus> {
  return Object.fromEntries(evaluateCi(rules, DIVE_TEST_IMAGE).results.map((r) => [r.key, r.status]));
}

describe("dive's CI rules", () => {
  it("has dive's defaults", () => {
    expect(DEFAULT_CI_RULES).toEqual({ lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' });
  });

  // dive's runtime/ci/evaluator_test.go Test_Evaluator, on the same figures.
  it.each([
    ['allFail', ['0.99', '1B', '0.01'], false, ['FAIL', 'FAIL', 'FAIL']],
    ['allPass', ['0.9', '50kB', '0.5'], true, ['PASS', 'PASS', 'PASS']],
    ['allDisabled', ['disabled', 'disabled', 'disabled'], true, ['SKIP', 'SKIP', 'SKIP']],
    ['misconfiguredHigh', ['1.1', '1BB', '10'], false, ['MISCONFIGURED', 'MISCONFIGURED', 'MISCONFIGURED']],
    ['misconfiguredLow', ['-9', '-1BB', '-0.1'], false, ['MISCONFIGURED', 'MISCONFIGURED', 'MISCONFIGURED']],
  ] as const)('%s', (_name, [lowestEfficiency, highestWastedBytes, highestUserWastedPercent], pass, [eff, bytes, pct]) => {
    const rules = { lowestEfficiency, highestWastedBytes, highestUserWastedPercent };
    expect(evaluateCi(rules, DIVE_TEST_IMAGE).pass).toBe(pass);
    expect(statuses(rules)).toEqual({ lowestEfficiency: eff, highestWastedBytes: bytes, highestUserWastedPercent: pct });
  });

  it('fails only strictly beyond a threshold', () => {
    const exact = {
      lowestEfficiency: String(DIVE_TEST_IMAGE.efficiency),
      highestWastedBytes: '32025',
      highestUserWastedPercent: String(DIVE_TEST_IMAGE.wastedUserPercent),
    };
    expect(evaluateCi(exact, DIVE_TEST_IMAGE).pass).toBe(true);
    expect(statuses({ ...exact, highestWastedBytes: '32024B' }).highestWastedBytes).toBe('FAIL');
    expect(statuses({ ...exact, highestWastedBytes: '32kB' }).highestWastedBytes).toBe('FAIL');
    expect(statuses({ ...exact, highestWastedBytes: '32KiB' }).highestWastedBytes).toBe('PASS'); // 32768
  });

  it('skips "disabled", and "off", "false" and empty values as current dive does', () => {
    for (const v of ['disabled', 'DISABLED', ' off ', 'false', '']) expect(isRuleDisabled(v)).toBe(true);
    for (const v of ['0', 'no', '0.9', '20MB']) expect(isRuleDisabled(v)).toBe(false);
    expect(statuses({ lowestEfficiency: 'off', highestWastedBytes: 'disabled', highestUserWastedPercent: 'false' })).toEqual({
      lowestEfficiency: 'SKIP',
      highestWastedBytes: 'SKIP',
      highestUserWastedPercent: 'SKIP',
    });
  });

  it("validates as dive does, with dive's messages", () => {
    const { ok, results } = validateCiRules({ lowestEfficiency: '1.5', highestWastedBytes: '20 parsecs', highestUserWastedPercent: 'disabled' });
    expect(ok).toBe(false);
    expect(results).toEqual([
      { key: 'lowestEfficiency', status: 'MISCONFIGURED', message: "lowestEfficiency config value is outside allowed range (0-1), given '1.5'" },
      { key: 'highestWastedBytes', status: 'MISCONFIGURED', message: "invalid config value ('20 parsecs'): unhandled size name: parsecs" },
      { key: 'highestUserWastedPercent', status: 'CONFIGURED', message: 'rule disabled' },
    ]);
    expect(validateCiRules({ lowestEfficiency: 'abc', highestWastedBytes: '20MB', highestUserWastedPercent: '0.1' }).results[0]).toEqual({
      key: 'lowestEfficiency',
      status: 'MISCONFIGURED',
      message: `invalid config value ('abc'): strconv.ParseFloat: parsing "abc": invalid syntax`,
    });
  });

  it("prints dive's report", () => {
    const rules = { lowestEfficiency: '0.99', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.5' };
    expect(ciReport(evaluateCi(rules, DIVE_TEST_IMAGE), DIVE_TEST_IMAGE)).toBe(
      [
        '  efficiency: 98.4421 %',
        '  wastedBytes: 32025 bytes (32 kB)',
        '  userWastedPercent: 48.3491 %',
        'Inefficient Files:',
        'Count  Wasted Space  File Path',
        '    2         13 kB  /root/saved.txt',
        '    2         13 kB  /root/example/somefile1.txt',
        '    2        6.4 kB  /root/example/somefile3.txt',
        'Results:',
        '  PASS: highestUserWastedPercent',
        '  SKIP: highestWastedBytes: rule disabled',
        '  FAIL: lowestEfficiency: image efficiency is too low (efficiency=0.9844212134184309 < threshold=0.99)',
        'Result:FAIL [Total:3] [Passed:1] [Failed:1] [Warn:0] [Skipped:1]',
      ].join('\n'),
    );
    const failPct = evaluateCi({ ...rules, lowestEfficiency: '0.9', highestUserWastedPercent: '0.1' }, DIVE_TEST_IMAGE);
    expect(resultsSection(failPct)).toContain(
      '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.4834911001404049 > threshold=0.1)',
    );
    const failBytes = evaluateCi({ ...rules, highestWastedBytes: '20kB' }, DIVE_TEST_IMAGE);
    expect(resultsSection(failBytes)).toContain('  FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=32025 > threshold=20000)');
    const none = ciReport(evaluateCi(DEFAULT_CI_RULES, { ...DIVE_TEST_IMAGE, inefficiencies: [] }), { ...DIVE_TEST_IMAGE, inefficiencies: [] });
    expect(none).toContain('Count  Wasted Space  File Path\nNone\nResults:');
  });

  it('prints CI Misconfigured instead of a result line', () => {
    const evaluation = evaluateCi({ lowestEfficiency: '1.1', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' }, DIVE_TEST_IMAGE);
    expect(evaluation.misconfigured).toBe(true);
    expect(resultsSection(evaluation)).toEqual([
      'Results:',
      '  CONFIGURED   : highestUserWastedPercent: test',
      '  CONFIGURED   : highestWastedBytes: rule disabled',
      "  MISCONFIGURED: lowestEfficiency: lowestEfficiency config value is outside allowed range (0-1), given '1.1'",
      'CI Misconfigured',
    ]);
  });
});

describe('.dive-ci', () => {
  it("reads dive's documented format, values as written", () => {
    const text = `rules:
  # If the efficiency is measured below X%, mark as failed.
  lowestEfficiency: 0.95
  highestWastedBytes: 20MB
  highestUserWastedPercent: 0.20
`;
    expect(parseCiConfig(text)).toEqual({ rules: { lowestEfficiency: '0.95', highestWastedBytes: '20MB', highestUserWastedPercent: '0.20' }, ignored: [] });
  });

  it("reads current dive's kebab-case keys, and disabled values", () => {
    const parsed = parseCiConfig('lowest-efficiency-threshold: 0.8\nrules:\n  highest-wasted-bytes: off\n  highestUserWastedPercent: disabled\n');
    expect(parsed.rules).toEqual({ lowestEfficiency: '0.8', highestWastedBytes: 'off', highestUserWastedPercent: 'disabled' });
    const rules = resolveCiRules(parsed.rules);
    expect(evaluateCi(rules, DIVE_TEST_IMAGE).results.map((r) => r.status)).toEqual(['PASS', 'SKIP', 'SKIP']);
  });

  it('layers defaults, file and flags', () => {
    expect(resolveCiRules({ lowestEfficiency: '0.5' }, { highestWastedBytes: '1MB' })).toEqual({
      lowestEfficiency: '0.5',
      highestWastedBytes: '1MB',
      highestUserWastedPercent: '0.1',
    });
    expect(resolveCiRules(parseCiConfig('').rules)).toEqual(DEFAULT_CI_RULES);
    expect(parseCiConfig('rules:\n  lowestEfficiency:\n').rules).toEqual({ lowestEfficiency: '' });
  });

  it('lists unknown keys and refuses documents it cannot read', () => {
    expect(parseCiConfig('rules:\n  lowestEfficency: 0.9\nci: true\n').ignored).toEqual(['ci', 'rules.lowestEfficency']);
    expect(() => parseCiConfig('rules: [1, 2]\n')).toThrow(CiConfigError);
    expect(() => parseCiConfig('- a\n- b\n')).toThrow(CiConfigError);
    expect(() => parseCiConfig('rules:\n  lowestEfficiency: [0.9]\n')).toThrow(/single value/);
    expect(() => parseCiConfig('rules: {\n')).toThrow(/not valid YAML/);
  });
});
