/**
 * What the OpenAI Codex CLI's output means (PRODUCT.md §13), read off the real CLI (codex-cli
 * 0.171.0): its `codex exec --json` events, what `exec` prints without `--json`, and what its
 * interactive screen shows. The captured output is in test/fixtures/clis/codex, with how it was made.
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

// Options of `codex` that take a value, so the subcommand can be told from an option's value.
const valueOptions = new Set([
	'-c',
	'--config',
	'-m',
	'--model',
	'-p',
	'--profile',
	'-s',
	'--sandbox',
	'-a',
	'--ask-for-approval',
	'-C',
	'--cd',
	'-i',
	'--image',
	'--enable',
	'--disable',
	'--add-dir',
	'--local-provider',
	'--remote',
	'--remote-auth-token-env',
]);

/** `codex [options] exec|e … --json …`; `--experimental-json` is its older name. */
function structured(args: readonly string[]): boolean {
	let i = 0;
	while (i < args.length) {
		const arg = args[i] ?? '';
		if (arg === '--') return false;
		if (!arg.startsWith('-')) break;
		i += valueOptions.has(arg) ? 2 : 1;
	}

	if (args[i] !== 'exec' && args[i] !== 'e') return false;
	const rest = args.slice(i + 1);
	const end = rest.indexOf('--');
	const options = end === -1 ? rest : rest.slice(0, end);
	return options.includes('--json') || options.includes('--experimental-json');
}

/**
 * `/bin/bash -lc 'echo hello > hello.txt'` → `echo hello > hello.txt`: codex runs every command
 * through the user's shell and reports it so; the command is what the agent asked for.
 */
function shellCommand(command: string): string {
	const wrapped = /^\S*\/(?:ba|z|da|k|fi)?sh -l?c '(.*)'$/s.exec(command.trim());
	return oneLine(wrapped?.[1]?.replace(/'\\''/g, "'") ?? command);
}

/** `add notes.txt, update src/a.ts` — from a `file_change` item's `changes`. */
function changedFiles(changes: unknown): string {
	if (!Array.isArray(changes)) return '';
	return oneLine(
		changes
			.filter(isObject)
			.map((change) => `${text(change.kind) ?? 'update'} ${text(change.path) ?? ''}`.trim())
			.join(', '),
	);
}

/** An MCP call's `result.content` text blocks, or its `error.message`. */
function mcpResult(item: Json): string {
	if (isObject(item.error)) return text(item.error.message) ?? '';
	const result = isObject(item.result) ? item.result : {};
	const content = Array.isArray(result.content) ? result.content : [];
	return content
		.map((block) => (isObject(block) ? (text(block.text) ?? '') : ''))
		.filter((part) => part !== '')
		.join('\n');
}

/** Where the CLI shows a tool being called: when it starts (a command can run for minutes). */
function startedItem(item: Json): TranscriptItem[] {
	switch (item.type) {
		case 'command_execution': {
			return [{kind: 'tool', name: 'shell', detail: shellCommand(text(item.command) ?? '')}];
		}

		case 'file_change': {
			return [{kind: 'tool', name: 'patch', detail: changedFiles(item.changes)}];
		}

		case 'mcp_tool_call': {
			const name = `${text(item.server) ?? 'mcp'}.${text(item.tool) ?? 'tool'}`;
			const args = isObject(item.arguments) ? item.arguments : {};
			const first = Object.values(args).find((value) => typeof value === 'string');
			return [{kind: 'tool', name, detail: oneLine(typeof first === 'string' ? first : '')}];
		}

		case 'web_search': {
			return [{kind: 'tool', name: 'web_search', detail: oneLine(text(item.query) ?? '')}];
		}

		case 'collab_tool_call': {
			const name = text(item.tool) ?? 'agent';
			return [{kind: 'tool', name, detail: oneLine(text(item.prompt) ?? '')}];
		}

		case 'todo_list': {
			return [todoItem(item)];
		}

		default: {
			return [];
		}
	}
}

/** A plan's progress, as one line: `1/3 done · next: write the tests`. */
function todoItem(item: Json): TranscriptItem {
	const todos = Array.isArray(item.items) ? item.items.filter(isObject) : [];
	const done = todos.filter((todo) => todo.completed === true).length;
	const next = todos.find((todo) => todo.completed !== true);
	const nextText = next === undefined ? '' : ` · next: ${text(next.text) ?? ''}`;
	return {kind: 'tool', name: 'plan', detail: oneLine(`${done}/${todos.length} done${nextText}`)};
}

function completedItem(item: Json, now: Date): TranscriptItem[] {
	switch (item.type) {
		case 'agent_message': {
			const words = text(item.text)?.trim() ?? '';
			return words === '' ? [] : [{kind: 'message', text: words}];
		}

		case 'reasoning': {
			const thought = text(item.text)?.trim() ?? '';
			return thought === '' ? [] : [{kind: 'thinking', text: thought}];
		}

		case 'command_execution': {
			const exitCode = count(item.exit_code);
			return [
				{
					kind: 'tool-result',
					text: bounded(text(item.aggregated_output) ?? ''),
					error: item.status === 'failed' || (exitCode !== undefined && exitCode !== 0),
				},
			];
		}

		case 'file_change': {
			return [
				{kind: 'tool-result', text: changedFiles(item.changes), error: item.status === 'failed'},
			];
		}

		case 'mcp_tool_call': {
			return [
				{
					kind: 'tool-result',
					text: bounded(mcpResult(item)),
					error: item.status === 'failed' || isObject(item.error),
				},
			];
		}

		case 'collab_tool_call': {
			return item.status === 'failed' ? [{kind: 'tool-result', text: '', error: true}] : [];
		}

		case 'error': {
			// A warning the turn goes on after (`Model metadata for … not found`, `Falling back from
			// WebSockets to HTTPS transport`): the turn's failure, if any, is `turn.failed`.
			return messageItems(text(item.message) ?? '', now);
		}

		default: {
			return [];
		}
	}
}

/** The CLI's usage figures → Usage. Codex counts cached tokens inside `input_tokens`. */
function turnUsage(usage: unknown): Usage | undefined {
	if (!isObject(usage)) return undefined;
	const input = count(usage.input_tokens);
	const cached = count(usage.cached_input_tokens);
	const result: {-readonly [K in keyof Usage]: Usage[K]} = {};
	if (input !== undefined) result.inputTokens = Math.max(0, input - (cached ?? 0));
	if (cached !== undefined) result.cacheReadTokens = cached;
	const output = count(usage.output_tokens);
	if (output !== undefined) result.outputTokens = output;
	const cacheWrite = count(usage.cache_write_input_tokens);
	if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
	return result;
}

/**
 * The usage limit, with its reset time: `You’ve hit your usage limit. … try again at 10:12 PM.`
 * or `… Try again at Nov 30th, 2026 12:12 AM.` (local time; dated when it is not today).
 */
const usageLimit =
	/You[’']ve hit your usage limit|Usage limit reached\. You[’']ve reached your usage limit/;
const resetAt =
	/try again at\s+(?:([A-Z][a-z]{2,8})\s+(\d{1,2})(?:st|nd|rd|th)?,\s+(\d{4})\s+)?(\d{1,2}):(\d{2})\s*([AP]M)/i;
/** A 429 after the CLI's own retries; no reset time. */
const rateLimited = /exceeded retry limit, last status: 429\b/;

function limitReset(message: string, now: Date): Date | undefined {
	const match = resetAt.exec(message);
	if (match === null) return undefined;
	const [, month, day, year, hour, minute, meridiem] = match;
	return resetTime(
		{
			hour: Number(hour),
			minute: Number(minute),
			meridiem: meridiem?.toLowerCase() === 'pm' ? 'pm' : 'am',
			...(month === undefined ? {} : {month, day: Number(day), year: Number(year)}),
		},
		now,
	);
}

/** A limit the message states, if it states one. */
function limitIn(message: string, now: Date): TranscriptItem | undefined {
	if (usageLimit.test(message)) {
		const resetsAt = limitReset(message, now);
		return resetsAt === undefined
			? {kind: 'limit', message: oneLine(message, 300)}
			: {kind: 'limit', message: oneLine(message, 300), resetsAt};
	}

	if (rateLimited.test(message)) return {kind: 'limit', message: oneLine(message, 300)};
	return undefined;
}

/** An `error` event's or item's message: a retry, a limit, or an error. */
function messageItems(message: string, now: Date): TranscriptItem[] {
	// `Reconnecting... 1/5 (unexpected status 503 …)`, `Reconnecting... waiting for network (…)`.
	if (message.startsWith('Reconnecting...')) return [{kind: 'api-retry', message}];
	const limit = limitIn(message, now);
	return [limit ?? {kind: 'error', message}];
}

const eventTypes = new Set([
	'thread.started',
	'turn.started',
	'turn.completed',
	'turn.failed',
	'item.started',
	'item.updated',
	'item.completed',
	'error',
]);

/** The line as one of codex's events, or undefined. */
function event(line: string): Json | undefined {
	const value = jsonEvent(line);
	return value !== undefined && eventTypes.has(text(value['type']) ?? '') ? value : undefined;
}

function parse(line: string, now: Date): readonly TranscriptItem[] | undefined {
	const value = event(line);
	if (value === undefined) return undefined;
	const item = isObject(value.item) ? value.item : {};
	switch (value.type) {
		case 'thread.started': {
			const sessionId = text(value.thread_id);
			return [sessionId === undefined ? {kind: 'session'} : {kind: 'session', sessionId}];
		}

		case 'item.started': {
			return startedItem(item);
		}

		case 'item.updated': {
			return item.type === 'todo_list' ? [todoItem(item)] : [];
		}

		case 'item.completed': {
			return completedItem(item, now);
		}

		case 'turn.completed': {
			const usage = turnUsage(value.usage);
			return [
				usage === undefined
					? {kind: 'result', ok: true, message: ''}
					: {kind: 'result', ok: true, message: '', usage},
			];
		}

		case 'turn.failed': {
			const message = (isObject(value.error) ? text(value.error.message) : undefined) ?? '';
			const limit = limitIn(message, now);
			const result: TranscriptItem = {kind: 'result', ok: false, message};
			return limit === undefined ? [result] : [limit, result];
		}

		case 'error': {
			return messageItems(text(value.message) ?? '', now);
		}

		default: {
			// `turn.started`: nothing to show.
			return [];
		}
	}
}

// ---- Plain text: `exec` without --json, the interactive screen, and text codex prints in any mode.

/**
 * The CLI's own error messages in a screen or printout: `ERROR: …` (exec), `■ …` (interactive,
 * wrapped over the lines that follow it), the `message` of an `error` or `turn.failed` event.
 * Words anywhere else (a tool's output, the agent's reply) are never read as the CLI's.
 */
function errorMessages(lines: readonly string[]): string[] {
	const messages: string[] = [];
	for (let i = 0; i < lines.length; i++) {
		const line = lines[i] ?? '';
		const json = event(line);
		if (json !== undefined) {
			const message =
				json.type === 'error'
					? text(json.message)
					: json.type === 'turn.failed' && isObject(json.error)
						? text(json.error.message)
						: undefined;
			if (message !== undefined) messages.push(message);
			continue;
		}

		const start = /^(?:ERROR: |■ )(.*)$/.exec(line.trimEnd());
		if (start === null) continue;
		let message = start[1] ?? '';
		// The interactive screen wraps a long message; it ends at a blank line.
		for (let j = i + 1; j < lines.length && j <= i + 4; j++) {
			const next = (lines[j] ?? '').trim();
			if (next === '' || /^(?:ERROR: |■ |› |• |└ )/.test(next)) break;
			message += ` ${next}`;
		}

		messages.push(message);
	}

	return messages;
}

/** The screen's plain lines that are not codex events (a JSON line is read by its message). */
function screenLines(lines: readonly string[]): string[] {
	return lines.filter((line) => event(line) === undefined);
}

interface Rule {
	readonly kind: Exclude<Finding['kind'], 'limit'>;
	readonly pattern: RegExp;
	/** What the status bar says; else the line that matched. */
	readonly message?: string;
}

/** Matched against the CLI's error messages only (see errorMessages). */
const messageRules: readonly Rule[] = [
	{kind: 'auth', pattern: /^unexpected status 401\b/},
	{kind: 'auth', pattern: /^Missing environment variable: `\w+`/},
	{kind: 'auth', pattern: /^Quota exceeded\. Check your plan and billing details\./},
	{kind: 'auth', pattern: /^To use Codex with your ChatGPT plan, upgrade to Plus/},
	{kind: 'auth', pattern: /^You[’']re out of credits\./},
	{kind: 'api-error', pattern: /^unexpected status \d{3}\b/},
	{kind: 'api-error', pattern: /^exceeded retry limit, last status: \d{3}\b/},
	{kind: 'api-error', pattern: /^stream disconnected before completion\b/},
	{kind: 'api-error', pattern: /^Selected model is at capacity\./},
	{kind: 'api-error', pattern: /^We[’']re currently experiencing high demand/},
	{kind: 'api-error', pattern: /^Codex is currently experiencing high load\./},
	{kind: 'offline', pattern: /^Reconnecting\.\.\. waiting for network\b/},
	{
		kind: 'offline',
		pattern:
			/^Reconnecting\.\.\. \d+\/\d+ \(stream disconnected before completion: (?:failed to lookup address information|error sending request)/,
	},
];

/** Matched against whole screen lines: wording only codex prints, at the start of its line. */
const lineRules: readonly Rule[] = [
	{kind: 'auth', pattern: /^Error(?::)? loading config\.toml:/},
	{kind: 'auth', pattern: /^Error loading configuration: /},
	{kind: 'auth', pattern: /^Error: .* is no longer supported; remove this setting$/},
	{
		kind: 'auth',
		pattern: /^\s*Welcome to Codex, OpenAI's command-line coding agent$/,
		message: 'Not logged in: codex shows its sign-in screen',
	},
	{
		kind: 'untrusted',
		pattern: /^Not inside a trusted directory and --skip-git-repo-check was not specified\.$/,
	},
	{kind: 'untrusted', pattern: /^\s*Trust this folder\? Codex can read, edit, and run files here/},
	{kind: 'offline', pattern: /^\s*[◦•] Reconnecting\.\.\. waiting for network\b/},
	{
		kind: 'waiting',
		pattern:
			/^\s*Would you like to (?:run the following command|make the following edits|grant these permissions|send input to the existing terminal)\?$/,
	},
	{kind: 'waiting', pattern: /^\s*Press enter to confirm or esc to cancel$/},
	// A menu of codex's own (`Meet GPT-6 Sol`, `Approaching rate limits`): the selected choice
	// `› 1. …` with its key hint below.
	{kind: 'waiting', pattern: /^\s*enter(?:\/esc)? (?:confirm|select|continue)\b.*·/},
];

const rank: Record<Finding['kind'], number> = {
	limit: 6,
	auth: 5,
	untrusted: 4,
	'api-error': 3,
	offline: 2,
	waiting: 1,
};

function detect(lines: readonly string[], now: Date): Finding | undefined {
	const found: Finding[] = [];
	const messages = errorMessages(lines);
	for (let i = messages.length - 1; i >= 0; i--) {
		const message = messages[i] ?? '';
		const limit = limitIn(message, now);
		if (limit?.kind === 'limit') {
			found.push(limit);
			break;
		}
	}

	for (const rule of messageRules) {
		const hit = lastMatch(messages, rule.pattern);
		if (hit !== undefined) found.push({kind: rule.kind, message: rule.message ?? hit.line});
	}

	const plain = screenLines(lines);
	for (const rule of lineRules) {
		const hit = lastMatch(plain, rule.pattern);
		if (hit !== undefined) found.push({kind: rule.kind, message: rule.message ?? hit.line});
	}

	let best: Finding | undefined;
	for (const finding of found)
		if (best === undefined || rank[finding.kind] > rank[best.kind]) best = finding;
	return best;
}

export const codex: CliDetector = {
	// `codex exec [OPTIONS] resume <id> [-- PROMPT]` (checked against codex-cli 0.171.0).
	resumeArgs(args, sessionId) {
		const exec = args.indexOf('exec');
		if (exec === -1 || args.includes('resume')) return undefined;
		const end = args.indexOf('--');
		const at = end === -1 ? args.length - 1 : end;
		if (at <= exec) return undefined;
		return [...args.slice(0, at), 'resume', sessionId, ...args.slice(at)];
	},
	name: 'codex',
	structured,
	parse,
	detect,
};
