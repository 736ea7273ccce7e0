import {readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import type {Finding, TranscriptItem} from '../../../source/core/clis/detector.js';
import {accessReset, gemini} from '../../../source/core/clis/gemini.js';

const folder = new URL('../../fixtures/clis/gemini/', import.meta.url);
const lines = (name: string) =>
	readFileSync(new URL(name, folder), 'utf8').replace(/\n$/, '').split('\n');
/** The moment most fixtures were captured (the usage-limit screen says 11:05 PM UTC, an hour on). */
const now = new Date('2026-11-29T22:05:22Z');
const inAnHour = new Date(now.getTime() + 3600_000);

function parseAll(name: string): TranscriptItem[] {
	const items: TranscriptItem[] = [];
	for (const line of lines(name)) items.push(...(gemini.parse?.(line, now) ?? []));
	return items;
}

const only = <K extends TranscriptItem['kind']>(items: TranscriptItem[], kind: K) =>
	items.filter((item): item is Extract<TranscriptItem, {kind: K}> => item.kind === kind);

interface StreamCase {
	readonly file: string;
	/** The final result's `ok`, or undefined when the CLI ended without one. */
	readonly ok: boolean | undefined;
	readonly resultMessage?: RegExp;
	readonly limit?: {readonly resetsAt?: Date};
	readonly retries?: boolean;
	readonly finding?: Finding['kind'];
}

const streams: readonly StreamCase[] = [
	{file: 'ok.jsonl', ok: true},
	{file: 'pipe-ok.jsonl', ok: true},
	{file: 'auth.jsonl', ok: false, resultMessage: /"code":401/, finding: 'auth'},
	{file: 'bad-key.jsonl', ok: false, resultMessage: /API key not valid/, finding: 'auth'},
	{
		file: 'usage-limit.jsonl',
		ok: false,
		resultMessage: /exhausted your quota/,
		limit: {resetsAt: inAnHour},
		finding: 'limit',
	},
	{
		file: 'retry-after.jsonl',
		ok: false,
		resultMessage: /Suggested retry after 3600s/,
		limit: {resetsAt: inAnHour},
		finding: 'limit',
	},
	{
		file: 'daily-quota.jsonl',
		ok: false,
		resultMessage: /You have exhausted your daily quota on this model\./,
		limit: {},
		finding: 'limit',
	},
	{
		file: 'rate-limited.jsonl',
		ok: false,
		resultMessage: /Resource has been exhausted/,
		limit: {},
		retries: true,
		finding: 'limit',
	},
	{
		file: 'overloaded.jsonl',
		ok: false,
		resultMessage: /The model is overloaded/,
		retries: true,
		finding: 'api-error',
	},
	{
		file: 'server-error.jsonl',
		ok: false,
		resultMessage: /"code":500/,
		retries: true,
		finding: 'api-error',
	},
	{file: 'offline.jsonl', ok: false, retries: true, finding: 'offline'},
	// SIGINT to the process group: exit 0 and no result at all.
	{file: 'sigint.jsonl', ok: undefined},
	// Ctrl+C typed into the pty: exit 130 and a failed result.
	{file: 'ctrl-c.jsonl', ok: false, resultMessage: /^Operation cancelled\.$/},
	// Its own capacity error is retried silently for the server's delay (here 71 minutes).
	{file: 'capacity-sigint.jsonl', ok: undefined, retries: true},
	// Startup failures print plain text, even in stream-json mode.
	{file: 'no-key.jsonl', ok: undefined, finding: 'auth'},
	{file: 'untrusted.jsonl', ok: undefined, finding: 'untrusted'},
];

describe('gemini stream-json', () => {
	it.each(streams)('$file', (c) => {
		const items = parseAll(c.file);
		const results = only(items, 'result');
		if (c.ok === undefined) expect(results).toEqual([]);
		else {
			expect(results).toHaveLength(1);
			expect(results[0]?.ok).toBe(c.ok);
			if (c.resultMessage) expect(results[0]?.message).toMatch(c.resultMessage);
		}

		const limits = only(items, 'limit');
		if (c.limit === undefined) expect(limits).toEqual([]);
		else {
			expect(limits).toHaveLength(1);
			expect(limits[0]?.resetsAt).toEqual(c.limit.resetsAt);
		}

		expect(only(items, 'api-retry').length > 0).toBe(c.retries ?? false);
		expect(gemini.detect(lines(c.file), now)?.kind).toBe(c.finding);
	});

	it('reads a whole successful run: session, words, the tool call and its result, usage', () => {
		const items = parseAll('ok.jsonl');
		expect(items).toEqual([
			{kind: 'session', model: 'auto', sessionId: '2e8e1ee6-ef57-4365-afd0-db4ee96d39f6'},
			{kind: 'usage', usage: {sessionId: '2e8e1ee6-ef57-4365-afd0-db4ee96d39f6'}},
			{kind: 'message', text: 'Writing the file now.', delta: true},
			{kind: 'tool', name: 'run_shell_command', detail: 'echo hello > hello.txt'},
			{kind: 'tool-result', text: '', error: false},
			{kind: 'message', text: 'I created hello.txt', delta: true},
			{kind: 'message', text: ' containing "hello".', delta: true},
			{
				kind: 'result',
				ok: true,
				message: 'success',
				usage: {model: 'gemini-3.8-flash', inputTokens: 2700, outputTokens: 47, cacheReadTokens: 0},
			},
		]);
	});

	it('leaves the lines it does not own as printed', () => {
		for (const line of [
			'YOLO mode is enabled. All tool calls will be automatically approved.',
			'Ripgrep is not available. Falling back to GrepTool.',
			'{"not": "an event"}',
			'{broken json',
			'',
		])
			expect(gemini.parse?.(line, now)).toBeUndefined();
		expect(gemini.parse?.('{"type":"something_new"}', now)).toEqual([]);
	});

	it.each([
		[{tool_name: 'write_file', parameters: {file_path: '/r/a.ts', content: 'x\ny'}}, '/r/a.ts'],
		[{tool_name: 'replace', parameters: {file_path: '/r/b.ts', old_string: 'a'}}, '/r/b.ts'],
		[{tool_name: 'read_file', parameters: {file_path: '/r/c.ts'}}, '/r/c.ts'],
		[{tool_name: 'grep_search', parameters: {pattern: 'TODO', dir_path: 'src'}}, 'TODO in src'],
		[{tool_name: 'glob', parameters: {pattern: '**/*.ts'}}, '**/*.ts'],
		[{tool_name: 'list_directory', parameters: {dir_path: '/r'}}, '/r'],
		[{tool_name: 'read_many_files', parameters: {include: ['a.ts', 'b.ts']}}, 'a.ts b.ts'],
		[{tool_name: 'google_web_search', parameters: {query: 'vitest'}}, 'vitest'],
		[{tool_name: 'run_shell_command', parameters: {command: 'make\nmake test'}}, 'make'],
		[{tool_name: 'mcp_tool', parameters: {thing: 'x'}}, 'x'],
	])('a tool call in one line: %j', (event, detail) => {
		const line = JSON.stringify({type: 'tool_use', tool_id: 't', ...event});
		expect(gemini.parse?.(line, now)).toEqual([{kind: 'tool', name: event.tool_name, detail}]);
	});

	it('bounds a tool result and marks a failed one', () => {
		const output = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n');
		const ok = gemini.parse?.(
			JSON.stringify({type: 'tool_result', status: 'success', output}),
			now,
		);
		const text = ok?.[0]?.kind === 'tool-result' ? ok[0].text : '';
		expect(text.split('\n')).toHaveLength(21);
		expect(text.endsWith('…')).toBe(true);
		const failed = {
			type: 'tool_result',
			status: 'error',
			output: '',
			error: {type: 'TOOL_EXECUTION_ERROR', message: 'File not found: /r/x.ts'},
		};
		expect(gemini.parse?.(JSON.stringify(failed), now)).toEqual([
			{kind: 'tool-result', text: 'File not found: /r/x.ts', error: true},
		]);
	});

	it('shows an error event, as a limit when it is the quota report', () => {
		const warning = {
			type: 'error',
			severity: 'warning',
			message: 'Loop detected, stopping execution',
		};
		expect(gemini.parse?.(JSON.stringify(warning), now)).toEqual([
			{kind: 'error', message: 'Loop detected, stopping execution'},
		]);
		const quota = {
			type: 'error',
			severity: 'error',
			message: '[API Error: You have exhausted your daily quota on this model.]',
		};
		expect(gemini.parse?.(JSON.stringify(quota), now)?.[0]?.kind).toBe('limit');
	});

	it.each([
		[['--output-format', 'stream-json', '-p', 'x'], true],
		[['-o', 'stream-json'], true],
		[['--output-format=stream-json'], true],
		[['--skip-trust', '--yolo', '-p', 'x'], false],
		[['--output-format', 'json'], false],
		[['-p', 'stream-json'], false],
	])('structured(%j) is %s', (args, expected) => {
		expect(gemini.structured?.(args)).toBe(expected);
	});
});

interface ScreenCase {
	readonly file: string;
	readonly finding: Finding['kind'] | undefined;
	readonly message?: RegExp;
	readonly resetsAt?: Date;
}

const screens: readonly ScreenCase[] = [
	{
		file: 'trust.screen.txt',
		finding: 'waiting',
		message: /^Do you trust the files in this folder\?$/,
	},
	{file: 'permission.screen.txt', finding: 'waiting', message: /^Allow execution of \[Shell\]\?$/},
	{file: 'auth-dialog.screen.txt', finding: 'auth'},
	{file: 'api-key-prompt.screen.txt', finding: 'auth'},
	{file: 'auth.screen.txt', finding: 'auth'},
	{file: 'bad-key.screen.txt', finding: 'auth'},
	{
		file: 'usage-limit.screen.txt',
		finding: 'limit',
		message: /^Usage limit reached for gemini-3\.5-flash-lite\.$/,
		resetsAt: new Date('2026-11-29T23:05:00Z'),
	},
	{
		file: 'retry-after.screen.txt',
		finding: 'limit',
		resetsAt: new Date('2026-11-29T23:05:00Z'),
	},
	{file: 'daily-quota.screen.txt', finding: 'limit'},
	{file: 'usage-limit-stopped.screen.txt', finding: 'limit', resetsAt: inAnHour},
	{file: 'idle.screen.txt', finding: undefined},
	{file: 'retrying.screen.txt', finding: undefined},
	// Plain `-p` output (text mode): its failures end in "An unexpected critical error occurred".
	{file: 'ok.txt', finding: undefined},
	{file: 'auth.txt', finding: 'auth'},
	{file: 'bad-key.txt', finding: 'auth'},
	{file: 'usage-limit.txt', finding: 'limit', resetsAt: inAnHour},
	{file: 'daily-quota.txt', finding: 'limit'},
	{file: 'overloaded.txt', finding: 'api-error'},
	{file: 'rate-limited.txt', finding: 'limit'},
	{file: 'no-auth.txt', finding: 'auth'},
	{file: 'gateway-auth.txt', finding: 'auth'},
];

describe('gemini screens and plain output', () => {
	it.each(screens)('$file', (c) => {
		const finding = gemini.detect(lines(c.file), now);
		expect(finding?.kind).toBe(c.finding);
		if (c.message) expect(finding?.message).toMatch(c.message);
		if (c.resetsAt) expect(finding?.kind === 'limit' && finding.resetsAt).toEqual(c.resetsAt);
	});

	it('uses every fixture', () => {
		const used = new Set([...streams.map((c) => c.file), ...screens.map((c) => c.file)]);
		const files = readdirSync(folder).filter((name) => name !== 'README.md');
		expect(files.filter((name) => !used.has(name))).toEqual([]);
	});

	it.each([
		'Error: rate limit exceeded, retrying in 5s',
		'HTTP/1.1 429 Too Many Requests',
		'usage: make [target]',
		'Overwrite hello.txt? [y/N]',
		'Apply this change?',
		'Do you trust the files in this folder?',
		'API key not valid. Please pass a valid API key.',
		'{"error":{"code":401,"status":"UNAUTHENTICATED"}}',
		'TypeError: fetch failed',
		'The model is overloaded. Please try again later.',
		'Usage limit reached',
		'✦ I found the string "Usage limit reached for" in src/quota.ts',
		'Found "Usage limit reached for gemini-2.5-pro." in the logs',
		'Access resets at 11:05 PM UTC.',
		'Suggested retry after 3600s.',
	])('a task saying %j is not a finding', (line) => {
		expect(gemini.detect(['some output', line, 'more output'], now)).toBeUndefined();
	});

	it('a limit wins over a question on the same screen', () => {
		const screen = [...lines('permission.screen.txt'), ...lines('usage-limit.screen.txt')];
		expect(gemini.detect(screen, now)?.kind).toBe('limit');
	});
});

describe('gemini reset times (en-US, to the minute, with a short zone name)', () => {
	it.each([
		['an hour on', [11, 5, 'pm', 'UTC'], '2026-11-29T22:05:22Z', '2026-11-29T23:05:00Z'],
		['just passed means now', [10, 4, 'pm', 'UTC'], '2026-11-29T22:05:22Z', '2026-11-29T22:05:22Z'],
		[
			'long passed means tomorrow',
			[8, 0, 'pm', 'UTC'],
			'2026-11-29T22:05:22Z',
			'2026-11-30T20:00:00Z',
		],
		['past midnight', [12, 30, 'am', 'UTC'], '2026-11-29T23:50:00Z', '2026-11-30T00:30:00Z'],
		['GMT-3', [10, 57, 'pm', 'GMT-3'], '2026-03-16T23:00:00Z', '2026-03-17T01:57:00Z'],
		['GMT+5:30', [6, 0, 'pm', 'GMT+5:30'], '2026-01-01T10:00:00Z', '2026-01-01T12:30:00Z'],
		['PDT', [9, 30, 'am', 'PDT'], '2026-07-01T15:00:00Z', '2026-07-01T16:30:00Z'],
		['EST, next day', [7, 0, 'am', 'EST'], '2026-01-10T20:00:00Z', '2026-01-11T12:00:00Z'],
	] as const)('%s', (_name, [hour, minute, meridiem, zone], at, expected) => {
		expect(accessReset(hour, minute, meridiem, zone, new Date(at))).toEqual(new Date(expected));
	});

	it('an unknown zone gives a limit without a time', () => {
		expect(accessReset(11, 5, 'pm', 'XYZT', now)).toBeUndefined();
		const screen = ['Usage limit reached for gemini-2.5-pro.', 'Access resets at 11:05 PM XYZT.'];
		expect(gemini.detect(screen, now)).toEqual({
			kind: 'limit',
			message: 'Usage limit reached for gemini-2.5-pro.',
		});
	});

	it('reads a delay the CLI prints relative to now', () => {
		const limit = (text: string) => {
			const finding = gemini.detect(['[API Error: Resource has been exhausted.', text], now);
			return finding?.kind === 'limit' ? finding.resetsAt : 'none';
		};

		const suffix =
			'Please wait and try again later. To increase your limits, request a quota increase through AI Studio, or switch to another /auth method';
		expect(limit(`Suggested retry after 90s.] ${suffix}`)).toEqual(
			new Date(now.getTime() + 90_000),
		);
		expect(limit(`Please retry in 37.5s. ${suffix}`)).toEqual(new Date(now.getTime() + 37_500));
		expect(limit(`Your quota will reset after 2h13m37s. ${suffix}`)).toEqual(
			new Date(now.getTime() + (2 * 3600 + 13 * 60 + 37) * 1000),
		);
	});
});
