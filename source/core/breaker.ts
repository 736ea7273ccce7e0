/**
 * The circuit breaker of one agent profile (PRODUCT.md §4): infra failures in a row pause the
 * profile with a growing backoff; anything else resets the count. Pure: the orchestrator keeps one
 * state per profile and acts on what `decide` says.
 */

export interface BreakerState {
	/** Infra failures in a row since the last other outcome or pause. */
	readonly consecutive: number;
	/** Epoch ms until which the profile takes no task; 0 when it is not paused. */
	readonly pausedUntil: number;
	/** Pauses in a row: each doubles the next one, from a minute up to an hour. */
	readonly pauses: number;
	/** The last infra failure's words, shown while paused. */
	readonly reason: string;
}

export const closedBreaker: BreakerState = {consecutive: 0, pausedUntil: 0, pauses: 0, reason: ''};

export type BreakerEvent =
	| {readonly type: 'attempt'; readonly infra: boolean; readonly message: string}
	/** Time passed: a pause may be over. */
	| {readonly type: 'tick'};

export type BreakerAction =
	| {readonly type: 'pause'; readonly seconds: number; readonly reason: string}
	| {readonly type: 'resume'};

const firstPauseSeconds = 60;
const longestPauseSeconds = 3600;

export function decide(
	state: BreakerState,
	event: BreakerEvent,
	now: number,
	infraToPause: number,
): {readonly state: BreakerState; readonly action?: BreakerAction} {
	if (event.type === 'tick') {
		if (state.pausedUntil === 0 || state.pausedUntil > now) return {state};
		return {state: {...state, pausedUntil: 0}, action: {type: 'resume'}};
	}

	if (!event.infra) return {state: {...state, consecutive: 0, pauses: 0}};
	const consecutive = state.consecutive + 1;
	if (consecutive < infraToPause) return {state: {...state, consecutive, reason: event.message}};
	const seconds = Math.min(firstPauseSeconds * 2 ** state.pauses, longestPauseSeconds);
	return {
		state: {
			consecutive: 0,
			pauses: state.pauses + 1,
			pausedUntil: now + seconds * 1000,
			reason: event.message,
		},
		action: {type: 'pause', seconds, reason: event.message},
	};
}

export function isPaused(state: BreakerState | undefined, now: number): boolean {
	return (state?.pausedUntil ?? 0) > now;
}
