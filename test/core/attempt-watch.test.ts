/** When the orchestrator steps into a running attempt, as a table of moments and what it sees. */
import {describe, expect, it} from 'vitest';
import {
	absorb,
	heard,
	judge,
	mergeUsage,
	type Look,
	type Watch,
} from '../../source/core/attempt-watch.js';
import type {Finding} from '../../source/core/clis/detector.js';

const limits = {stallMs: 600_000, inputWaitMs: 20_000, needsInputMs: 900_000};
const fresh: Watch = {lastOutputAt: 0, deadline: 3_600_000};
const question: Finding = {kind: 'waiting', message: 'Proceed? [y/N]'};
const look = (screen?: Finding, options: Partial<Look> = {}): Look => ({
	screen: () => screen,
	reconnecting: () => false,
	structured: false,
	...options,
});

describe('judging a running attempt', () => {
	it.each([
		['working, quiet a little', fresh, 10_000, look(), undefined],
		['past its time limit', fresh, 3_600_001, look(), 'timeout'],
		['quiet past the stall limit', fresh, 600_001, look(), 'stalled'],
		[
			'a question, quiet past the stall limit: not a stall',
			fresh,
			600_001,
			look(question),
			undefined,
		],
		['a question unanswered past its limit', fresh, 900_000, look(question), 'needs_input'],
		[
			'sitting on a usage limit it printed',
			fresh,
			6000,
			look({kind: 'limit', message: 'limit'}),
			'limit',
		],
		[
			'sitting on a login error',
			fresh,
			6000,
			look({kind: 'auth', message: 'Not logged in'}),
			'setup',
		],
		[
			'a limit on a structured CLI’s screen is only text',
			fresh,
			6000,
			look({kind: 'limit', message: 'x'}, {structured: true}),
			undefined,
		],
		[
			'a limit it reported, then quiet',
			{...fresh, finding: {kind: 'limit', message: 'x'}},
			30_000,
			look(),
			'limit',
		],
		[
			'a limit it reported a moment ago (it may go on, on a fallback model)',
			{...fresh, finding: {kind: 'limit', message: 'x'}},
			6000,
			look(),
			undefined,
		],
		[
			'it reported the task itself, and lingers',
			{...fresh, reportedAt: 1000},
			4000,
			look(),
			'reported',
		],
		[
			'it reported the task itself a moment ago',
			{...fresh, reportedAt: 1000},
			2000,
			look(),
			undefined,
		],
	] as const)('%s', (_name, watch, now, seen, stop) => {
		expect(judge(watch, now, limits, seen).stop).toBe(stop);
	});

	it('says once that the agent began to wait, and since when', () => {
		const first = judge(fresh, 21_000, limits, look(question));
		expect(first.startedWaiting).toBe(true);
		expect(first.watch.waiting).toEqual({since: 0, message: 'Proceed? [y/N]'});
		const again = judge(first.watch, 22_000, limits, look(question));
		expect(again.startedWaiting).toBeUndefined();
		expect(judge(first.watch, 23_000, limits, look()).watch.waiting).toBeUndefined();
		expect(heard(first.watch, 23_000)).toEqual({lastOutputAt: 23_000, deadline: 3_600_000});
	});

	it('stops a CLI that keeps saying it is reconnecting after three minutes of it', () => {
		let watch = fresh;
		let stop: string | undefined;
		for (let now = 1000; stop === undefined && now < 400_000; now += 1000) {
			watch = {...watch, lastOutputAt: now - 500};
			({watch, stop} = judge(watch, now, limits, look(undefined, {reconnecting: () => true})));
		}

		expect(stop).toBe('offline');
		expect(watch.offlineSince).toBe(1000);
	});

	it('takes a structured CLI’s usage, final word and limit from its events; later figures win', () => {
		const watch = absorb(fresh, [
			{kind: 'session', model: 'm', sessionId: 's'},
			{kind: 'usage', usage: {inputTokens: 10}},
			{kind: 'limit', message: 'limit', resetsAt: new Date(5)},
			{kind: 'result', ok: false, message: 'limit hit', usage: {inputTokens: 12, costUsd: 0.5}},
		]);
		expect(watch.usage).toEqual({model: 'm', sessionId: 's', inputTokens: 12, costUsd: 0.5});
		expect(watch.result).toEqual({ok: false, message: 'limit hit'});
		expect(watch.finding).toEqual({kind: 'limit', message: 'limit', resetsAt: new Date(5)});
		expect(mergeUsage({outputTokens: 3}, {outputTokens: undefined})).toEqual({outputTokens: 3});
	});
});
