import {readFileSync, readdirSync} from 'node:fs';
import {describe, expect, test} from 'vitest';
import {codex} from '../../../source/core/clis/codex.js';
import type {Finding, TranscriptItem} from '../../../source/core/clis/detector.js';

const fixtures = new URL('../../fixtures/clis/codex/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures), 'utf8').split('\n');
/**
 * Just after the fixtures were captured (2026-11-29 around 22:02–22:10 on a machine on UTC). Codex
 * prints reset times in the machine's local time with no zone, so `now` and the expected resets
 * are local wall-clock times too: the tests hold in any zone.
 */
const capturedAt = new Date(2026, 10, 29, 22, 5);
const local = (day: number, hour: number, minute: number) =>
	new Date(2026, 10, day, hour, minute).toISOString();

function items(name: string): TranscriptItem[] {
	return read(name).flatMap((line) => codex.parse?.(line, capturedAt) ?? []);
}

const only = <K extends TranscriptItem['kind']>(list: readonly TranscriptItem[], kind: K) =>
	list.filter((item): item is Extract<TranscriptItem, {kind: K}> => item.kind === kind);

const usageLimitText =
	/^You’ve hit your usage limit\. Upgrade to Pro .* or try again at Nov 30th, 2026 12:12 AM\.$/;
const retryWarning = /^Model metadata for `gpt-fake` not found/;

/** Every `exec --json` fixture: the kinds of what it says, in order, and its final word. */
const streams: {
	readonly file: string;
	readonly kinds: readonly TranscriptItem['kind'][];
	/** The final result, or undefined when there is none (SIGINT, killed). */
	readonly result?: {readonly ok: boolean; readonly message: RegExp};
	readonly limit?: {readonly message: RegExp; readonly resetsAt?: string};
}[] = [
	{
		file: 'plan.jsonl',
		kinds: ['session', 'error', 'message', 'result'],
		result: {ok: true, message: /^$/},
	},
	{
		file: 'plan-invalid.jsonl',
		kinds: ['session', 'error', 'message', 'result'],
		result: {ok: true, message: /^$/},
	},
	{
		file: 'ok.jsonl',
		kinds: ['session', 'error', 'thinking', 'tool', 'tool-result', 'message', 'result'],
		result: {ok: true, message: /^$/},
	},
	{
		file: 'tools.jsonl',
		kinds: [
			'session',
			'message',
			'tool',
			'tool',
			'tool-result',
			'tool',
			'tool-result',
			'message',
			'result',
		],
		result: {ok: true, message: /^$/},
	},
	{
		file: 'overloaded.jsonl',
		kinds: ['session', 'error', 'api-retry', 'error', 'result'],
		result: {
			ok: false,
			message: /^unexpected status 503 Service Unavailable: The server is overloaded/,
		},
	},
	{
		file: 'rate-limited.jsonl',
		kinds: ['session', 'error', 'limit', 'limit', 'result'],
		result: {ok: false, message: /^exceeded retry limit, last status: 429 Too Many Requests$/},
		limit: {message: /^exceeded retry limit, last status: 429/},
	},
	{
		file: 'usage-limit.jsonl',
		kinds: ['session', 'error', 'limit', 'limit', 'result'],
		result: {ok: false, message: usageLimitText},
		limit: {message: usageLimitText, resetsAt: local(30, 0, 12)},
	},
	{
		file: 'usage-limit-today.jsonl',
		kinds: ['session', 'limit', 'limit', 'result'],
		result: {ok: false, message: /send a request to your admin or try again at 10:12 PM\.$/},
		limit: {message: /^You’ve hit your usage limit\./, resetsAt: local(29, 22, 12)},
	},
	{
		file: 'auth.jsonl',
		kinds: ['session', 'error', 'api-retry', 'error', 'result'],
		result: {ok: false, message: /^unexpected status 401 Unauthorized: Incorrect API key provided/},
	},
	{
		file: 'missing-key.jsonl',
		kinds: ['session', 'error', 'result'],
		result: {ok: false, message: /^Missing environment variable: `FAKE_API_KEY`\.$/},
	},
	{
		file: 'not-logged-in.jsonl',
		kinds: [
			'session',
			...Array<'api-retry'>(4).fill('api-retry'),
			'error',
			...Array<'api-retry'>(5).fill('api-retry'),
			'error',
			'result',
		],
		result: {ok: false, message: /^unexpected status 401 Unauthorized/},
	},
	{
		file: 'offline.jsonl',
		kinds: ['session', ...Array<'api-retry'>(5).fill('api-retry')],
	},
	{file: 'sigint.jsonl', kinds: ['session', 'thinking']},
	{file: 'sigint-early.jsonl', kinds: ['session']},
];

describe('codex exec --json, as captured', () => {
	test.each(streams)('$file', ({file, kinds, result, limit}) => {
		const said = items(file);
		expect(said.map((item) => item.kind)).toEqual(kinds);
		const results = only(said, 'result');
		if (result === undefined) expect(results).toEqual([]);
		else {
			expect(results).toHaveLength(1);
			expect(results[0]?.ok).toBe(result.ok);
			expect(results[0]?.message).toMatch(result.message);
		}

		const limits = only(said, 'limit');
		for (const each of limits) {
			expect(each.message).toMatch(limit?.message ?? /^$/);
			expect(each.resetsAt?.toISOString()).toBe(limit?.resetsAt);
		}
	});

	test('ok: the session id, the command as the agent wrote it, its output, the usage', () => {
		const said = items('ok.jsonl');
		expect(said[0]).toEqual({kind: 'session', sessionId: '01a22954-402d-7450-bab1-5680b97a2430'});
		expect(said[1]).toEqual({kind: 'error', message: expect.stringMatching(retryWarning)});
		expect(only(said, 'thinking')).toEqual([
			{kind: 'thinking', text: '**Writing the file**\n\nI will write hello.txt.'},
		]);
		expect(only(said, 'tool')).toEqual([
			{kind: 'tool', name: 'shell', detail: 'echo hello > hello.txt && cat hello.txt'},
		]);
		expect(only(said, 'tool-result')).toEqual([
			{
				kind: 'tool-result',
				text: "pyenv: cannot rehash: /root/.pyenv/shims isn't writable\nhello",
				error: false,
			},
		]);
		expect(only(said, 'message')).toEqual([
			{kind: 'message', text: 'I wrote hello.txt with the word hello.'},
		]);
		// input_tokens 2468 counts the 2000 cached ones.
		expect(only(said, 'result')[0]?.usage).toEqual({
			inputTokens: 468,
			cacheReadTokens: 2000,
			cacheWriteTokens: 0,
			outputTokens: 112,
		});
	});

	test('tools: a web search, a patch, a failing command', () => {
		const said = items('tools.jsonl');
		expect(only(said, 'tool')).toEqual([
			{kind: 'tool', name: 'web_search', detail: 'codex apply_patch format'},
			{kind: 'tool', name: 'patch', detail: 'add /home/project/codex/repo/notes.txt'},
			{kind: 'tool', name: 'shell', detail: 'cat missing.txt'},
		]);
		expect(only(said, 'tool-result')).toEqual([
			{kind: 'tool-result', text: 'add /home/project/codex/repo/notes.txt', error: false},
			{
				kind: 'tool-result',
				text: expect.stringMatching(/\ncat: missing\.txt: No such file or directory$/),
				error: true,
			},
		]);
	});

	test('retries say what they wait for', () => {
		expect(only(items('overloaded.jsonl'), 'api-retry')[0]?.message).toMatch(
			/^Reconnecting\.\.\. 1\/1 \(unexpected status 503/,
		);
		expect(only(items('offline.jsonl'), 'api-retry')[0]?.message).toBe(
			'Reconnecting... waiting for network (Connection failed: error sending request)',
		);
	});

	test.each([
		['turn.started', '{"type":"turn.started"}', []],
		[
			'an agent message still being written',
			'{"type":"item.updated","item":{"id":"item_3","type":"agent_message","text":"I wr"}}',
			[],
		],
		[
			'an item of a kind this version does not know',
			'{"type":"item.completed","item":{"type":"hologram"}}',
			[],
		],
	])('%s shows nothing', (_name, line, expected) => {
		expect(codex.parse?.(line, capturedAt)).toEqual(expected);
	});

	test.each([
		['an empty line', ''],
		[
			'codex’s log on stderr, merged by the pty',
			'2026-11-29T22:07:32.735835Z ERROR codex_api::endpoint::responses_websocket: failed to connect to Responses WebSocket stage=Unknown',
		],
		['a broken config, printed as text even with --json', 'Error loading config.toml:'],
		['JSON that is not an event', '{"hello": "world"}'],
		['an event of another CLI', '{"type":"result","subtype":"success","is_error":false}'],
		['a truncated event', '{"type":"item.completed","item":{"id":"item_2"'],
	])('%s is not an event', (_name, line) => {
		expect(codex.parse?.(line, capturedAt)).toBeUndefined();
	});

	// Shapes codex 0.171.0 declares for `exec --json` (thread.*, turn.*, item.* with todo_list,
	// mcp_tool_call) that the fake model could not provoke without an MCP server or a plan tool.
	test.each([
		[
			'an MCP call',
			'{"type":"item.started","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"query":"pty resize"},"status":"in_progress"}}',
			[{kind: 'tool', name: 'docs.search', detail: 'pty resize'}],
		],
		[
			'its failure',
			'{"type":"item.completed","item":{"id":"item_1","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{},"error":{"message":"server gone"},"status":"failed"}}',
			[{kind: 'tool-result', text: 'server gone', error: true}],
		],
		[
			'a plan',
			'{"type":"item.updated","item":{"id":"item_0","type":"todo_list","items":[{"text":"read","completed":true},{"text":"write the tests","completed":false}]}}',
			[{kind: 'tool', name: 'plan', detail: '1/2 done · next: write the tests'}],
		],
		[
			'a long tool output, kept to 20 lines',
			JSON.stringify({
				type: 'item.completed',
				item: {
					type: 'command_execution',
					command: "/bin/bash -lc 'seq 100'",
					aggregated_output: Array.from({length: 100}, (_, i) => `${i + 1}`).join('\n') + '\n',
					exit_code: 0,
					status: 'completed',
				},
			}),
			[
				{
					kind: 'tool-result',
					text: Array.from({length: 20}, (_, i) => `${i + 1}`).join('\n') + '\n…',
					error: false,
				},
			],
		],
	])('%s', (_name, line, expected) => {
		expect(codex.parse?.(line, capturedAt)).toEqual(expected);
	});
});

/** Every plain-text fixture: what its lines say. */
const screens: {
	readonly file: string;
	readonly finding?: {
		readonly kind: Finding['kind'];
		readonly message: RegExp;
		readonly resetsAt?: string;
	};
}[] = [
	{file: 'trust.screen.txt', finding: {kind: 'untrusted', message: /^Trust this folder\?/}},
	{
		file: 'not-git-repo.txt',
		finding: {kind: 'untrusted', message: /^Not inside a trusted directory/},
	},
	{
		file: 'approval.screen.txt',
		finding: {kind: 'waiting', message: /^Would you like to run the following command\?$/},
	},
	{file: 'model-migration.screen.txt', finding: {kind: 'waiting', message: /^enter\/esc confirm/}},
	{file: 'login.screen.txt', finding: {kind: 'auth', message: /^Not logged in/}},
	{file: 'api-key.screen.txt', finding: {kind: 'auth', message: /^Not logged in/}},
	{
		file: 'auth.screen.txt',
		finding: {kind: 'auth', message: /^unexpected status 401 Unauthorized/},
	},
	{file: 'auth.txt', finding: {kind: 'auth', message: /^unexpected status 401 Unauthorized/}},
	{file: 'auth.jsonl', finding: {kind: 'auth', message: /^unexpected status 401 Unauthorized/}},
	{
		file: 'not-logged-in.jsonl',
		finding: {kind: 'auth', message: /^unexpected status 401 Unauthorized/},
	},
	{
		file: 'missing-key.txt',
		finding: {kind: 'auth', message: /^Missing environment variable: `FAKE_API_KEY`\.$/},
	},
	{file: 'missing-key.jsonl', finding: {kind: 'auth', message: /^Missing environment variable/}},
	{file: 'bad-config.txt', finding: {kind: 'auth', message: /^Error loading config\.toml:$/}},
	{file: 'tui-bad-config.txt', finding: {kind: 'auth', message: /^Error: loading config\.toml:$/}},
	{
		file: 'config-error.txt',
		finding: {kind: 'auth', message: /no longer supported; remove this setting$/},
	},
	{
		file: 'tui-config-error.txt',
		finding: {kind: 'auth', message: /^Error loading configuration: /},
	},
	{
		file: 'overloaded.txt',
		finding: {kind: 'api-error', message: /^unexpected status 503 Service Unavailable/},
	},
	{
		file: 'overloaded.screen.txt',
		finding: {kind: 'api-error', message: /^unexpected status 503 .* url: http:\/\/127/},
	},
	{file: 'overloaded.jsonl', finding: {kind: 'api-error', message: /^unexpected status 503/}},
	{
		file: 'rate-limited.txt',
		finding: {kind: 'limit', message: /^exceeded retry limit, last status: 429/},
	},
	{
		file: 'rate-limited.screen.txt',
		finding: {kind: 'limit', message: /^exceeded retry limit, last status: 429/},
	},
	{
		file: 'rate-limited.jsonl',
		finding: {kind: 'limit', message: /^exceeded retry limit, last status: 429/},
	},
	{
		file: 'usage-limit.txt',
		finding: {kind: 'limit', message: usageLimitText, resetsAt: local(30, 0, 12)},
	},
	{
		file: 'usage-limit.jsonl',
		finding: {kind: 'limit', message: usageLimitText, resetsAt: local(30, 0, 12)},
	},
	// Wrapped over two lines on screen, with a model-switch menu under it: the limit wins.
	{
		file: 'usage-limit.screen.txt',
		finding: {
			kind: 'limit',
			message: /try again at Nov 30th, 2026 12:19 AM\.$/,
			resetsAt: local(30, 0, 19),
		},
	},
	{
		file: 'usage-limit-today.jsonl',
		finding: {kind: 'limit', message: /try again at 10:12 PM\.$/, resetsAt: local(29, 22, 12)},
	},
	{
		file: 'offline.jsonl',
		finding: {kind: 'offline', message: /^Reconnecting\.\.\. waiting for network/},
	},
	{
		file: 'offline.screen.txt',
		finding: {kind: 'offline', message: /Reconnecting\.\.\. waiting for network/},
	},
	{file: 'idle-after-turn.screen.txt'},
	{file: 'working.screen.txt'},
	{file: 'ok.jsonl'},
	{file: 'tools.jsonl'},
	{file: 'sigint.jsonl'},
	{file: 'sigint-early.jsonl'},
];

describe('codex output as text, as captured', () => {
	test.each(screens)('$file', ({file, finding}) => {
		const found = codex.detect(read(file), capturedAt);
		if (finding === undefined) {
			expect(found).toBeUndefined();
			return;
		}

		expect(found?.kind).toBe(finding.kind);
		expect(found?.message).toMatch(finding.message);
		expect(found?.kind === 'limit' ? found.resetsAt?.toISOString() : undefined).toBe(
			finding.resetsAt,
		);
	});

	test('every fixture is in a table', () => {
		const used = new Set([...streams.map((s) => s.file), ...screens.map((s) => s.file)]);
		const files = readdirSync(fixtures).filter((name) => name !== 'README.md');
		expect(files.filter((name) => !used.has(name))).toEqual([]);
	});
});

describe('words a task could print are not codex speaking', () => {
	test.each([
		['a test log about rate limits', ['FAIL rate limit test: expected 429, got 200']],
		['a 429 in a curl', ['HTTP/1.1 429 Too Many Requests', 'retry-after: 30']],
		['usage text', ['Usage: mytool [options]', 'usage limit: 80% of quota']],
		['a [y/N] under a tool call', ['• Ran ./install.sh', '  └ Overwrite config? [y/N]']],
		['a shell error', ['bash: foo: command not found']],
		[
			'the limit wording inside a tool result',
			[
				'• Ran grep -r "hit your usage limit" docs',
				'  └ docs/faq.md: You’ve hit your usage limit. Try again at 6:29 PM.',
			],
		],
		[
			'the limit wording in an agent message event',
			[
				'{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"exceeded retry limit, last status: 429 is what codex prints"}}',
			],
		],
		[
			'a 401 in a command’s output event',
			[
				'{"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"curl","aggregated_output":"unexpected status 401 Unauthorized\\n","exit_code":0,"status":"completed"}}',
			],
		],
		['the prompt, idle', ['› Ask Codex to do anything', '  GPT-5.5 default · /repo']],
		['a model working', ['◦ Working (5s • esc to interrupt)']],
	])('%s', (_name, lines) => {
		expect(codex.detect(lines, capturedAt)).toBeUndefined();
	});
});

describe('reset times as codex prints them (local time, to the minute)', () => {
	const limitAt = (time: string, now: Date) => {
		const found = codex.detect([`ERROR: You’ve hit your usage limit. Try again at ${time}.`], now);
		return found?.kind === 'limit' ? found.resetsAt?.toISOString() : 'no limit';
	};

	test.each([
		['later today', '10:12 PM', new Date(2026, 10, 29, 22, 5), local(29, 22, 12)],
		[
			'just passed: now, not tomorrow',
			'10:12 PM',
			new Date(2026, 10, 29, 22, 30),
			local(29, 22, 30),
		],
		['long passed: tomorrow', '6:29 AM', new Date(2026, 10, 29, 22, 5), local(30, 6, 29)],
		['noon', '12:00 PM', new Date(2026, 10, 29, 9, 0), local(29, 12, 0)],
		['midnight', '12:00 AM', new Date(2026, 10, 29, 22, 5), local(30, 0, 0)],
		[
			'dated',
			'Dec 2nd, 2026 6:39 PM',
			new Date(2026, 10, 29, 22, 5),
			new Date(2026, 11, 2, 18, 39).toISOString(),
		],
		[
			'dated, 1st',
			'Dec 1st, 2026 1:05 AM',
			new Date(2026, 10, 29, 22, 5),
			new Date(2026, 11, 1, 1, 5).toISOString(),
		],
		[
			'dated, next year',
			'Jan 3rd, 2027 9:00 AM',
			new Date(2026, 11, 31, 23, 0),
			new Date(2027, 0, 3, 9, 0).toISOString(),
		],
	])('%s: %s', (_name, time, now, expected) => {
		expect(limitAt(time, now)).toBe(expected);
	});

	test('no time given: a limit without a reset', () => {
		expect(codex.detect(['■ You’ve hit your usage limit.'], capturedAt)).toEqual({
			kind: 'limit',
			message: 'You’ve hit your usage limit.',
		});
	});

	test('a time that cannot be read: a limit without a reset', () => {
		expect(limitAt('13:61 PM', capturedAt)).toBeUndefined();
	});
});

describe('structured mode', () => {
	test.each([
		[['exec', '--json', '--sandbox', 'workspace-write', '--skip-git-repo-check', 'do it'], true],
		[['e', '--json', 'do it'], true],
		[
			['-c', 'model="gpt-5.5"', '-m', 'gpt-5.5', 'exec', '--skip-git-repo-check', '--json', 'x'],
			true,
		],
		[['exec', '--experimental-json', 'x'], true],
		[['exec', '--sandbox', 'workspace-write', '--skip-git-repo-check', 'do it'], false],
		[['--json'], false],
		[['exec', '--', '--json'], false],
		[['-m', 'exec', 'say --json'], false],
		[[], false],
	])('%j → %s', (args, expected) => {
		expect(codex.structured?.(args)).toBe(expected);
	});
});
