import {describe, expect, it} from 'vitest';
import {
	decide,
	defaultLimitBytes,
	initialWatchdogState,
	type MemorySample,
} from '../../source/core/watchdog.js';

const MB = 1_048_576;
const GB = 1024 * MB;
const sample = (
	agents: Array<[string, number]>,
	availableMb = 10_000,
	limitMb = 300,
): MemorySample => ({
	agents: agents.map(([taskId, rssMb]) => ({
		taskId,
		rssBytes: rssMb * MB,
		limitBytes: limitMb * MB,
	})),
	availableBytes: availableMb * MB,
	totalBytes: 24 * GB,
});

describe('the memory watchdog decides', () => {
	it.each([
		[200, []],
		[280, [{type: 'warn', taskId: 'a', rssMb: 280, limitMb: 300}]],
		[
			310,
			[{type: 'recycle', taskId: 'a', rssMb: 310, limitMb: 300, immediate: false, why: 'agent'}],
		],
		[
			370,
			[{type: 'recycle', taskId: 'a', rssMb: 370, limitMb: 300, immediate: true, why: 'agent'}],
		],
	])('for an agent at %i MB of 300', (rss, actions) => {
		expect(decide(sample([['a', rss]]), initialWatchdogState, 10).actions).toEqual(actions);
	});

	it('warns once until the agent drops back, and recycles once', () => {
		let state = initialWatchdogState;
		const run = (rss: number) => {
			const result = decide(sample([['a', rss]]), state, 10);
			state = result.state;
			return result.actions.map((action) => action.type);
		};

		expect([run(280), run(285), run(240), run(280), run(320), run(330)]).toEqual([
			['warn'],
			[],
			[],
			['warn'],
			['recycle'],
			[],
		]);
	});

	it('asks for an immediate kill when an agent being recycled passes 120% during its grace, once', () => {
		let state = initialWatchdogState;
		const run = (rss: number) => {
			const result = decide(sample([['a', rss]]), state, 10);
			state = result.state;
			return result.actions.map((action) =>
				action.type === 'recycle' ? `recycle${action.immediate ? ' now' : ''}` : action.type,
			);
		};

		expect([run(310), run(340), run(370), run(400)]).toEqual([
			['recycle'],
			['warn'],
			['recycle now'],
			[],
		]);
		state = initialWatchdogState;
		expect([run(370), run(400)]).toEqual([['recycle now'], ['warn']]);
	});

	it('recycles the next attempt of a recycled task, even when no sample saw the task go in between', () => {
		let state = initialWatchdogState;
		const run = (rss: number) => {
			const result = decide(sample([['a', rss]]), state, 10);
			state = result.state;
			return result.actions.map((action) => action.type);
		};

		// 320: attempt 1 recycled; 340: still being stopped; 40: attempt 2 has started.
		expect([run(320), run(340), run(40), run(280), run(320)]).toEqual([
			['recycle'],
			['warn'],
			[],
			['warn'],
			['recycle'],
		]);
	});

	it('holds claims under the reserve, recycles the largest under half of it, and gives claims back with memory', () => {
		let state = initialWatchdogState;
		const run = (availableMb: number) => {
			const result = decide(
				sample(
					[
						['small', 100],
						['big', 250],
					],
					availableMb,
					1000,
				),
				state,
				10,
			);
			state = result.state;
			return result.actions;
		};

		const reserveMb = Math.round((24 * 1024) / 10);
		expect(run(5000)).toEqual([]);
		expect(run(2000)).toEqual([{type: 'hold-claims', availableMb: 2000, reserveMb}]);
		expect(run(1000)).toEqual([
			{type: 'recycle', taskId: 'big', rssMb: 250, limitMb: 1000, immediate: false, why: 'machine'},
		]);
		expect(run(900)).toEqual([]);
		expect(run(2500)).toEqual([]);
		expect(run(3500)).toEqual([{type: 'resume-claims', availableMb: 3500}]);
	});

	it('gives each agent a fair share of RAM by default', () => {
		expect(defaultLimitBytes(24 * GB, 4, 10)).toBe(Math.floor((24 * GB * 0.9) / 4));
	});
});
