import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{ignores: ['dist/', 'node_modules/', 'coverage/']},
	js.configs.recommended,
	...tseslint.configs.strict,
	{
		languageOptions: {
			globals: {
				process: 'readonly',
				console: 'readonly',
				setTimeout: 'readonly',
				clearTimeout: 'readonly',
				setInterval: 'readonly',
				clearInterval: 'readonly',
				Buffer: 'readonly',
				URL: 'readonly',
				performance: 'readonly',
			},
		},
		rules: {
			'@typescript-eslint/consistent-type-imports': 'error',
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ignoreRestSiblings: true, argsIgnorePattern: '^_'},
			],
			'no-restricted-syntax': [
				'error',
				{selector: 'ExportDefaultDeclaration', message: 'Use named exports.'},
			],
		},
	},
	{
		// Tests of a terminal program match escape sequences on purpose.
		files: ['test/**'],
		rules: {'no-control-regex': 'off'},
	},
	{
		files: ['source/ui/**', 'test/ui/**'],
		plugins: {'react-hooks': reactHooks},
		rules: {
			'react-hooks/rules-of-hooks': 'error',
			'react-hooks/exhaustive-deps': 'error',
		},
	},
	{
		files: ['source/core/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['**/adapters/**', '**/ui/**', '**/commands/**'],
							message: 'core/ is pure: take what it needs through a port.',
						},
						{
							group: ['node:fs', 'node:fs/*', 'node:child_process', 'node-pty', 'ink', 'react'],
							message: 'core/ is pure: take what it needs through a port.',
						},
					],
				},
			],
			'no-restricted-globals': [
				'error',
				{name: 'process', message: 'core/ does not read process.*; pass it in.'},
			],
		},
	},
	{
		// Layers import only downward: what ui/ and commands/ both need lives in text/ or core/.
		files: ['source/ui/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['**/commands/**'],
							message: 'ui/ does not import commands/: move what both need into text/ (or core/).',
						},
					],
				},
			],
		},
	},
	{
		// Text for terminals, shared by the subcommands and the TUI: pure, below both of them.
		files: ['source/text/**'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['**/adapters/**', '**/ui/**', '**/commands/**'],
							message: 'text/ sits below ui/ and commands/ and is pure: it imports only core/.',
						},
						{
							group: ['node:fs', 'node:fs/*', 'node:child_process', 'node-pty', 'ink', 'react'],
							message: 'text/ turns values into strings; it touches no terminal or file.',
						},
					],
				},
			],
			'no-restricted-globals': [
				'error',
				{name: 'process', message: 'text/ does not read process.*; pass it in.'},
			],
		},
	},
	{
		files: ['eslint.config.js', 'vitest.config.ts'],
		rules: {'no-restricted-syntax': 'off'},
	},
);
