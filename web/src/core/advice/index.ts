/**
 * Shrink advice: findings by fixed rule id, largest saving first, with a total that counts no
 * byte twice (advice.ts), and the rules' fixes and path patterns (rules.ts). Pure.
 *
 *   const advice = computeAdvice(imageFs, { minBytes: 1 << 20, packages });
 *   advice.findings[0]; // { rule: 'deleted-later', bytes, layer, command, paths: [{ path, bytes, node }], fix, … }
 */
export { computeAdvice, DEFAULT_MIN_BYTES } from './advice';
export type { AdviceFinding, AdviceOptions, AdvicePath, AdviceReport } from './advice';
export { ADVICE_RULES, RULE_FIX, RULE_TITLE } from './rules';
export type { AdviceRule } from './rules';
