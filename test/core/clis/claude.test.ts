import {readFileSync, readdirSync} from 'node:fs';
import {describe, expect, test} from 'vitest';
import {claude} from '../../../source/core/clis/claude.js';
import type {Finding, TranscriptItem} from '../../../source/core/clis/detector.js';

const fixtures = new URL('../../fixtures/clis/claude/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures), 'utf8').split('\n');
/** When the fixtures were captured (2026-11-29, 22:04 UTC, the machine on UTC). */
const capturedAt = new Date('2026-11-29T22:05:00Z');

function items(name: string): TranscriptItem[] {
	return read(name).flatMap((line) => claude.parse?.(line, capturedAt) ?? []);
}

const kinds = (list: readonly TranscriptItem[]) => list.map((item) => item.kind);
const only = <K extends TranscriptItem['kind']>(list: readonly TranscriptItem[], kind: K) =>
	list.filter((item): item is Extract<TranscriptItem, {kind: K}> => item.kind === kind);

/** Every stream-json fixture: the kinds of what it says, in order, and its final result. */
const streams: {
	readonly file: string;
	readonly kinds: readonly TranscriptItem['kind'][];
	readonly ok: boolean;
	readonly message: RegExp;
	readonly limit?: {readonly message: RegExp; readonly resetsAt?: string}[];
}[] = [
	{
		file: 'plan.jsonl',
		kinds: ['session', 'message', 'result'],
		ok: true,
		message: /^I read the repository layout/,
	},
	{
		file: 'plan-invalid.jsonl',
		kinds: ['session', 'message', 'result'],
		ok: true,
		message: /^I read the repository layout/,
	},
	{
		file: 'plan-retried.jsonl',
		kinds: ['session', 'message', 'result'],
		ok: true,
		message: /^I read the repository layout/,
	},
	{
		file: 'ok.jsonl',
		kinds: ['session', 'thinking', 'message', 'tool', 'tool-result', 'message', 'result'],
		ok: true,
		message: /^Done: hello\.txt now says hello\.$/,
	},
	{
		file: 'ok-subscriber.jsonl',
		kinds: ['session', 'thinking', 'message', 'tool', 'tool-result', 'message', 'result'],
		ok: true,
		message: /^Done:/,
	},
	{
		file: 'tool-error.jsonl',
		kinds: ['session', 'tool', 'tool-result', 'message', 'result'],
		ok: true,
		message: /^Done:/,
	},
	{
		file: 'overloaded.jsonl',
		kinds: ['session', 'api-retry', 'api-retry', 'error', 'result'],
		ok: false,
		message: /^API Error: 529 Overloaded\. This is a server-side issue/,
	},
	{
		file: 'server-error.jsonl',
		kinds: ['session', 'api-retry', 'api-retry', 'error', 'result'],
		ok: false,
		message: /^API Error: 500 Internal server error\./,
	},
	{
		file: 'rate-limited.jsonl',
		kinds: ['session', 'api-retry', 'api-retry', 'error', 'limit', 'result'],
		ok: false,
		message: /^API Error: Request rejected \(429\) · /,
		limit: [{message: /^API Error: Request rejected \(429\)$/}],
	},
	{
		file: 'usage-limit.jsonl',
		kinds: ['limit', 'session', 'error', 'limit', 'result'],
		ok: false,
		message: /^You've hit your session limit · resets 12:04am \(UTC\)$/,
		limit: [
			// The event's own time, to the second, comes first.
			{message: /^usage limit reached \(five_hour\)$/, resetsAt: '2026-11-30T00:04:17.000Z'},
			{message: /^You've hit your session limit/, resetsAt: '2026-11-30T00:04:00.000Z'},
		],
	},
	{
		file: 'usage-limit-dated.jsonl',
		kinds: ['limit', 'session', 'error', 'limit', 'result'],
		ok: false,
		message: /^You've hit your session limit · resets Dec 2, 6:37am \(Europe\/Paris\)$/,
		limit: [
			{message: /five_hour/, resetsAt: '2026-12-02T05:37:56.000Z'},
			{message: /Dec 2, 6:37am/, resetsAt: '2026-12-02T05:37:00.000Z'},
		],
	},
	{
		file: 'auth.jsonl',
		kinds: ['session', 'api-retry', 'api-retry', 'error', 'result'],
		ok: false,
		message: /^Invalid API key · Fix external API key$/,
	},
	{
		file: 'not-logged-in.jsonl',
		kinds: ['session', 'error', 'result'],
		ok: false,
		message: /^Not logged in · Please run \/login$/,
	},
	{
		file: 'offline.jsonl',
		kinds: ['session', 'api-retry', 'api-retry', 'error', 'result'],
		ok: false,
		message: /^API Error: Unable to connect to API \(ConnectionRefused\)$/,
	},
	{
		// SIGINT mid-reply: claude 2.1.197 exits 0 but does write a failed result.
		file: 'sigint.jsonl',
		kinds: ['session', 'message', 'error', 'result'],
		ok: false,
		message: /^interrupted$/,
	},
	{
		file: 'sigint-tool.jsonl',
		kinds: ['session', 'tool', 'tool-result', 'error', 'result'],
		ok: false,
		message: /^interrupted$/,
	},
];

describe('claude.parse on captured stream-json', () => {
	test.each(streams)('$file', ({file, kinds: expected, ok, message, limit}) => {
		const said = items(file);
		expect(kinds(said)).toEqual(expected);
		const [result] = only(said, 'result');
		expect(result?.ok).toBe(ok);
		expect(result?.message).toMatch(message);
		const limits = only(said, 'limit');
		expect(limits).toHaveLength(limit?.length ?? 0);
		limits.forEach((found, i) => {
			expect(found.message).toMatch(limit?.[i]?.message ?? /^$/);
			expect(found.resetsAt?.toISOString()).toBe(limit?.[i]?.resetsAt);
		});
	});

	test('every stream-json fixture is in the table', () => {
		const files = readdirSync(fixtures).filter((name) => name.endsWith('.jsonl'));
		expect(files.sort()).toEqual(streams.map((stream) => stream.file).sort());
	});

	test('a session: its model and id', () => {
		expect(items('ok.jsonl')[0]).toEqual({
			kind: 'session',
			model: 'claude-opus-4-8[1m]',
			sessionId: 'd6f32d22-3e3f-4dfa-832a-c38f8b26bb5f',
		});
	});

	test('a tool call is named with its command line, and its result is kept', () => {
		const said = items('ok.jsonl');
		expect(only(said, 'tool')).toEqual([
			{kind: 'tool', name: 'Bash', detail: 'echo hello > hello.txt && cat hello.txt'},
		]);
		expect(only(said, 'tool-result')).toEqual([{kind: 'tool-result', text: 'hello', error: false}]);
		expect(only(said, 'thinking')[0]?.text).toBe(
			'The user wants a file; one shell command does it.',
		);
	});

	test('a failed tool is an error result', () => {
		expect(only(items('tool-error.jsonl'), 'tool-result')).toEqual([
			{
				kind: 'tool-result',
				text: 'Exit code 1\ncat: missing.txt: No such file or directory',
				error: true,
			},
		]);
	});

	test('usage: every model the CLI called, and its cost', () => {
		expect(only(items('ok.jsonl'), 'result')[0]?.usage).toEqual({
			model: 'claude-opus-4-8[1m]',
			inputTokens: 360,
			outputTokens: 75,
			cacheReadTokens: 1200,
			cacheWriteTokens: 90,
			costUsd: 0.0048375,
			sessionId: 'd6f32d22-3e3f-4dfa-832a-c38f8b26bb5f',
		});
	});

	test('an API retry says what failed and which attempt it is', () => {
		expect(only(items('overloaded.jsonl'), 'api-retry').map((item) => item.message)).toEqual([
			'API overloaded (529) · retrying in 1s · attempt 1/2',
			'API overloaded (529) · retrying in 1s · attempt 2/2',
		]);
	});

	test('a JSON line after the terminal reset a pty gets on SIGINT is still an event', () => {
		const line = read('sigint.jsonl').find((text) => text.startsWith('\u001b['));
		expect(line).toBeDefined();
		expect(claude.parse?.(line ?? '', capturedAt)?.[0]?.kind).toBe('message');
	});

	const other: {
		readonly name: string;
		readonly line: string;
		readonly said: TranscriptItem[] | undefined;
	}[] = [
		{name: 'plain text', line: 'hello world', said: undefined},
		{name: 'broken JSON', line: '{"type":"assistant",', said: undefined},
		{name: 'JSON that is no event', line: '{"hello":1}', said: undefined},
		{name: 'an array', line: '[1,2]', said: undefined},
		{name: 'the terminal reset alone', line: '\u001b[?25h', said: undefined},
		{
			name: 'an allowed rate_limit_event',
			line: '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed","resetsAt":1795997042}}',
			said: [],
		},
		{
			name: 'an allowed_warning rate_limit_event',
			line: '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1795997042,"utilization":0.9}}',
			said: [],
		},
		{
			name: 'thinking_tokens',
			line: '{"type":"system","subtype":"thinking_tokens","estimated_tokens":13}',
			said: [],
		},
		{
			name: 'a partial-message stream_event',
			line: '{"type":"stream_event","event":{"type":"message_stop"}}',
			said: [],
		},
		{
			name: 'a Read call',
			line: '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Read","input":{"file_path":"/repo/src/a.ts","offset":10}}]}}',
			said: [{kind: 'tool', name: 'Read', detail: '/repo/src/a.ts'}],
		},
		{
			name: 'a Grep call',
			line: '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"Grep","input":{"pattern":"TODO","path":"src","output_mode":"content"}}]}}',
			said: [{kind: 'tool', name: 'Grep', detail: 'TODO in src'}],
		},
		{
			name: 'a multi-line Bash command shows its first line',
			line: JSON.stringify({
				type: 'assistant',
				message: {
					content: [{type: 'tool_use', name: 'Bash', input: {command: 'cd x &&\n  npm test'}}],
				},
			}),
			said: [{kind: 'tool', name: 'Bash', detail: 'cd x &&'}],
		},
		{
			name: 'a TodoWrite call',
			line: '{"type":"assistant","message":{"content":[{"type":"tool_use","name":"TodoWrite","input":{"todos":[{},{}]}}]}}',
			said: [{kind: 'tool', name: 'TodoWrite', detail: '2 todos'}],
		},
		{
			name: 'a tool result in text blocks',
			line: '{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}}',
			said: [{kind: 'tool-result', text: 'a\nb', error: false}],
		},
		{
			name: 'a tool result holding claude wording is just a tool result',
			line: JSON.stringify({
				type: 'user',
				message: {
					content: [
						{
							type: 'tool_result',
							content: "You've hit your session limit · resets 6pm (UTC)\nProceed? [y/N]",
						},
					],
				},
			}),
			said: [
				{
					kind: 'tool-result',
					text: "You've hit your session limit · resets 6pm (UTC)\nProceed? [y/N]",
					error: false,
				},
			],
		},
		{
			name: 'an error result with no text',
			line: '{"type":"result","subtype":"error_max_turns","is_error":true,"session_id":"s"}',
			said: [{kind: 'result', ok: false, message: 'error_max_turns', usage: {sessionId: 's'}}],
		},
		{
			name: 'a result that says success but is an error',
			line: '{"type":"result","subtype":"success","is_error":true,"result":"boom"}',
			said: [{kind: 'result', ok: false, message: 'boom', usage: {}}],
		},
		{
			name: 'a rejected rate_limit_event with no reset',
			line: '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected"}}',
			said: [{kind: 'limit', message: 'usage limit reached'}],
		},
	];

	test.each(other)('$name', ({line, said}) => {
		expect(claude.parse?.(line, capturedAt)).toEqual(said);
	});

	test('a long tool result is cut to its first 20 lines', () => {
		const output = Array.from({length: 100}, (_, i) => `line ${i}`).join('\n');
		const line = JSON.stringify({
			type: 'user',
			message: {content: [{type: 'tool_result', content: output, is_error: true}]},
		});
		const [result] = claude.parse?.(line, capturedAt) ?? [];
		expect(result).toEqual({
			kind: 'tool-result',
			text: `${output.split('\n').slice(0, 20).join('\n')}\n…`,
			error: true,
		});
	});

	test('a huge single-line tool result is cut to 2,000 characters', () => {
		const line = JSON.stringify({
			type: 'user',
			message: {content: [{type: 'tool_result', content: 'x'.repeat(10_000)}]},
		});
		const [result] = claude.parse?.(line, capturedAt) ?? [];
		expect(result?.kind === 'tool-result' ? result.text.length : 0).toBe(2002);
	});
});

/** Every plain-text fixture and screen: what the detector finds on it. */
const screens: {
	readonly file: string;
	readonly finding: Finding['kind'] | undefined;
	readonly message?: RegExp;
	readonly resetsAt?: string;
}[] = [
	{file: 'ok.txt', finding: undefined},
	{file: 'idle.screen.txt', finding: undefined},
	// Its retry line for an API error: it is working on it, nothing to act on yet.
	{file: 'retrying.screen.txt', finding: undefined},
	{file: 'overloaded.txt', finding: 'api-error', message: /^API Error: 529 Overloaded\./},
	{file: 'overloaded.screen.txt', finding: 'api-error', message: /^API Error: 529 Overloaded\./},
	{file: 'rate-limited.txt', finding: 'limit', message: /^API Error: Request rejected \(429\)$/},
	{
		file: 'rate-limited.screen.txt',
		finding: 'limit',
		message: /^API Error: Request rejected \(429\)$/,
	},
	{
		file: 'usage-limit.txt',
		finding: 'limit',
		message: /^You've hit your session limit · resets 12:04am \(UTC\)$/,
		resetsAt: '2026-11-30T00:04:00.000Z',
	},
	{
		// The limit, and its own menu under it: the limit wins.
		file: 'usage-limit.screen.txt',
		finding: 'limit',
		message: /^You've hit your session limit/,
		resetsAt: '2026-11-30T00:05:00.000Z',
	},
	{file: 'auth.txt', finding: 'auth', message: /^Invalid API key · Fix external API key$/},
	{file: 'auth.screen.txt', finding: 'auth', message: /^Invalid API key/},
	{file: 'not-logged-in.txt', finding: 'auth', message: /^Not logged in · Please run \/login$/},
	{file: 'not-logged-in.screen.txt', finding: 'auth', message: /^Not logged in · Run \/login$/},
	{file: 'login.screen.txt', finding: 'auth', message: /Not logged in/},
	{
		file: 'config-error.txt',
		finding: 'auth',
		message: /^Configuration error in .*\.claude\.json: JSON Parse error/,
	},
	{
		file: 'root.txt',
		finding: 'untrusted',
		message: /^--dangerously-skip-permissions cannot be used with root/,
	},
	{
		file: 'offline.txt',
		finding: 'offline',
		message: /^API Error: Unable to connect to API \(ConnectionRefused\)$/,
	},
	{
		file: 'offline-retrying.screen.txt',
		finding: 'offline',
		message: /^Unable to connect to API \(ConnectionRefused\) · Retrying in/,
	},
	{
		file: 'offline-start.screen.txt',
		finding: 'offline',
		message: /^Unable to connect to Anthropic services$/,
	},
	{
		file: 'trust.screen.txt',
		finding: 'waiting',
		message: /^Quick safety check: Is this a project you created or one you trust\?/,
	},
	{file: 'api-key.screen.txt', finding: 'waiting', message: /^Do you want to use this API key\?$/},
	{file: 'permission.screen.txt', finding: 'waiting', message: /^Do you want to proceed\?$/},
];

describe('claude.detect on captured screens and plain output', () => {
	test.each(screens)('$file', ({file, finding, message, resetsAt}) => {
		const found = claude.detect(read(file), capturedAt);
		expect(found?.kind).toBe(finding);
		if (message !== undefined) expect(found?.message).toMatch(message);
		expect(found?.kind === 'limit' ? found.resetsAt?.toISOString() : undefined).toBe(resetsAt);
	});

	test('every text fixture and screen is in the table', () => {
		const files = readdirSync(fixtures).filter((name) => name.endsWith('.txt'));
		expect(files.sort()).toEqual(screens.map((screen) => screen.file).sort());
	});

	const lines: {
		readonly name: string;
		readonly lines: string[];
		readonly finding?: Finding;
		readonly now?: Date;
	}[] = [
		{
			name: "a task's output about a rate limit",
			lines: ['Error: rate limit exceeded, retry later'],
		},
		{name: "a task's output with 429", lines: ['GET /api 429 Too Many Requests', 'HTTP 429']},
		{
			name: "a task's output about usage",
			lines: ['Usage: foo [options]', 'usage limit reached for quota'],
		},
		{name: 'a [y/N] in a tool result', lines: ['  ⎿  Overwrite file? [y/N]']},
		{
			name: 'a question from a task, with no menu of its own',
			lines: ['Do you want to proceed?', '  1. Yes'],
		},
		{name: 'command not found', lines: ['bash: foo: command not found']},
		{name: 'a word like overloaded', lines: ['The server is overloaded, error 503']},
		{name: 'not logged in, in other words', lines: ['You are not logged in to npm']},
		{
			name: 'a wrapped reset time',
			lines: ["  ⎿  You've hit your weekly limit ·", '     resets Dec 2, 6:34pm (UTC)'],
			finding: {
				kind: 'limit',
				message: "You've hit your weekly limit · resets Dec 2, 6:34pm (UTC)",
				resetsAt: new Date('2026-12-02T18:34:00Z'),
			},
		},
		{
			name: 'an hour with no minutes (`6pm`)',
			lines: ["You've hit your session limit · resets 6pm (UTC)"],
			finding: {
				kind: 'limit',
				message: "You've hit your session limit · resets 6pm (UTC)",
				resetsAt: new Date('2026-11-30T18:00:00Z'),
			},
		},
		{
			name: 'a reset another year',
			lines: ["You've hit your weekly limit · resets Jan 2, 2027, 6pm (America/New_York)"],
			finding: {
				kind: 'limit',
				message: "You've hit your weekly limit · resets Jan 2, 2027, 6pm (America/New_York)",
				resetsAt: new Date('2027-01-02T23:00:00Z'),
			},
		},
		{
			name: 'a reset just passed is now',
			lines: ["You've hit your session limit · resets 10:00pm (UTC)"],
			finding: {
				kind: 'limit',
				message: "You've hit your session limit · resets 10:00pm (UTC)",
				resetsAt: capturedAt,
			},
		},
		{
			name: 'its retry line while limited (local time)',
			lines: ['✻ Session limit reached · Retrying in 5s (11:30pm) · attempt 3/10'],
			finding: {
				kind: 'limit',
				message: 'Session limit reached · Retrying in 5s (11:30pm) · attempt 3/10',
				resetsAt: new Date(2026, 10, 29, 23, 30),
			},
			now: new Date(2026, 10, 29, 22, 5),
		},
		{
			name: "a subscriber's 429 with no reset",
			lines: [
				'API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited',
			],
			finding: {
				kind: 'limit',
				message: 'Server is temporarily limiting requests (not your usage limit)',
			},
		},
		{
			name: 'out of usage credits',
			lines: ["You're out of usage credits · resets 12:04am (UTC)"],
			finding: {
				kind: 'limit',
				message: "You're out of usage credits · resets 12:04am (UTC)",
				resetsAt: new Date('2026-11-30T00:04:00Z'),
			},
		},
		{
			name: 'an earlier version: the limit with a unix time',
			lines: ['Claude AI usage limit reached|1796000000'],
			finding: {
				kind: 'limit',
				message: 'Claude AI usage limit reached',
				resetsAt: new Date(1796000000 * 1000),
			},
		},
		{
			name: 'a limit beats a question',
			lines: ["You've hit your session limit", 'Do you want to proceed?', 'Esc to cancel'],
			finding: {kind: 'limit', message: "You've hit your session limit"},
		},
		{
			name: 'auth beats an API error',
			lines: ['API Error: 500 Internal server error.', 'Not logged in · Please run /login'],
			finding: {kind: 'auth', message: 'Not logged in · Please run /login'},
		},
		{
			name: 'an untrusted workspace',
			lines: [
				'Error: Workspace not trusted. Please run `claude` in /repo first to review and accept the workspace trust dialog.',
			],
			finding: {
				kind: 'untrusted',
				message:
					'Error: Workspace not trusted. Please run `claude` in /repo first to review and accept the workspace trust dialog.',
			},
		},
		{
			name: 'a credit balance too low',
			lines: ['Credit balance is too low'],
			finding: {kind: 'auth', message: 'Credit balance is too low'},
		},
		{
			name: 'repeated 529s',
			lines: [
				'API Error: Repeated 529 Overloaded errors. The API is at capacity — this is usually temporary.',
			],
			finding: {
				kind: 'api-error',
				message:
					'API Error: Repeated 529 Overloaded errors. The API is at capacity — this is usually temporary.',
			},
		},
	];

	test.each(lines)('$name', ({lines: shown, finding, now}) => {
		expect(claude.detect(shown, now ?? capturedAt)).toEqual(finding);
	});
});

describe('claude.structured', () => {
	const cases: {readonly args: string[]; readonly structured: boolean}[] = [
		{args: ['-p', 'x', '--output-format', 'stream-json', '--verbose'], structured: true},
		{args: ['-p', 'x', '--output-format=stream-json', '--verbose'], structured: true},
		{args: ['-p', 'x', '--output-format', 'json'], structured: false},
		{args: ['-p', 'x', '--output-format', 'text'], structured: false},
		{args: ['-p', 'x', '--dangerously-skip-permissions'], structured: false},
		{args: [], structured: false},
	];
	test.each(cases)('$args', ({args, structured}) => {
		expect(claude.structured?.(args)).toBe(structured);
	});
});
