/**
 * How an attempt ended (PRODUCT.md §4), and what that does to its task: retried with backoff,
 * failed for good, back to the queue at no cost, or done.
 */
import type {AgentExit} from './agent-ports.js';
import type {FailureType, Task} from './task.js';

export type Outcome = 'completed' | FailureType;

/** Why the orchestrator stopped an agent itself, if it did. */
export type StopReason = 'user' | 'shutdown' | 'timeout' | 'stalled' | 'oom';

/**
 * What an agent CLI prints when it cannot work at all (no login, no key, no network, refused as
 * root). Matched against the last lines of an attempt that ended within `infraWindowMs`.
 */
export const infraPatterns: readonly RegExp[] = [
	/not logged in/i,
	/please run \/login/i,
	/\/login\b/i,
	/invalid api key/i,
	/api[_ ]key/i,
	/authenticat(e|ion)/i,
	/unauthori[sz]ed/i,
	/\b401\b/,
	/credentials?/i,
	/cannot be used with root/i,
	/--dangerously-skip-permissions cannot be used/i,
	/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|network (is )?unreachable|fetch failed/i,
	/command not found/i,
	/quota|rate limit|insufficient_quota/i,
];

export const infraWindowMs = 30_000;

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

		case undefined: {
			break;
		}
	}

	if (end.exit.exitCode === 0) return {outcome: 'completed', message: 'exit 0'};
	const recent = end.tail.slice(-12).join('\n');
	if (end.ranMs <= infraWindowMs && infraPatterns.some((pattern) => pattern.test(recent))) {
		const line =
			end.tail.slice(-12).find((text) => infraPatterns.some((pattern) => pattern.test(text))) ??
			said;
		return {outcome: 'infra', message: line?.trim().slice(0, 300) ?? `${code} at start-up`};
	}

	return {outcome: 'error', message: said === undefined ? code : `${code}: ${said}`};
}

/** Seconds to wait before retry number `retry` (1-based): the configured list, its last value repeated. */
export function backoffSeconds(retry: number, schedule: readonly number[]): number {
	return schedule[Math.min(retry, schedule.length) - 1] ?? 0;
}

/** Whether another attempt is allowed after this failure consumed a retry. */
export function canRetry(task: Task): boolean {
	return task.retryCount < task.maxRetries;
}
