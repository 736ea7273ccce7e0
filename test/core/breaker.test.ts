/** The profile circuit breaker, as a table of events and what each does. */
import {describe, expect, it} from 'vitest';
import {closedBreaker, decide, isPaused, type BreakerState} from '../../source/core/breaker.js';

const infra = {type: 'attempt', count: 'setup', message: 'Not logged in'} as const;
const ok = {type: 'attempt', count: 'fine', message: 'exit 0'} as const;
const limit = {type: 'attempt', count: 'limit', message: 'usage limit'} as const;

/** Runs `events` from a closed breaker at one-second steps; the actions taken, in order. */
function play(
	events: ReadonlyArray<typeof infra | typeof ok | typeof limit | {type: 'tick'}>,
	at = 0,
) {
	let state: BreakerState = closedBreaker;
	const actions: string[] = [];
	let now = at;
	for (const event of events) {
		const decision = decide(state, event, now, 3);
		state = decision.state;
		if (decision.action !== undefined)
			actions.push(
				decision.action.type === 'pause' ? `pause ${decision.action.seconds}` : 'resume',
			);
		now += 1000;
	}

	return {state, actions, now};
}

describe('the profile breaker', () => {
	it.each([
		['two infra failures', [infra, infra], []],
		['three in a row pause it for a minute', [infra, infra, infra], ['pause 60']],
		['anything else in between resets the count', [infra, infra, ok, infra, infra], []],
		[
			'the next streak doubles the pause',
			[infra, infra, infra, infra, infra, infra],
			['pause 60', 'pause 120'],
		],
		['a limit pauses at once, five minutes without a reset time', [limit], ['pause 300']],
		[
			'limits in a row double the pause',
			[limit, limit, limit],
			['pause 300', 'pause 600', 'pause 1200'],
		],
		['a limit breaks a streak of setup failures', [infra, infra, limit, infra], ['pause 300']],
		['work done resets the limit backoff', [limit, ok, limit], ['pause 300', 'pause 300']],
	] as const)('%s', (_name, events, actions) => {
		expect(play(events).actions).toEqual(actions);
	});

	it('resumes on the first tick after the pause, and only then', () => {
		const {state, now} = play([infra, infra, infra]);
		expect(isPaused(state, now)).toBe(true);
		expect(decide(state, {type: 'tick'}, state.pausedUntil - 1, 3).action).toBeUndefined();
		const resumed = decide(state, {type: 'tick'}, state.pausedUntil, 3);
		expect(resumed.action).toEqual({type: 'resume'});
		expect(isPaused(resumed.state, state.pausedUntil)).toBe(false);
	});

	it('never pauses for more than an hour', () => {
		let state: BreakerState = {...closedBreaker, pauses: 20};
		for (let i = 0; i < 3; i++) state = decide(state, infra, 0, 3).state;
		expect(state.pausedUntil).toBe(3_600_000);
	});

	it('keeps the words of the last infra failure to show while paused', () => {
		expect(play([infra, infra, infra]).state.reason).toBe('Not logged in');
	});

	it('waits out a limit until the reset the CLI gave, to the second', () => {
		const {state, action} = decide(closedBreaker, {...limit, resetsAt: 61_500}, 1000, 3);
		expect(action).toEqual({
			type: 'pause',
			kind: 'limit',
			seconds: 61,
			until: 62_000,
			reason: 'usage limit',
		});
		expect(state.kind).toBe('limit');
		expect(state.limitPauses).toBe(0);
	});

	it('takes a reset time already passed as no reset time', () => {
		expect(decide(closedBreaker, {...limit, resetsAt: 500}, 1000, 3).action).toMatchObject({
			seconds: 300,
		});
	});

	it('never shortens a pause under way', () => {
		const long = decide(closedBreaker, {...limit, resetsAt: 3_600_000}, 0, 3).state;
		expect(decide(long, limit, 1000, 3).state.pausedUntil).toBe(3_600_000);
	});

	it('never waits more than an hour for a limit without a reset time', () => {
		const state: BreakerState = {...closedBreaker, limitPauses: 20};
		expect(decide(state, limit, 0, 3).state.pausedUntil).toBe(3_600_000);
	});
});
