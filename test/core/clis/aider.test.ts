import {readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {aiderDetector} from '../../../source/core/clis/aider.js';
import type {Finding} from '../../../source/core/clis/detector.js';

const folder = new URL('../../fixtures/clis/aider/', import.meta.url);
const lines = (name: string) =>
	readFileSync(new URL(name, folder), 'utf8').replace(/\n$/, '').split('\n');
const now = new Date('2026-11-29T22:05:00Z');

interface Case {
	readonly file: string;
	readonly kind: Finding['kind'] | undefined;
	readonly message?: RegExp;
}

const fixtures: readonly Case[] = [
	{
		file: 'analytics-question.txt',
		kind: 'waiting',
		message: /^Allow collection of anonymous analytics/,
	},
	{
		file: 'run-shell.txt',
		kind: 'waiting',
		message: /^Run shell command\? \(Y\)es\/\(N\)o\/\(D\)on't ask again \[Yes\]:$/,
	},
	{file: 'add-files.txt', kind: 'waiting', message: /^Add file to the chat\?/},
	{file: 'git-repo.txt', kind: 'waiting', message: /^No git repo found/},
	{file: 'answered-question.txt', kind: undefined},
	{file: 'ok.txt', kind: undefined},
	// A missing key outranks the question that follows it.
	{
		file: 'no-key.txt',
		kind: 'auth',
		message: /^No LLM model was specified and no API keys were provided\.$/,
	},
	{file: 'missing-env.txt', kind: 'auth', message: /ANTHROPIC_API_KEY: Not set$/},
	{
		file: 'auth.txt',
		kind: 'auth',
		message: /^The API provider is not able to authenticate you\. Check your API key\.$/,
	},
	{
		file: 'auth-2024.txt',
		kind: 'auth',
		message: /^Unexpected error: litellm\.AuthenticationError: /,
	},
	{
		file: 'credits.txt',
		kind: 'auth',
		message: /^Insufficient credits with the API provider\. Please add credits\.$/,
	},
	{file: 'rate-limit.txt', kind: 'limit', message: /^The API provider has rate limited you\./},
	{
		file: 'overloaded.txt',
		kind: 'api-error',
		message: /^The API provider's servers are down or overloaded\.$/,
	},
	{
		file: 'overloaded-2024.txt',
		kind: 'api-error',
		message: /^litellm\.APIConnectionError: .*overloaded_error/,
	},
	{file: 'timeout.txt', kind: 'api-error', message: /^The API provider timed out/},
	{
		file: 'offline.txt',
		kind: 'offline',
		message: /^litellm\.APIConnectionError: AnthropicException - Connection error\.$/,
	},
];

describe('aider screens', () => {
	it.each(fixtures)('$file', ({file, kind, message}) => {
		const finding = aiderDetector.detect(lines(file), now);
		expect(finding?.kind).toBe(kind);
		if (message) expect(finding?.message).toMatch(message);
		// aider prints no reset time.
		expect(finding?.kind === 'limit' ? finding.resetsAt : undefined).toBeUndefined();
	});

	it('uses every fixture', () => {
		const used = new Set(fixtures.map((c) => c.file));
		const files = readdirSync(folder).filter((name) => name !== 'README.md');
		expect(files.filter((name) => !used.has(name))).toEqual([]);
	});

	it('has no structured mode', () => {
		expect(aiderDetector.structured).toBeUndefined();
		expect(aiderDetector.parse).toBeUndefined();
	});

	it.each([
		'Error: rate limit exceeded (429)',
		'    raise RateLimitError("rate limit exceeded")',
		'usage: pytest [options]',
		'Overwrite hello.txt? [y/N]',
		'Proceed? (Y)es/(N)o [Yes]: y',
		'print("Run shell command? (Y)es/(N)o [Yes]:") # a test of ours',
		'The API key is not set in tests/conftest.py',
		'ConnectionError: Connection error.',
		'- OPENAI_API_KEY: Not set',
	])('a task saying %j is not a finding', (line) => {
		expect(aiderDetector.detect(['some output', line, 'more output'], now)).toBeUndefined();
	});

	it('a limit wins over a question on the same screen', () => {
		const screen = [...lines('rate-limit.txt'), ...lines('run-shell.txt')];
		expect(aiderDetector.detect(screen, now)?.kind).toBe('limit');
	});
});
