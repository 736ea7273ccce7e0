/**
 * How an attempt ended (PRODUCT.md §4, §13), and what that does to its task: retried with
 * backoff, failed for good, back to the queue at no cost, or done. What the CLI's output meant
 * comes from its detector (`clis/`); this only weighs it.
 */
import type {AgentExit} from './agent-ports.js';
import type {Finding} from './clis/detector.js';
import type {FailureType} from './task.js';

export type Outcome = 'completed' | FailureType;

/** Why the orchestrator stopped an agent itself, if it did. */
export type StopReason =
	| 'user'
	| 'shutdown'
	| 'timeout'
	| 'stalled'
	| 'oom'
	/** Its CLI kept retrying a connection it could not make. */
	| 'offline'
	/** Its CLI hit a usage or rate limit (the finding says which, and when it resets). */
	| 'limit'
	/** Its CLI showed it cannot work (not logged in, untrusted folder) and sat there. */
	| 'setup'
	/** A question on its screen went unanswered for `inputWaitMinutes`. */
	| 'needs_input'
	/** The agent reported the task done (or failed) itself, then lingered. */
	| 'reported'
	/** Its attempt alone spent more than `budget.taskUsd`. */
	| 'budget';

export interface AttemptEnd {
	readonly exit: AgentExit;
	readonly stopReason?: StopReason;
	/** The last non-blank lines the agent printed, oldest first. */
	readonly tail: readonly string[];
	/**
	 * For a profile in structured mode: the CLI's own final word, if it gave one (absent: it
	 * ended without one). Undefined for other profiles, whose exit code decides.
	 */
	readonly structured?: {readonly result?: {readonly ok: boolean; readonly message: string}};
	/** What the CLI's detector found, in its events or its last output (the most decisive). */
	readonly finding?: Finding;
}

export interface Classified {
	readonly outcome: Outcome;
	/** One line for `lastError` and the log: the agent's own words where there are some. */
	readonly message: string;
	/** For `rate_limited`: when the CLI said the limit resets. */
	readonly resetsAt?: Date;
}

/** The last line that says something (not a spinner, not a bare prompt). */
export function lastMeaningfulLine(tail: readonly string[]): string | undefined {
	for (let i = tail.length - 1; i >= 0; i--) {
		const line = (tail[i] ?? '').trim();
		if (/[\p{L}\p{N}]{2,}/u.test(line)) return line.slice(0, 500);
	}

	return undefined;
}

/** What a finding makes of an attempt that did not succeed; undefined for one that changes nothing. */
function fromFinding(finding: Finding | undefined): Classified | undefined {
	switch (finding?.kind) {
		case 'limit': {
			return {
				outcome: 'rate_limited',
				message: finding.message,
				...(finding.resetsAt === undefined ? {} : {resetsAt: finding.resetsAt}),
			};
		}

		// The CLI cannot work here, whatever the task: the profile's problem, not the task's.
		case 'auth':
		case 'untrusted':
		case 'api-error':
		case 'offline': {
			return {outcome: 'infra', message: finding.message};
		}

		case 'waiting':
		case undefined: {
			return undefined;
		}
	}
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

		case 'needs_input': {
			const question = end.finding?.kind === 'waiting' ? end.finding.message : said;
			return {
				outcome: 'needs_input',
				message:
					question === undefined
						? 'waited too long for an answer'
						: `waited too long for an answer to: ${question}`.slice(0, 500),
			};
		}

		case 'reported': {
			return {outcome: 'completed', message: 'the agent reported it itself'};
		}

		case 'budget': {
			return {outcome: 'budget', message: 'spent more than budget.taskUsd allows one attempt'};
		}

		case 'offline': {
			return {outcome: 'infra', message: end.finding?.message ?? said ?? 'no network'};
		}

		case 'limit':
		case 'setup': {
			return (
				fromFinding(end.finding) ?? {
					outcome: end.stopReason === 'limit' ? 'rate_limited' : 'infra',
					message: said ?? code,
				}
			);
		}

		case undefined: {
			break;
		}
	}

	if (end.structured === undefined) {
		if (end.exit.exitCode === 0) return {outcome: 'completed', message: 'exit 0'};
	} else {
		// Only the CLI's own success counts: it exits 0 on a ctrl-c too, having done nothing.
		const {result} = end.structured;
		if (result?.ok === true && end.exit.exitCode === 0)
			return {outcome: 'completed', message: 'exit 0'};
		if (result !== undefined && !result.ok) {
			return (
				fromFinding(end.finding) ?? {
					outcome: 'error',
					message: `${code}: ${result.message}`.slice(0, 500),
				}
			);
		}

		if (end.exit.exitCode === 0)
			return fromFinding(end.finding) ?? {outcome: 'error', message: 'ended without a result'};
	}

	return (
		fromFinding(end.finding) ?? {
			outcome: 'error',
			message: said === undefined ? code : `${code}: ${said}`,
		}
	);
}

/** Seconds to wait before retry number `retry` (1-based): the configured list, its last value repeated. */
export function backoffSeconds(retry: number, schedule: readonly number[]): number {
	return schedule[Math.min(retry, schedule.length) - 1] ?? 0;
}
