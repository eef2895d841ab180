// ESLint: typescript-eslint's recommended rules, and the import boundaries of the architecture
// (README "How it works"): dependencies point one way, ui → queries → worker bridge → core.
// Formatting is Prettier's (`npm run format`); eslint-config-prettier turns off rules that would fight it.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * What each folder is. The first pattern that matches a file names its element, so the narrow
 * patterns come first. `core-engine` is the part of the core that reads bytes and talks to
 * registries: the page may name its types, but only workers, queries and the CLI run it.
 */
const elements = [
  {
    type: 'core-engine',
    pattern: ['web/src/core/layers/!(layerIndex).ts', 'web/src/core/layers/*/**', 'web/src/core/sources/**', 'web/src/core/registry/!(tags).ts'],
    mode: 'full',
  },
  { type: 'core', pattern: 'web/src/core/**', mode: 'full' },
  { type: 'bridge', pattern: 'web/src/worker/bridge.ts', mode: 'full' },
  { type: 'worker', pattern: 'web/src/worker/**', mode: 'full' },
  { type: 'queries', pattern: 'web/src/queries/**', mode: 'full' },
  { type: 'ui', pattern: ['web/src/ui/**', 'web/src/main.tsx'], mode: 'full' },
  { type: 'cli', pattern: 'web/src/cli/**', mode: 'full' },
  { type: 'proxy-api', pattern: 'proxy/src/index.ts', mode: 'full' },
  { type: 'proxy', pattern: 'proxy/src/**', mode: 'full' },
  { type: 'web-test', pattern: 'web/test/**', mode: 'full' },
  { type: 'proxy-test', pattern: 'proxy/test/**', mode: 'full' },
  { type: 'e2e', pattern: 'e2e/**', mode: 'full' },
  { type: 'config', pattern: '*.ts', mode: 'full' },
];

const core = ['core', 'core-engine'];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'e2e/.artifacts/', 'e2e/screenshots/', 'test-results/', 'playwright-report/', 'public/', '**/*.mjs', '**/*.js'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Non-null assertions are used where an index is known to be in range (typed arrays, noUncheckedIndexedAccess).
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['web/src/ui/**/*.tsx', 'web/src/ui/**/*.ts', 'web/src/queries/**/*.ts', 'web/src/main.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/include': ['web/**', 'proxy/**', 'e2e/**', '*.ts'],
      'import/resolver': {
        typescript: { alwaysTryTypes: true, noWarnOnMultipleProjects: true, project: ['web/tsconfig.*.json', 'proxy/tsconfig.json', 'e2e/tsconfig.json'] },
      },
    },
    rules: {
      // A file no element names would escape every rule below.
      'boundaries/no-unknown-files': 'error',
      'boundaries/element-types': [
        'error',
        {
          default: 'disallow',
          message: '${file.type} must not import ${dependency.type} (${dependency.source}): dependencies point ui → queries → worker bridge → core',
          rules: [
            // The core is pure: nothing outside it.
            { from: core, allow: core },
            // Workers run the core, nothing else.
            { from: 'worker', allow: [...core, 'worker'] },
            // The bridge owns the workers: it names their APIs (types) and the core.
            { from: 'bridge', allow: [...core, 'worker'] },
            // Queries are the only callers of the bridge.
            { from: 'queries', allow: [...core, 'bridge', 'queries'] },
            // The page renders: queries, the core's model, and only the types of the engine.
            { from: 'ui', allow: ['ui', 'queries', 'core'] },
            { from: 'ui', allow: [['core-engine', {}]], importKind: 'type' },
            // The CLI runs the core in Node and reaches registries through the proxy's exported API.
            { from: 'cli', allow: [...core, 'cli', 'proxy-api'] },
            { from: 'proxy-api', allow: ['proxy'] },
            { from: 'proxy', allow: ['proxy'] },
            // Tests may reach what they test.
            { from: 'web-test', allow: [...core, 'web-test'] },
            { from: 'proxy-test', allow: ['proxy', 'proxy-api', 'proxy-test'] },
            { from: 'e2e', allow: ['e2e', ...core, 'proxy', 'proxy-api', 'cli', 'worker', 'bridge', 'web-test'] },
            { from: 'config', allow: ['proxy', 'proxy-api'] },
          ],
        },
      ],
    },
  },
  {
    // Unit tests sit beside what they test and may use its neighbours' test helpers.
    files: ['web/src/**/*.test.ts', 'web/src/**/*.test.tsx', 'web/src/**/testing.ts'],
    rules: { 'boundaries/element-types': 'off' },
  },
  prettier,
);
