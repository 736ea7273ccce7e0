/**
 * Gemini CLI (`@google/gemini-cli`, captured from 0.61.0): its `--output-format stream-json`
 * events and its screen. Its stream has six event types (`init`, `message`, `tool_use`,
 * `tool_result`, `error`, `result`); in a pty its stderr is mixed in, where it says when it
 * retries. Fixtures and how they were made: test/fixtures/clis/gemini/README.md.
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

export const gemini: CliDetector = {
	name: 'gemini',
	structured(args) {
		return args.some(
			(arg, i) =>
				arg === '--output-format=stream-json' ||
				arg === '-o=stream-json' ||
				((arg === '--output-format' || arg === '-o') && args[i + 1] === 'stream-json'),
		);
	},
	parse(line, now) {
		const text = line.trim();
		// Not an event, but the CLI's own retry notice (stderr, mixed in by the pty): the agent
		// is waiting for the API, not stalled.
		const retry = retryNotice.exec(text);
		if (retry !== null) return [{kind: 'api-retry', message: text.slice(0, 300)}];
		const event = jsonEvent(text);
		return event === undefined ? undefined : parseEvent(event, now);
	},
	detect(lines, now) {
		return (
			findLimit(lines, now) ??
			findAuth(lines) ??
			findUntrusted(lines) ??
			findApiError(lines) ??
			findOffline(lines) ??
			findWaiting(lines)
		);
	},
};

function parseEvent(event: Json, now: Date): readonly TranscriptItem[] | undefined {
	switch (event.type) {
		case 'init': {
			const sessionId = text(event.session_id);
			// `auto` is the router choosing per turn, not a model: the result's stats name it.
			const model = text(event.model);
			return [
				{kind: 'session', model, sessionId},
				...(sessionId === undefined ? [] : [{kind: 'usage' as const, usage: {sessionId}}]),
			];
		}

		case 'message': {
			// The prompt is echoed as a `user` message; the agent's words come as `delta` pieces.
			if (event.role !== 'assistant') return [];
			const content = text(event.content) ?? '';
			if (content === '') return [];
			return [{kind: 'message', text: content, ...(event.delta === true ? {delta: true} : {})}];
		}

		case 'tool_use': {
			const name = text(event.tool_name) ?? 'tool';
			const parameters = isObject(event.parameters) ? event.parameters : {};
			return [{kind: 'tool', name, detail: toolDetail(name, parameters)}];
		}

		case 'tool_result': {
			const failed = event.status === 'error';
			const error = isObject(event.error) ? text(event.error.message) : undefined;
			const output = failed ? (error ?? text(event.output)) : text(event.output);
			return [{kind: 'tool-result', text: bounded(output ?? ''), error: failed}];
		}

		case 'error': {
			const message = text(event.message) ?? 'error';
			const limit = limitIn(message, now);
			return limit === undefined ? [{kind: 'error', message}] : [limit];
		}

		case 'result': {
			const usage = isObject(event.stats) ? usageFrom(event.stats) : undefined;
			if (event.status === 'success')
				return [{kind: 'result', ok: true, message: 'success', ...(usage ? {usage} : {})}];
			const error = isObject(event.error) ? event.error : {};
			const message = text(error.message) ?? text(error.type) ?? 'error';
			const limit = limitIn(message, now);
			return [
				...(limit === undefined ? [] : [limit]),
				{kind: 'result', ok: false, message, ...(usage ? {usage} : {})},
			];
		}

		default:
			return [];
	}
}

/** What a tool call acts on, in one line: the command, the file, the pattern. */
function toolDetail(name: string, parameters: Json): string {
	const first = (...keys: string[]) => {
		for (const key of keys) {
			const value = parameters[key];
			if (typeof value === 'string' && value !== '') return value;
			if (Array.isArray(value) && value.length > 0) return value.map(String).join(' ');
		}

		return undefined;
	};

	let detail: string | undefined;
	switch (name) {
		case 'run_shell_command':
			detail = first('command');
			break;
		case 'grep_search':
		case 'search_file_content': {
			const pattern = first('pattern');
			const where = first('dir_path', 'path', 'include_pattern', 'include');
			detail = pattern === undefined || where === undefined ? pattern : `${pattern} in ${where}`;
			break;
		}

		case 'glob':
			detail = first('pattern');
			break;
		case 'read_many_files':
			detail = first('include', 'paths');
			break;
		case 'google_web_search':
			detail = first('query');
			break;
		case 'web_fetch':
			detail = first('prompt', 'url');
			break;
		default:
			detail = first('file_path', 'absolute_path', 'dir_path', 'path', 'pattern', 'query');
	}

	detail ??= Object.values(parameters).find((value) => typeof value === 'string') as
		string | undefined;
	return oneLine(detail ?? '');
}

/** The result's `stats`: tokens for the whole run, the main model being the busiest one. */
function usageFrom(stats: Json): Usage {
	const cached = count(stats.cached);
	const prompt = count(stats.input_tokens);
	// `input` is the prompt less what the cache served, as a price table wants it.
	const input = count(stats.input) ?? (prompt === undefined ? undefined : prompt - (cached ?? 0));
	let model: string | undefined;
	let most = -1;
	if (isObject(stats.models))
		for (const [name, figures] of Object.entries(stats.models)) {
			const total = isObject(figures) ? (count(figures.total_tokens) ?? 0) : 0;
			if (total > most) {
				most = total;
				model = name;
			}
		}

	return {
		...(model === undefined ? {} : {model}),
		...(input === undefined ? {} : {inputTokens: input}),
		...(count(stats.output_tokens) === undefined ? {} : {outputTokens: count(stats.output_tokens)}),
		...(cached === undefined ? {} : {cacheReadTokens: cached}),
	};
}

// The CLI's own words (packages/core utils/errorParsing.ts, googleQuotaErrors.ts, retry.ts,
// packages/cli ui/hooks/useQuotaAndFallback.ts). Server texts count only inside its wrappers.

/** Appended by the CLI to every 429 it reports (API key, Vertex, and Google login wordings). */
const quotaSuffix =
	/Please wait and try again later\. To increase your limits, request a quota increase through (?:AI Studio|Vertex)|Possible quota limitations in place or slow response times detected\. Switching to the /;
/** Its own daily-quota text, and its interactive dialog. */
const quotaOwn =
	/You have exhausted your daily quota on this model\.|^[│\s]*Usage limit reached for (?:all Pro models|[\w.-]+)\.[│\s]*$/;
/**
 * The report it prints when a call has failed for good (`Error when talking to Gemini API Full
 * report available at: FILE NAME: MESSAGE`, then the error's fields, `status: 503` among them).
 * Its quota classes are not all quotas: a 503 is a RetryableQuotaError too.
 */
const failureReport = /Error when talking to Gemini API Full report available at: \S+ (\w+): /;

interface Report {
	readonly line: string;
	readonly error: string;
	readonly status?: number;
}

function lastReport(lines: readonly string[]): Report | undefined {
	for (let i = lines.length - 1; i >= 0; i--) {
		const match = failureReport.exec(lines[i] ?? '');
		if (match === null) continue;
		let status: number | undefined;
		for (let j = i + 1; j < Math.min(lines.length, i + 60) && status === undefined; j++) {
			const line = lines[j] ?? '';
			if (line.startsWith('}')) break;
			const field = /^ {2}status: (\d{3})\b/.exec(line);
			if (field !== null) status = Number(field[1]);
		}

		return {line: (lines[i] ?? '').trim().slice(0, 300), error: match[1] ?? '', status};
	}

	return undefined;
}

function reportIsLimit(report: Report | undefined): boolean {
	return (
		report !== undefined &&
		(report.error === 'TerminalQuotaError' ||
			(report.error === 'RetryableQuotaError' && report.status === 429))
	);
}

/** How long until the limit lifts, relative to when it was printed. */
const retryAfter =
	/Suggested retry after ([\d.]+)(ms|s)\b|Please retry in ([\d.]+)(ms|s)\b|[Qq]uota will reset after ((?:\d+h)?(?:\d+m)?(?:[\d.]+s)?)/;
/** `Access resets at 11:05 PM UTC.`: en-US hour, minute and short zone name. */
const accessResets =
	/Access resets at (\d{1,2}):(\d{2})\s*([AP]M)(?:\s+([A-Z]{2,5}|GMT[+-]\d{1,2}(?::\d{2})?))?/i;

/** A limit item for an error or result message that is the CLI's quota report. */
function limitIn(message: string, now: Date): TranscriptItem | undefined {
	if (!quotaSuffix.test(message) && !quotaOwn.test(message)) return undefined;
	const resetsAt = delayReset(message, now);
	const first = message.split('\n')[0] ?? message;
	return {kind: 'limit', message: first.slice(0, 300), ...(resetsAt ? {resetsAt} : {})};
}

function delayReset(text: string, now: Date): Date | undefined {
	const match = retryAfter.exec(text);
	if (match === null) return undefined;
	let ms: number | undefined;
	if (match[1] !== undefined || match[3] !== undefined) {
		const value = Number(match[1] ?? match[3]);
		ms = (match[2] ?? match[4]) === 'ms' ? value : value * 1000;
	} else if (match[5] !== undefined && match[5] !== '') {
		const part = (unit: string) =>
			Number(new RegExp(`([\\d.]+)${unit}`).exec(match[5] ?? '')?.[1] ?? 0);
		ms = (part('h') * 3600 + part('m') * 60 + part('s')) * 1000;
	}

	return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(now.getTime() + ms);
}

/** US zone abbreviations as en-US prints them, in minutes east of UTC. */
const zoneOffsets: Readonly<Record<string, number>> = {
	UTC: 0,
	GMT: 0,
	EST: -300,
	EDT: -240,
	CST: -360,
	CDT: -300,
	MST: -420,
	MDT: -360,
	PST: -480,
	PDT: -420,
	AKST: -540,
	AKDT: -480,
	HST: -600,
};

/** `11:05 PM UTC`, `10:57 PM GMT-3`, `9:30 AM PDT`, seen at `now`. */
export function accessReset(
	hour: number,
	minute: number,
	meridiem: 'am' | 'pm',
	zone: string | undefined,
	now: Date,
): Date | undefined {
	if (zone === undefined) return resetTime({hour, minute, meridiem}, now);
	const gmt = /^GMT([+-])(\d{1,2})(?::(\d{2}))?$/.exec(zone);
	const offset =
		gmt === null
			? zoneOffsets[zone]
			: (gmt[1] === '-' ? -1 : 1) * (Number(gmt[2]) * 60 + Number(gmt[3] ?? 0));
	if (offset === undefined) return undefined;
	// A fixed offset's wall clock is UTC's, shifted: read it there and shift back.
	const shift = offset * 60_000;
	const reset = resetTime(
		{hour, minute, meridiem, timeZone: 'UTC'},
		new Date(now.getTime() + shift),
	);
	if (reset === undefined) return undefined;
	// A time just passed reads as the (shifted) now; shifting back gives now itself.
	return new Date(reset.getTime() - shift);
}

function findLimit(lines: readonly string[], now: Date): Finding | undefined {
	const report = lastReport(lines);
	const found =
		lastMatch(lines, quotaOwn)?.line ??
		lastMatch(lines, quotaSuffix)?.line ??
		(reportIsLimit(report) ? report?.line : undefined);
	if (found === undefined) return undefined;
	const at = lastMatch(lines, accessResets);
	let resetsAt: Date | undefined;
	if (at !== undefined) {
		const meridiem = at.match[3]?.toLowerCase() === 'pm' ? 'pm' : 'am';
		resetsAt = accessReset(
			Number(at.match[1]),
			Number(at.match[2]),
			meridiem,
			at.match[4]?.toUpperCase(),
			now,
		);
	} else {
		for (let i = lines.length - 1; i >= 0 && resetsAt === undefined; i--)
			resetsAt = delayReset(lines[i] ?? '', now);
	}

	return {kind: 'limit', message: clean(found), ...(resetsAt ? {resetsAt} : {})};
}

/** Not logged in, no key, a key refused: the CLI's own texts, and the API's inside its wrappers. */
const authPatterns = [
	/When using Gemini API, you must specify the GEMINI_API_KEY environment variable\./,
	/When using Vertex AI, you must specify either:/,
	/Please set an Auth method in your .*settings\.json or specify one of the following environment variables/,
	/^Invalid auth method selected\.$/,
	/How would you like to authenticate for this project\?/,
	/Please enter your Gemini API key\./,
	/(?:\[API Error: |Error when talking to Gemini API ).*(?:API key not valid|API_KEY_INVALID|"code":\s*40[13]\b|UNAUTHENTICATED|PERMISSION_DENIED)/,
];

function findAuth(lines: readonly string[]): Finding | undefined {
	for (const pattern of authPatterns) {
		const found = lastMatch(lines, pattern);
		if (found !== undefined) return {kind: 'auth', message: clean(found.line)};
	}

	return undefined;
}

const untrustedPattern = /Gemini CLI is not running in a trusted directory\./;

function findUntrusted(lines: readonly string[]): Finding | undefined {
	const found = lastMatch(lines, untrustedPattern);
	return found === undefined ? undefined : {kind: 'untrusted', message: clean(found.line)};
}

/** After its retries: a 5xx or an overloaded model, as the CLI wraps it; or its capacity dialog. */
const apiErrorPatterns = [
	/We are currently experiencing high demand/,
	/(?:\[API Error: |Error when talking to Gemini API ).*(?:"code":\s*5\d\d\b|\(Status: (?:UNAVAILABLE|INTERNAL|DEADLINE_EXCEEDED)\)|overloaded|status: 5\d\d\b)/,
	/Error when talking to Gemini API .*\b(?:UNAVAILABLE|INTERNAL)\b/,
];

function findApiError(lines: readonly string[]): Finding | undefined {
	const report = lastReport(lines);
	if (report?.status !== undefined && report.status >= 500)
		return {kind: 'api-error', message: report.line};
	for (const pattern of apiErrorPatterns) {
		const found = lastMatch(lines, pattern);
		if (found !== undefined) return {kind: 'api-error', message: clean(found.line)};
	}

	return undefined;
}

/** Its retry notice (retry.ts logRetryAttempt), and the fetch failure behind it when offline. */
const retryNotice = /^Attempt \d+ failed\b.*\bRetrying\b/;
const offlinePattern =
	/(?:Attempt \d+ failed\. Retrying with backoff\.\.\. Error: |\[API Error: ).*(?:fetch failed sending request|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)/;

function findOffline(lines: readonly string[]): Finding | undefined {
	const found = lastMatch(lines, offlinePattern);
	return found === undefined ? undefined : {kind: 'offline', message: clean(found.line)};
}

/**
 * Its dialogs: a question and the menu under it, both on the screen (a task's output could hold
 * the question, hardly the CLI's numbered answers beneath it).
 */
const questions: readonly (readonly [RegExp, RegExp])[] = [
	[/Do you trust the files in this folder\?/, /\d\. Trust folder \(/],
	[/Allow execution of .*\?/, /\d\. Allow once\b/],
	[/Apply this change\?/, /\d\. Allow once\b/],
	[/Do you want to proceed\?/, /\d\. Allow once\b/],
	[/Ready to start implementation\?/, /\d\. /],
	[/Do you want to keep loop detection enabled or disable it for this session\?/, /\d\. /],
	[/Waiting for user confirmation\.\.\./, /./],
];

function findWaiting(lines: readonly string[]): Finding | undefined {
	for (const [question, menu] of questions) {
		const found = lastMatch(lines, question);
		if (found !== undefined && lastMatch(lines, menu) !== undefined)
			return {kind: 'waiting', message: clean(found.line)};
	}

	return undefined;
}

/** A screen line without the dialog's box borders. */
function clean(line: string): string {
	return line.replace(/^[│|╭╰─\s]+|[│|╮╯─\s]+$/g, '').trim();
}
