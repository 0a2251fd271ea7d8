// Lint rules: typescript-eslint's type-aware recommended set, plus the layering of DESIGN.md §2.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
});

/** Layers above src/stack: neither it nor the shared Node edges (src/node-*) may import them. */
const ABOVE_STACK = [
  '**/field/**',
  '**/headend/**',
  '**/contract/**',
  '**/hardware/**',
  '**/main/**',
  '**/renderer/**',
];
const NODE_EDGES = ['**/node-tls/**', '**/node-wireguard/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', 'out/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  // node:test's test() returns a promise the runner awaits itself.
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-floating-promises': 'off' } },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  layer(
    ['src/stack/**'],
    [...ABOVE_STACK, ...NODE_EDGES],
    'src/stack imports only src/stack (DESIGN.md §2).',
  ),
  // Node edges shared by src/field and src/headend, which may not import each other
  // (docs/dev/CONVENTIONS.md): they build on src/stack and src/log only.
  layer(
    ['src/node-tls/**', 'src/node-wireguard/**'],
    [...ABOVE_STACK, '**/cli/**'],
    'src/node-tls and src/node-wireguard import only src/stack and src/log (docs/dev/CONVENTIONS.md).',
  ),
  layer(
    ['src/field/**'],
    ['**/headend/**', '**/main/**', '**/renderer/**'],
    'src/field never imports src/headend, main or renderer (DESIGN.md §2).',
  ),
  layer(
    ['src/headend/**'],
    ['**/field/**', '**/main/**', '**/renderer/**', '**/hardware/**'],
    'src/headend never imports src/field (DESIGN.md §2).',
  ),
  layer(
    ['renderer/**'],
    [
      '**/stack/**',
      '**/field/**',
      '**/headend/**',
      '**/hardware/**',
      '**/main/**',
      '**/log/**',
      ...NODE_EDGES,
      'node:*',
    ],
    'renderer imports only src/contract (DESIGN.md §2).',
  ),
  layer(['main/**'], ['**/renderer/**'], 'main imports everything but renderer (DESIGN.md §2).'),
  layer(
    ['src/contract/**'],
    ['**/stack/**', '**/field/**', '**/headend/**', '**/hardware/**', '**/main/**', '**/renderer/**'],
    'src/contract imports nothing else (DESIGN.md §2).',
  ),
);
