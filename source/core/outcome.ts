/**
 * How an attempt ended (PRODUCT.md §4), and what that does to its task: retried with backoff,
 * failed for good, back to the queue at no cost, or done.
 */
import type {AgentExit} from './agent-ports.js';
import type {FailureType} from './task.js';

export type Outcome = 'completed' | FailureType;

/** Why the orchestrator stopped an agent itself, if it did. */
export type StopReason = 'user' | 'shutdown' | 'timeout' | 'stalled' | 'oom' | 'offline';

/**
 * What an agent CLI prints when it cannot work at all (no login, no key, refused as root, an
 * untrusted folder), read off the real claude, codex and gemini CLIs. These count when the attempt
 * ended within `infraWindowMs` of starting.
 */
export const infraPatterns: readonly RegExp[] = [
	/not logged in/i,
	/please run \/login/i,
	/please set an auth method/i,
	/\b(ANTHROPIC|OPENAI|GEMINI|GOOGLE)_API_KEY\b/,
	/GOOGLE_GENAI_USE_(VERTEXAI|GCA)/,
	/cannot be used with root/i,
	/\b40[13]\b.*(unauthori[sz]ed|forbidden)|missing bearer/i,
	/invalid api key|api key not valid|incorrect api key/i,
	/not (inside|running in) a trusted directory/i,
	/--skip-git-repo-check was not specified/i,
	/credit balance is too low|usage limit|insufficient_quota/i,
	/command not found/i,
];

/**
 * No network: the CLIs retry for minutes before they give up, so these count up to
 * `networkWindowMs`, on the very last lines only.
 */
export const networkPatterns: readonly RegExp[] = [
	/unable to connect to api|connection ?refused|fetch failed|econnrefused|enotfound|eai_again/i,
	/failed to lookup address|name does not resolve|could not resolve host/i,
	/reconnecting\.\.\. (waiting for network|\d+\/\d+)/i,
	/failed to connect to responses websocket|error when talking to gemini api/i,
];

/**
 * What an agent CLI prints while it retries a connection it has lost, over and over: the CLIs'
 * own retry lines, not words a test run could end with ("ECONNREFUSED 127.0.0.1:5432").
 */
export const reconnectPatterns: readonly RegExp[] = [
	/reconnecting\.\.\. (waiting for network|\d+\/\d+)/i,
	/failed to connect to responses websocket/i,
	/error when talking to gemini api/i,
];

export const infraWindowMs = 30_000;
/** gemini gives up on no network after about 5 minutes, claude after about 3. */
export const networkWindowMs = 6 * 60_000;

export interface AttemptEnd {
	readonly exit: AgentExit;
	readonly stopReason?: StopReason;
	readonly ranMs: number;
	/** The last non-blank lines the agent printed, oldest first. */
	readonly tail: readonly string[];
}

export interface Classified {
	readonly outcome: Outcome;
	/** One line for `lastError` and the log: the agent's own words where there are some. */
	readonly message: string;
}

/** The last line that says something (not a spinner, not a bare prompt). */
export function lastMeaningfulLine(tail: readonly string[]): string | undefined {
	for (let i = tail.length - 1; i >= 0; i--) {
		const line = (tail[i] ?? '').trim();
		if (/[\p{L}\p{N}]{2,}/u.test(line)) return line.slice(0, 500);
	}

	return undefined;
}

export function classifyAttempt(end: AttemptEnd): Classified {
	const said = lastMeaningfulLine(end.tail);
	const code =
		end.exit.exitCode === null ? `signal ${end.exit.signal ?? '?'}` : `exit ${end.exit.exitCode}`;
	switch (end.stopReason) {
		case 'user':
		case 'shutdown': {
			return {
				outcome: 'killed',
				message: end.stopReason === 'user' ? 'stopped by the user' : 'stopped at shutdown',
			};
		}

		case 'timeout':
		case 'stalled':
		case 'oom': {
			const why = {
				timeout: 'ran past its time limit',
				stalled: 'printed nothing for too long',
				oom: 'recycled for using too much memory',
			}[end.stopReason];
			return {
				outcome: end.stopReason,
				message: said === undefined ? why : `${why}; last said: ${said}`,
			};
		}

		case 'offline': {
			// Still retrying its connection when we stopped it: the CLI cannot work, the task is fine.
			const line = matchingLine(end.tail.slice(-3), reconnectPatterns) ?? said;
			return {outcome: 'infra', message: (line ?? 'no network').trim().slice(0, 300)};
		}

		case undefined: {
			break;
		}
	}

	if (end.exit.exitCode === 0) return {outcome: 'completed', message: 'exit 0'};
	// Login and setup trouble shows at start-up; no network shows in the very last lines once the
	// CLI's own retries give up (minutes later), not in the middle of real work.
	const setup =
		end.ranMs <= infraWindowMs ? matchingLine(end.tail.slice(-12), infraPatterns) : undefined;
	const network =
		end.ranMs <= networkWindowMs ? matchingLine(end.tail.slice(-3), networkPatterns) : undefined;
	const line = setup ?? network;
	if (line !== undefined) return {outcome: 'infra', message: line.trim().slice(0, 300)};

	return {outcome: 'error', message: said === undefined ? code : `${code}: ${said}`};
}

/** The last of `lines` that one of `patterns` matches. */
export function matchingLine(
	lines: readonly string[],
	patterns: readonly RegExp[],
): string | undefined {
	return lines.findLast((text) => patterns.some((pattern) => pattern.test(text)));
}

/** Seconds to wait before retry number `retry` (1-based): the configured list, its last value repeated. */
export function backoffSeconds(retry: number, schedule: readonly number[]): number {
	return schedule[Math.min(retry, schedule.length) - 1] ?? 0;
}
