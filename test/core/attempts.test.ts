/** The rules around one attempt, as table tests on plain task tables. */
import {describe, expect, it} from 'vitest';
import {
	claimTask,
	recordAttempt,
	unclaimTask,
	type AttemptRecord,
	type Recorded,
} from '../../source/core/attempts.js';
import type {Outcome} from '../../source/core/outcome.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';

const now = new Date('2026-11-29T10:00:00.000Z');
const run = {runId: 'r1', pid: 42, host: 'here'};
const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((task) => [task.id, task]));
const claimInput = (taskId: string) => ({
	taskId,
	agent: 'sim-1',
	run,
	now,
	log: (n: number) => `/logs/${taskId}/${n}.log`,
	inCycle: new Set<string>(),
});

/** A task held by run r1 on its attempt `n`, after `retryCount` retries. */
function held(fields: Partial<Task> = {}, n = 1): Task {
	const attempts = Array.from({length: n}, (_, i) => ({
		n: i + 1,
		agent: 'sim-1',
		startedAt: now.toISOString(),
		...(i + 1 < n ? {endedAt: now.toISOString(), failureType: 'error' as const} : {}),
	}));
	return newTask({
		id: 'a',
		title: 'A',
		status: 'in_progress',
		claimedBy: run,
		assignedAgent: 'sim-1',
		attempts,
		...fields,
	});
}

function record(outcome: Outcome, fields: Partial<AttemptRecord> = {}): AttemptRecord {
	return {
		taskId: 'a',
		attempt: 1,
		runId: 'r1',
		outcome,
		message: outcome === 'completed' ? 'exit 0' : `it ${outcome}`,
		exit: {exitCode: outcome === 'completed' ? 0 : 1, signal: null},
		endedAt: now,
		...fields,
	};
}

const policy = {maxRetries: 2, backoffSeconds: [30, 60]};

describe('claimTask', () => {
	it.each([
		['a ready task', newTask({id: 'a', title: 'A'}), true],
		['a task held by a run', held(), false],
		['a blocked task', newTask({id: 'a', title: 'A', blockers: ['wait']}), false],
		[
			'a task backing off',
			newTask({id: 'a', title: 'A', nextAttemptAt: '2026-11-29T10:01:00Z'}),
			false,
		],
		['a completed task', newTask({id: 'a', title: 'A', status: 'completed'}), false],
	])('%s: claimed %s', (_name, task, claimed) => {
		const change = claimTask(table(task), claimInput('a'));
		expect(change.result !== undefined).toBe(claimed);
		if (!claimed) expect(change.tasks.get('a')).toBe(task);
	});

	it('records the attempt, the run and the agent', () => {
		const {result} = claimTask(table(newTask({id: 'a', title: 'A'})), claimInput('a'));
		expect(result).toMatchObject({
			status: 'in_progress',
			claimedBy: run,
			assignedAgent: 'sim-1',
			attempts: [{n: 1, agent: 'sim-1', startedAt: now.toISOString(), log: '/logs/a/1.log'}],
		});
	});

	it('does not claim a task whose dependency is not completed, or that is in a cycle', () => {
		const dep = newTask({id: 'd', title: 'D'});
		const task = newTask({id: 'a', title: 'A', dependencies: ['d']});
		expect(claimTask(table(dep, task), claimInput('a')).result).toBeUndefined();
		const done = {...dep, status: 'completed' as const};
		expect(claimTask(table(done, task), claimInput('a')).result).toBeDefined();
		expect(
			claimTask(table(done, task), {...claimInput('a'), inCycle: new Set(['a'])}).result,
		).toBeUndefined();
	});

	it('gives back a claim that never started, and only its own', () => {
		const {tasks} = claimTask(table(newTask({id: 'a', title: 'A'})), claimInput('a'));
		expect(unclaimTask(tasks, 'a', 'r1', 1).tasks.get('a')).toMatchObject({
			status: 'pending',
			attempts: [],
		});
		expect(unclaimTask(tasks, 'a', 'other', 1).tasks).toBe(tasks);
	});
});

describe('recordAttempt', () => {
	const cases: Array<[string, Task, AttemptRecord, Recorded['kind'], Partial<Task>]> = [
		['success', held(), record('completed'), 'completed', {status: 'completed', retryCount: 0}],
		[
			'a first error',
			held(),
			record('error'),
			'retry',
			{status: 'pending', retryCount: 1, nextAttemptAt: '2026-11-29T10:00:30.000Z'},
		],
		[
			'an error with retries left (the config’s 2)',
			held({retryCount: 1}, 2),
			record('error', {attempt: 2}),
			'retry',
			{status: 'pending', retryCount: 2, nextAttemptAt: '2026-11-29T10:01:00.000Z'},
		],
		[
			'the last error: retryCount stays the retries spent',
			held({retryCount: 2}, 3),
			record('timeout', {attempt: 3}),
			'failed',
			{status: 'failed', retryCount: 2, failureType: 'timeout'},
		],
		[
			'its own maxRetries wins over the config’s',
			held({maxRetries: 0}),
			record('error'),
			'failed',
			{status: 'failed', retryCount: 0},
		],
		['killed: no retry', held(), record('killed'), 'released', {status: 'pending', retryCount: 0}],
		[
			'infra after many infra attempts: still no retry',
			held({}, 9),
			record('infra', {attempt: 9}),
			'released',
			{status: 'pending', retryCount: 0, failureType: 'infra'},
		],
		[
			'finished by hand meanwhile',
			held({status: 'completed', claimedBy: undefined}),
			record('error'),
			'outside',
			{status: 'completed'},
		],
		[
			'put back by hand and then completed',
			held({status: 'pending', claimedBy: undefined}),
			record('completed'),
			'completed',
			{status: 'completed'},
		],
		[
			'held by another run now',
			held({claimedBy: {runId: 'r2', pid: 7, host: 'there'}}),
			record('completed'),
			'outside',
			{status: 'in_progress'},
		],
	];

	it.each(cases)('%s', (_name, task, input, kind, expected) => {
		const {tasks, result} = recordAttempt(table(task), input, policy);
		expect(result.kind).toBe(kind);
		expect(tasks.get('a')).toMatchObject(expected);
		const attempt = tasks.get('a')?.attempts.find((a) => a.n === input.attempt);
		expect(attempt).toMatchObject({endedAt: now.toISOString(), exitCode: input.exit.exitCode});
	});

	it('applies a result once: the same result again changes nothing', () => {
		const first = recordAttempt(table(held()), record('error'), policy);
		const second = recordAttempt(first.tasks, record('error'), policy);
		expect(second.result).toEqual({kind: 'none'});
		expect(second.tasks).toBe(first.tasks);
	});

	it('ignores a result for a task or an attempt that is not there', () => {
		const tasks = table(held());
		expect(recordAttempt(tasks, record('completed', {taskId: 'b'}), policy).result.kind).toBe(
			'none',
		);
		expect(recordAttempt(tasks, record('completed', {attempt: 5}), policy).result.kind).toBe(
			'none',
		);
	});

	it('dates a late result by when the attempt ended, not when it was written', () => {
		const endedAt = new Date('2026-11-29T09:00:00.000Z');
		const {tasks} = recordAttempt(table(held()), record('error', {endedAt}), policy);
		expect(tasks.get('a')?.nextAttemptAt).toBe('2026-11-29T09:00:30.000Z');
	});
});
