import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const platformGlobals = ['process', 'Deno', 'Bun', 'require', 'module', '__dirname', '__filename'];
// esbuild (wrangler) keeps zod's whole `z` object, every locale in it, for `import { z }`; the
// namespace import lets it drop what is unused (about 70 KiB gzip per worker).
const zodNamespaceOnly = {
  selector:
    "ImportDeclaration[importKind!='type'][source.value='zod'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
  message: "Use `import * as z from 'zod'`: the named `z` puts every zod locale in the bundle.",
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.devstack/',
      '.wrangler/',
      'dist/',
      'coverage/',
      'tmp-diag/',
      'functions/orders/gen/',
    ],
  },
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
    // No import cycle anywhere: a module that needs its importer is one module split wrongly.
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
      // Dependencies are not parsed for cycles (ignoreExternal): parsing PGlite's bundle overflowed the stack.
      'import/ignore': ['node_modules'],
    },
    rules: { 'import/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    ignores: ['shared/runtime/**'],
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
      'no-restricted-syntax': ['error', zodNamespaceOnly],
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
    // A function uses each toolkit module through its public API, never its internals.
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'shared/ and functions/ use Web-standard APIs only.' },
            {
              group: ['../../shared/*/*', '!../../shared/*/index.ts'],
              message: 'Import a toolkit module through its index.ts.',
            },
            {
              group: ['../../devstack/*', '../devstack/*', '**/devstack/**'],
              message: 'devstack is Node-only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/fixtures/**/*deno.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { Deno: 'readonly' },
      parserOptions: { projectService: false, project: false },
    },
  },
);
