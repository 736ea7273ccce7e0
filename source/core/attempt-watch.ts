/**
 * What the orchestrator watches in a running attempt, and when it must step in (PRODUCT.md §4,
 * §13): a time limit, a stall, a CLI retrying a connection it cannot make, a question waiting for a
 * person, a limit or a setup failure the CLI sits on, a task the agent reported itself. Pure: the
 * orchestrator feeds it the clock, the agent's output times and what its detector finds.
 */
import type {Finding, TranscriptItem, Usage} from './clis/detector.js';
import type {StopReason} from './outcome.js';

/** An agent whose last lines have said "no network" this long has given up, whatever it prints. */
export const offlineMs = 3 * 60_000;
/** A CLI retrying its connection says so at least this often. */
export const offlineQuietMs = 60_000;
/** Quiet this long, a CLI showing a limit or a setup failure is sitting on it, not working. */
export const settleMs = 5000;
/**
 * A CLI that reported a limit in its events and then says nothing this long is waiting on it, not
 * working (one that goes on, on a fallback model, prints).
 */
export const limitQuietMs = 30_000;
/** An agent that reported its task itself gets this long to exit before it is stopped. */
export const reportedGraceMs = 3000;

export interface Watch {
	readonly lastOutputAt: number;
	readonly deadline: number;
	/** Since when its last lines have said it has no network, while they do. */
	readonly offlineSince?: number;
	/** The question on its screen, and since when it has waited. */
	readonly waiting?: {readonly since: number; readonly message: string};
	/** When the store said the agent reported the task done or failed itself. */
	readonly reportedAt?: number;
	/** The decisive thing found (a limit event, a screen the CLI sat on), for the attempt's end. */
	readonly finding?: Finding;
	/** The structured CLI's final word, when it gave one. */
	readonly result?: {readonly ok: boolean; readonly message: string};
	readonly usage?: Usage;
}

export interface WatchLimits {
	readonly stallMs: number;
	readonly inputWaitMs: number;
	readonly needsInputMs: number;
}

export interface Look {
	/** What the detector finds on the agent's screen now (asked only when the agent is quiet). */
	readonly screen: () => Finding | undefined;
	/** Whether its last line says it is retrying a connection. */
	readonly reconnecting: () => boolean;
	/** A structured CLI reports limits and setup trouble in its events: its screen only for questions. */
	readonly structured: boolean;
}

export interface Verdict {
	readonly watch: Watch;
	readonly stop?: StopReason;
	/** The agent has just begun to wait for a person. */
	readonly startedWaiting?: boolean;
}

/** Whether the agent must be stopped now, and why; what it is waiting for. */
export function judge(watch: Watch, now: number, limits: WatchLimits, look: Look): Verdict {
	if (now > watch.deadline) return {watch, stop: 'timeout'};
	if (watch.reportedAt !== undefined && now - watch.reportedAt >= reportedGraceMs)
		return {watch, stop: 'reported'};
	const quiet = now - watch.lastOutputAt;
	const seen = quiet >= Math.min(settleMs, limits.inputWaitMs) ? look.screen() : undefined;
	const sitting = seen !== undefined && seen.kind !== 'waiting' && !look.structured;
	if (
		sitting &&
		quiet >= settleMs &&
		(seen.kind === 'limit' || seen.kind === 'auth' || seen.kind === 'untrusted')
	)
		return {watch: {...watch, finding: seen}, stop: seen.kind === 'limit' ? 'limit' : 'setup'};

	let next: Watch = watch;
	let startedWaiting = false;
	if (seen?.kind === 'waiting' && quiet >= limits.inputWaitMs) {
		startedWaiting = watch.waiting === undefined;
		const since = watch.waiting?.since ?? watch.lastOutputAt;
		next = {...next, waiting: {since, message: seen.message}};
		if (now - since >= limits.needsInputMs) return {watch: next, stop: 'needs_input'};
	} else if (watch.waiting !== undefined) {
		const {waiting: _gone, ...rest} = next;
		next = rest;
	}

	// A question has its own limit: the stall limit is for agents that are meant to be working.
	if (next.waiting === undefined && quiet > limits.stallMs) return {watch: next, stop: 'stalled'};
	if (watch.finding?.kind === 'limit' && quiet >= limitQuietMs) return {watch: next, stop: 'limit'};

	// A CLI that lost its network may retry, saying so, until its timeout: it is not working.
	// Only while it keeps saying it: a quiet agent is the stall limit's to judge.
	const retrying = quiet < offlineQuietMs && look.reconnecting();
	const offlineSince = retrying ? (watch.offlineSince ?? now) : undefined;
	next = {...next, offlineSince};
	if (offlineSince !== undefined && now - offlineSince > offlineMs)
		return {watch: next, stop: 'offline'};
	return {watch: next, ...(startedWaiting ? {startedWaiting} : {})};
}

/** Output came: whatever it was waiting for, it is not waiting now. */
export function heard(watch: Watch, now: number): Watch {
	if (watch.waiting === undefined) return {...watch, lastOutputAt: now};
	const {waiting: _answered, ...rest} = watch;
	return {...rest, lastOutputAt: now};
}

/** What a structured CLI's events add to the watch: its usage, its final word, a limit it hit. */
export function absorb(watch: Watch, items: readonly TranscriptItem[]): Watch {
	let next = watch;
	for (const item of items) {
		switch (item.kind) {
			case 'session': {
				next = {
					...next,
					usage: mergeUsage(next.usage, {
						...(item.model === undefined ? {} : {model: item.model}),
						...(item.sessionId === undefined ? {} : {sessionId: item.sessionId}),
					}),
				};
				break;
			}

			case 'usage': {
				next = {...next, usage: mergeUsage(next.usage, item.usage)};
				break;
			}

			case 'result': {
				next = {
					...next,
					result: {ok: item.ok, message: item.message},
					usage: item.usage === undefined ? next.usage : mergeUsage(next.usage, item.usage),
				};
				break;
			}

			case 'limit': {
				// A CLI may say it twice: in an event, exact to the second, then in its final
				// words, to the minute. The first with a reset time stands.
				if (next.finding?.kind === 'limit' && next.finding.resetsAt !== undefined) break;
				next = {
					...next,
					finding: {
						kind: 'limit',
						message: item.message,
						...(item.resetsAt === undefined ? {} : {resetsAt: item.resetsAt}),
					},
				};
				break;
			}

			default: {
				break;
			}
		}
	}

	return next;
}

/** Later figures win, field by field; a field the later report lacks keeps its earlier value. */
export function mergeUsage(before: Usage | undefined, after: Usage): Usage {
	const merged: Record<string, unknown> = {...before};
	for (const [key, value] of Object.entries(after)) if (value !== undefined) merged[key] = value;
	return merged as Usage;
}
