/**
 * The circuit breaker of one agent profile (PRODUCT.md §4, §13): setup failures in a row (`infra`,
 * and questions nobody answered) pause the profile with a growing backoff; a usage limit pauses it
 * at once until the reset its CLI gave, or with a backoff of its own; anything else resets the
 * counts. Pure: the orchestrator keeps one state per profile and acts on what `decide` says.
 */

/** Why a profile is paused: a limit is waited out; a setup failure is a person's to fix. */
export type PauseKind = 'infra' | 'limit';

export interface BreakerState {
	/** Setup failures in a row since the last other outcome or pause. */
	readonly consecutive: number;
	/** Epoch ms until which the profile takes no task; 0 when it is not paused. */
	readonly pausedUntil: number;
	/** Setup pauses in a row: each doubles the next one, from a minute up to an hour. */
	readonly pauses: number;
	/** Limit pauses in a row with no reset time given: each doubles the next, 5 minutes to an hour. */
	readonly limitPauses: number;
	/** The last failure's words, shown while paused. */
	readonly reason: string;
	/** What the current (or last) pause was for. */
	readonly kind: PauseKind;
}

export const closedBreaker: BreakerState = {
	consecutive: 0,
	pausedUntil: 0,
	pauses: 0,
	limitPauses: 0,
	reason: '',
	kind: 'infra',
};

/** How an attempt ended, as far as its profile is concerned. */
export type BreakerCount =
	/** The CLI could not work (setup, login, a persistent API failure, an unanswered question). */
	| 'setup'
	/** A usage or rate limit. */
	| 'limit'
	/** Anything else: the CLI works. */
	| 'fine';

export type BreakerEvent =
	| {
			readonly type: 'attempt';
			readonly count: BreakerCount;
			readonly message: string;
			/** When the limit resets, as the CLI said (epoch ms). */
			readonly resetsAt?: number;
	  }
	/** Time passed: a pause may be over. */
	| {readonly type: 'tick'};

export type BreakerAction =
	| {
			readonly type: 'pause';
			readonly kind: PauseKind;
			readonly seconds: number;
			readonly until: number;
			readonly reason: string;
	  }
	| {readonly type: 'resume'};

const firstPauseSeconds = 60;
const firstLimitPauseSeconds = 5 * 60;
const longestPauseSeconds = 3600;

export function decide(
	state: BreakerState,
	event: BreakerEvent,
	now: number,
	setupFailuresToPause: number,
): {readonly state: BreakerState; readonly action?: BreakerAction} {
	if (event.type === 'tick') {
		if (state.pausedUntil === 0 || state.pausedUntil > now) return {state};
		return {state: {...state, pausedUntil: 0}, action: {type: 'resume'}};
	}

	switch (event.count) {
		case 'fine': {
			return {state: {...state, consecutive: 0, pauses: 0, limitPauses: 0}};
		}

		case 'limit': {
			// The CLI's own reset time wins; without one (or one already passed), a backoff.
			const given = event.resetsAt !== undefined && event.resetsAt > now;
			const seconds = given
				? Math.ceil(((event.resetsAt ?? now) - now) / 1000)
				: Math.min(firstLimitPauseSeconds * 2 ** state.limitPauses, longestPauseSeconds);
			const until = Math.max(now + seconds * 1000, state.pausedUntil);
			return {
				state: {
					...state,
					consecutive: 0,
					limitPauses: given ? 0 : state.limitPauses + 1,
					pausedUntil: until,
					reason: event.message,
					kind: 'limit',
				},
				action: {type: 'pause', kind: 'limit', seconds, until, reason: event.message},
			};
		}

		case 'setup': {
			const consecutive = state.consecutive + 1;
			if (consecutive < setupFailuresToPause)
				return {state: {...state, consecutive, reason: event.message}};
			const seconds = Math.min(firstPauseSeconds * 2 ** state.pauses, longestPauseSeconds);
			const until = now + seconds * 1000;
			return {
				state: {
					...state,
					consecutive: 0,
					pauses: state.pauses + 1,
					pausedUntil: until,
					reason: event.message,
					kind: 'infra',
				},
				action: {type: 'pause', kind: 'infra', seconds, until, reason: event.message},
			};
		}
	}
}

export function isPaused(state: BreakerState | undefined, now: number): boolean {
	return (state?.pausedUntil ?? 0) > now;
}
