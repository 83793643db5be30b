// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering of shared/ARCHITECTURE.md: each folder lists what it must not import. */
const layer = (
  /** @type {string} */ folder,
  /** @type {string[]} */ forbidden,
  /** @type {string} */ why,
) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((f) => ({ group: [`**/${f}/**`, `**/${f}/*`], message: why })),
      },
    ],
  },
});

const allBut = (/** @type {string[]} */ allowed) =>
  [
    'cli',
    'config',
    'domain',
    'app',
    'sources',
    'pipeline',
    'storage',
    'ftp',
    'scheduler',
    'notify',
    'logging',
    'restore',
    'doctor',
    'hooks',
  ].filter((f) => !allowed.includes(f));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  layer(
    'ftp',
    allBut(['ftp']),
    'src/ftp is a standalone FTPS client: it imports nothing from the rest of src/.',
  ),
  layer(
    'doctor',
    allBut(['doctor', 'ftp', 'domain']),
    'src/doctor composes src/ftp; it may import src/domain too.',
  ),
  layer('domain', allBut(['domain']), 'src/domain is pure: it imports nothing else from src/.'),
  layer(
    'app',
    ['cli', 'ftp', 'scheduler'],
    'src/app sees ports (storage, sources), not adapters or the CLI.',
  ),
  layer('config', allBut(['config', 'domain']), 'src/config may import only src/domain.'),
  layer('pipeline', allBut(['pipeline', 'domain']), 'src/pipeline holds stream stages only.'),
  layer(
    'sources',
    allBut(['sources', 'pipeline', 'domain']),
    'src/sources may import pipeline and domain only.',
  ),
  layer('storage', allBut(['storage', 'ftp', 'domain']), 'src/storage adapts src/ftp and the local disk.'),
  layer(
    'restore',
    allBut(['restore', 'sources', 'pipeline', 'domain']),
    'src/restore may import sources, pipeline and domain only.',
  ),
  layer('logging', allBut(['logging', 'domain']), 'src/logging may import only src/domain.'),
  layer('notify', allBut(['notify', 'domain']), 'src/notify may import only src/domain.'),
  layer('scheduler', ['cli'], 'src/scheduler must not import the CLI.'),
  layer(
    'hooks',
    allBut(['hooks', 'domain', 'logging', 'sources']),
    'src/hooks may import domain, logging and sources (child-env) only.',
  ),
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The launcher's runtime guard is plain old JavaScript that must also parse as a CommonJS script.
    files: ['bin/ftps-backup.js'],
    languageOptions: { globals: { process: 'readonly', require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-var': 'off' },
  },
);
