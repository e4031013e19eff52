import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const platformGlobals = ['process', 'Deno', 'Bun', 'require', 'module', '__dirname', '__filename'];

export default tseslint.config(
  { ignores: ['node_modules/', '.devstack/', '.wrangler/', 'dist/', 'coverage/', 'tmp-diag/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    ignores: ['shared/runtime/**', 'functions/*/deno.ts'],
    languageOptions: { globals: { ...globals.serviceworker } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'shared/ and functions/ use Web-standard APIs only.' },
            {
              group: ['../../devstack/*', '../devstack/*', '**/devstack/**'],
              message: 'devstack is Node-only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...platformGlobals.map((name) => ({
          name,
          message: 'Only shared/runtime/ touches platform globals.',
        })),
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: [
      'functions/*/deno.ts',
      'test/fixtures/**/*deno.ts',
      'shared/runtime/deno.ts',
      'shared/runtime/deno-serve.ts',
    ],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { Deno: 'readonly' },
      parserOptions: { projectService: false, project: false },
    },
  },
);
