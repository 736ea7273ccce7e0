/**
 * What Claude Code's output means (PRODUCT.md §13), read off the real CLI (2.1.197): its
 * `--output-format stream-json` events, and the wording it prints at its prompt and in `-p` mode.
 * The captured output is in test/fixtures/clis/claude, with how it was made.
 */
import {
	lastMatch,
	resetTime,
	type CliDetector,
	type Finding,
	type TranscriptItem,
	type Usage,
} from './detector.js';
import {bounded, count, isObject, jsonEvent, oneLine, text, type Json} from './event-json.js';

/**
 * Escape sequences. In a pty the CLI writes its terminal reset (`ESC[?1006l … ESC]0;BEL`) when it
 * stops, and on SIGINT that lands at the start of its next JSON line. JSON escapes control
 * characters inside strings, so none of this can be part of an event.
 */
/* eslint-disable no-control-regex -- escape sequences are what it matches */
const escapes =
	/\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)|\u001B\[[0-?]*[ -/]*[@-~]|\u001B[()][0-9A-Za-z]|\u001B[0-9=>A-Za-z]|[\u000E\u000F\u0007]/g;
/* eslint-enable no-control-regex */

/** What a tool call acts on, in a line: the command, the file, the pattern, the URL. */
function toolDetail(name: string, input: unknown): string {
	if (!isObject(input)) return '';
	if (name === 'TodoWrite' && Array.isArray(input.todos)) return `${input.todos.length} todos`;
	if (name === 'Grep' || name === 'Glob') {
		const pattern = text(input.pattern) ?? '';
		const path = text(input.path);
		return oneLine(path === undefined ? pattern : `${pattern} in ${path}`);
	}
	for (const key of [
		'command',
		'file_path',
		'notebook_path',
		'pattern',
		'url',
		'query',
		'description',
		'subject',
		'skill',
		'prompt',
		'path',
		'code',
		'message',
		'name',
	]) {
		const value = text(input[key]);
		if (value !== undefined && value.trim() !== '') return oneLine(value);
	}

	return '';
}

/** A tool result's `content`: a string, or text blocks (images and the like are left out). */
function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content
		.map((block) => (isObject(block) ? (text(block.text) ?? '') : ''))
		.filter((part) => part !== '')
		.join('\n');
}

function assistantItems(event: Json): TranscriptItem[] {
	const message = isObject(event.message) ? event.message : {};
	const blocks = Array.isArray(message.content) ? message.content : [];
	// The CLI's own failure (`API Error: …`, `Not logged in · …`) comes as a message from a
	// `<synthetic>` model with an `error` field, just before the `result` that repeats it.
	const failed = typeof event.error === 'string' || message.model === '<synthetic>';
	const items: TranscriptItem[] = [];
	for (const block of blocks) {
		if (!isObject(block)) continue;
		if (block.type === 'text') {
			const words = text(block.text)?.trim() ?? '';
			if (words !== '')
				items.push(failed ? {kind: 'error', message: words} : {kind: 'message', text: words});
		} else if (block.type === 'thinking') {
			const thought = text(block.thinking)?.trim() ?? '';
			if (thought !== '') items.push({kind: 'thinking', text: thought});
		} else if (block.type === 'tool_use' || block.type === 'server_tool_use') {
			const name = text(block.name) ?? 'tool';
			items.push({kind: 'tool', name, detail: toolDetail(name, block.input)});
		}
	}

	return items;
}

function userItems(event: Json): TranscriptItem[] {
	const message = isObject(event.message) ? event.message : {};
	const items: TranscriptItem[] = [];
	const content = message.content;
	if (!Array.isArray(content)) return items;
	for (const block of content) {
		if (!isObject(block)) continue;
		if (block.type === 'tool_result')
			items.push({
				kind: 'tool-result',
				text: bounded(contentText(block.content)),
				error: block.is_error === true,
			});
		// `[Request interrupted by user]`, `[Request interrupted by user for tool use]`: the CLI's
		// own note that the turn was cut short (SIGINT, Esc). The prompt itself is not repeated.
		else if (block.type === 'text' && text(block.text)?.startsWith('[Request interrupted'))
			items.push({kind: 'error', message: text(block.text) ?? ''});
	}

	return items;
}

/**
 * The attempt's totals. `modelUsage` counts every model the CLI called (its side calls too) and
 * is what `total_cost_usd` was worked out from, so it wins over `usage` (the main model's turns).
 */
function resultUsage(event: Json): Usage {
	const sessionId = text(event.session_id);
	const costUsd = count(event.total_cost_usd);
	const models = isObject(event.modelUsage) ? Object.entries(event.modelUsage) : [];
	const perModel = models.filter((entry): entry is [string, Json] => isObject(entry[1]));
	if (perModel.length > 0) {
		const sum = (key: string) =>
			perModel.reduce((total, [, model]) => total + (count(model[key]) ?? 0), 0);
		// The model that cost most names the attempt; the others are the CLI's small side calls.
		const [model] = perModel.reduce((top, entry) =>
			(count(entry[1].costUSD) ?? 0) > (count(top[1].costUSD) ?? 0) ? entry : top,
		);
		return {
			model,
			inputTokens: sum('inputTokens'),
			outputTokens: sum('outputTokens'),
			cacheReadTokens: sum('cacheReadInputTokens'),
			cacheWriteTokens: sum('cacheCreationInputTokens'),
			...(costUsd === undefined ? {} : {costUsd}),
			...(sessionId === undefined ? {} : {sessionId}),
		};
	}

	const usage = isObject(event.usage) ? event.usage : {};
	const fields: [keyof Usage, unknown][] = [
		['inputTokens', usage.input_tokens],
		['outputTokens', usage.output_tokens],
		['cacheReadTokens', usage.cache_read_input_tokens],
		['cacheWriteTokens', usage.cache_creation_input_tokens],
		['costUsd', costUsd],
	];
	return {
		...Object.fromEntries(fields.filter(([, value]) => count(value) !== undefined)),
		...(sessionId === undefined ? {} : {sessionId}),
	};
}

function resultItems(event: Json, now: Date): TranscriptItem[] {
	const ok = event.subtype === 'success' && event.is_error === false;
	const errors = Array.isArray(event.errors)
		? event.errors.filter((e) => typeof e === 'string')
		: [];
	const message =
		text(event.result) ??
		(event.subtype === 'error_during_execution'
			? 'interrupted'
			: [text(event.subtype), ...errors].filter((part) => part !== undefined).join(': '));
	const items: TranscriptItem[] = [];
	if (!ok) {
		const limit = limitIn([message], now);
		if (limit !== undefined) items.push({...limit, kind: 'limit'});
		else if (event.api_error_status === 429) items.push({kind: 'limit', message});
	}

	items.push({kind: 'result', ok, message, usage: resultUsage(event)});
	return items;
}

function systemItems(event: Json): TranscriptItem[] {
	if (event.subtype === 'init') {
		const model = text(event.model);
		const sessionId = text(event.session_id);
		return [
			{
				kind: 'session',
				...(model === undefined ? {} : {model}),
				...(sessionId === undefined ? {} : {sessionId}),
			},
		];
	}

	if (event.subtype === 'api_retry') {
		const status = count(event.error_status);
		const delay = count(event.retry_delay_ms);
		const what = [text(event.error) ?? 'error', status === undefined ? undefined : `(${status})`]
			.filter((part) => part !== undefined)
			.join(' ');
		const when = delay === undefined ? '' : ` in ${Math.max(1, Math.round(delay / 1000))}s`;
		return [
			{
				kind: 'api-retry',
				message: `API ${what} · retrying${when} · attempt ${count(event.attempt) ?? '?'}/${count(event.max_retries) ?? '?'}`,
			},
		];
	}

	// thinking_tokens, status, compact_boundary, hook and task notices: nothing to show.
	return [];
}

function rateLimitItems(event: Json): TranscriptItem[] {
	const info = isObject(event.rate_limit_info) ? event.rate_limit_info : {};
	// `allowed` and `allowed_warning` come with every request a subscriber makes.
	if (info.status !== 'rejected') return [];
	const resetsAt = count(info.resetsAt);
	const type = text(info.rateLimitType);
	return [
		{
			kind: 'limit',
			message: type === undefined ? 'usage limit reached' : `usage limit reached (${type})`,
			...(resetsAt === undefined ? {} : {resetsAt: new Date(resetsAt * 1000)}),
		},
	];
}

function parse(line: string, now: Date): readonly TranscriptItem[] | undefined {
	const event = jsonEvent(line.replace(escapes, ''));
	if (event === undefined) return undefined;
	switch (event['type']) {
		case 'system':
			return systemItems(event);
		case 'assistant':
			return assistantItems(event);
		case 'user':
			return userItems(event);
		case 'result':
			return resultItems(event, now);
		case 'rate_limit_event':
			return rateLimitItems(event);
		default:
			// stream_event, tool_progress, auth_status, control_*, keep_alive, prompt_suggestion…
			return [];
	}
}

/**
 * A reset time as Claude Code prints it (`Vee()` in its bundle): `12:04am`, `6pm` (no `:00`),
 * more than a day ahead `Dec 2, 6:37am`, another year `Jan 2, 2027, 6pm`; then its zone in
 * brackets, `(UTC)`, `(Europe/Paris)`, except in its retry line.
 */
const clock =
	/(?:\b([A-Z][a-z]{2}) (\d{1,2}), (?:(\d{4}), )?)?\b(\d{1,2})(?::(\d{2}))?\s?([ap]m)\b(?: \(([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)\))?/i;

function printedReset(words: string, now: Date): Date | undefined {
	const match = clock.exec(words);
	if (match === null) return undefined;
	const [, month, day, year, hour, minute, meridiem, timeZone] = match;
	return resetTime(
		{
			hour: Number(hour),
			minute: minute === undefined ? 0 : Number(minute),
			meridiem: meridiem?.toLowerCase() === 'pm' ? 'pm' : 'am',
			...(month === undefined ? {} : {month, day: Number(day)}),
			...(year === undefined ? {} : {year: Number(year)}),
			...(timeZone === undefined ? {} : {timeZone}),
		},
		now,
	);
}

/** The CLI's own usage- and rate-limit wording; the group, where there is one, holds its reset time. */
const limitPatterns: readonly RegExp[] = [
	// `You've hit your session limit · resets 12:04am (UTC)`, `… weekly limit …`, `… limit · …`
	/You've hit your (?:[\w' -]+ )?limit\b(?:.*?· resets (.+))?/,
	/You're out of usage credits(?:.*?· resets (.+))?/,
	/Your org is out of usage · /,
	// Its retry line while limited: `Session limit reached · Retrying in 5s (12:04am) · attempt 4/10`
	/\b[A-Z][\w ]* limit reached · Retrying in [^·(]+?(?: \(([^)]+)\))? · attempt \d+\/\d+/,
	// A 429 with no reset time: `API Error: Request rejected (429) · …` (an API key),
	// `API Error: Server is temporarily limiting requests (not your usage limit) · …` (subscriber).
	/API Error: Request rejected \(429\)/,
	/Server is temporarily limiting requests \(not your usage limit\)/,
	// Earlier versions: `Claude AI usage limit reached|1759339200`, `5-hour limit reached ∙ resets 3pm`.
	/Claude AI usage limit reached\|(\d{9,11})\b/,
	/\b\d-hour limit reached ∙ resets (.+)/,
];

function limitIn(
	lines: readonly string[],
	now: Date,
): {message: string; resetsAt?: Date} | undefined {
	for (const pattern of limitPatterns) {
		const found = lastMatch(lines, pattern);
		if (found === undefined) continue;
		const when = found.match[1];
		const resetsAt =
			when === undefined
				? undefined
				: /^\d+$/.test(when)
					? new Date(Number(when) * 1000)
					: printedReset(when, now);
		const message = found.match[0].replace(/\|\d+$/, '').slice(0, 300);
		return resetsAt === undefined ? {message} : {message, resetsAt};
	}

	return undefined;
}

const authPatterns: readonly RegExp[] = [
	/Not logged in · (?:Please run|Run) \/login/,
	/Not logged in\. Run claude auth login/,
	/Invalid API key · (?:Fix external API key|Please run \/login)/,
	/OAuth token (?:revoked|has expired) · Please run \/login/,
	/Please run \/login · API Error: /,
	/Credit balance (?:is )?too low/,
	/Configuration error in \S+\.json: /,
	/Claude configuration file at \S+ is corrupted: /,
	// Its /login menu: nobody will answer it, and it means no login.
	/^Select login method:$/,
];

const untrustedPatterns: readonly RegExp[] = [
	/--dangerously-skip-permissions cannot be used with root\/sudo privileges/,
	/Error: Workspace not trusted\. Please run `claude` in /,
];

const apiErrorPatterns: readonly RegExp[] = [
	/API Error: (?:5\d\d|529) .*This is a server-side issue/,
	/API Error: Repeated 529 Overloaded errors/,
	/API Error: 5\d\d\b/,
	/API Error: Connection to the API was lost/,
	/(?:Opus|Fable) is experiencing high load, please use \/model/,
];

const offlinePatterns: readonly RegExp[] = [
	// `API Error: Unable to connect to API (ConnectionRefused)`, and the same in its retry line.
	/Unable to connect to API\b/,
	/Request timed out\. Check your internet connection/,
	// Its start-up check, before the first prompt: `Failed to connect to api.anthropic.com: ENOTFOUND`.
	/Unable to connect to Anthropic services/,
	/Failed to connect to api\.anthropic\.com: /,
];

/** The questions it asks at its prompt, each ending its menu with one of these lines. */
const menuFooter = /^(?:Enter to confirm · )?Esc to cancel\b/;
const questions: readonly RegExp[] = [
	/Do you want to (?:proceed|make this edit to|create|use this API key)\b.*\?/,
	/Quick safety check: Is this a project you created or one you trust\?/,
	/What do you want to do\?/,
	/\?$/,
];

function question(lines: readonly string[]): string | undefined {
	const footer = lastMatch(lines, menuFooter);
	if (footer === undefined) return undefined;
	for (const pattern of questions) {
		const found = lastMatch(lines, pattern);
		if (found !== undefined) return found.line;
	}

	return footer.line;
}

function first(lines: readonly string[], patterns: readonly RegExp[]): string | undefined {
	for (const pattern of patterns) {
		const found = lastMatch(lines, pattern);
		if (found !== undefined) return found.line;
	}

	return undefined;
}

/** A screen line without its frame: `│`, `⎿`, `●`, `✻`, `❯` and the spinner glyphs around it. */
function bare(line: string): string {
	return line
		.replace(escapes, '')
		.replace(/^[\s│┃|⎿●✻✢✳✶✽·*❯>]+/u, '')
		.replace(/[\s│┃|]+$/u, '');
}

function detect(lines: readonly string[], now: Date): Finding | undefined {
	const shown = lines.map(bare);
	// A narrow pane wraps `· resets Dec 2, 6:37am (Europe/Paris)` onto the next line.
	const joined = shown.map((line, i) => `${line} ${shown[i + 1] ?? ''}`.trim());
	const limit = limitIn(shown, now);
	const wrapped = limitIn(joined, now);
	const found = limit?.resetsAt === undefined && wrapped?.resetsAt !== undefined ? wrapped : limit;
	if (found !== undefined) return {kind: 'limit', ...found};

	const auth = first(shown, authPatterns);
	if (auth !== undefined) return {kind: 'auth', message: auth};
	const untrusted = first(shown, untrustedPatterns);
	if (untrusted !== undefined) return {kind: 'untrusted', message: untrusted};
	const apiError = first(shown, apiErrorPatterns);
	if (apiError !== undefined) return {kind: 'api-error', message: apiError};
	const offline = first(shown, offlinePatterns);
	if (offline !== undefined) return {kind: 'offline', message: offline};
	const asked = question(shown);
	if (asked !== undefined) return {kind: 'waiting', message: asked};
	return undefined;
}

export const claude: CliDetector = {
	// `-r, --resume <id>`: the same conversation, with the prompt as its next message.
	resumeArgs: (args, sessionId) =>
		args.includes('--resume') || args.includes('-r') ? undefined : [...args, '--resume', sessionId],
	name: 'claude',
	structured: (args) => {
		const i = args.findIndex(
			(arg) => arg === '--output-format' || arg.startsWith('--output-format='),
		);
		if (i === -1) return false;
		const format = args[i]?.includes('=') ? args[i]?.split('=')[1] : args[i + 1];
		return format === 'stream-json';
	},
	parse,
	detect,
};
