/**
 * What the store keeps of every attempt must not cost a V8 hidden class per object: a run records
 * an attempt per task, and each class of its own is ~300 bytes held for as long as the task is
 * (issue 16: the live heap grew with every task a soak completed). Checked with V8's own
 * `%HaveSameMap`, allowed for this one function.
 */
import {setFlagsFromString} from 'node:v8';
import {describe, expect, it} from 'vitest';
import {claimTask, recordAttempt} from '../../source/core/attempts.js';
import type {Outcome} from '../../source/core/outcome.js';
import {parseStore, serializeStoreBytes} from '../../source/core/store-format.js';
import {reportDone} from '../../source/core/task-ops.js';
import {copyWith, newTask, type TaskTable} from '../../source/core/task.js';

setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
	a: object,
	b: object,
) => boolean;
setFlagsFromString('--no-allow-natives-syntax');

const run = {runId: 'r1', pid: 42, host: 'here'};
const policy = {maxRetries: 2, backoffSeconds: [30, 60]};

/** `count` pending tasks as a run finds them: read from the file. */
function fromFile(count: number): TaskTable {
	const table = new Map(
		Array.from({length: count}, (_, i) => {
			const task = newTask({id: `t${String(i).padStart(3, '0')}`, title: `task ${i}`});
			return [task.id, task] as const;
		}),
	);
	const contents = parseStore(serializeStoreBytes(table));
	if (contents.kind !== 'ok') throw new Error('the store did not parse');
	return contents.table;
}

/** Claims every task and ends its attempt with `outcome`, task after task as a run does. */
function runAll(tasks: TaskTable, outcome: Outcome, reported = false): TaskTable {
	let table = tasks;
	for (const id of [...tasks.keys()]) {
		const now = new Date(Date.UTC(2026, 10, 30, 9, 0, table.size % 60));
		table = claimTask(table, {
			taskId: id,
			agent: 'sim-1',
			run,
			now,
			log: (n) => `/logs/${id}/${n}.log`,
			inCycle: new Set(),
		}).tasks;
		if (reported) table = reportDone(table, id, 1, {now, random: Math.random}).tasks;
		table = recordAttempt(
			table,
			{
				taskId: id,
				attempt: 1,
				runId: 'r1',
				outcome,
				message: 'ended',
				exit: {exitCode: outcome === 'completed' ? 0 : 1, signal: null},
				endedAt: now,
			},
			policy,
		).tasks;
	}

	return table;
}

/** How many of `objects` have a hidden class other than the first one's. */
function ownClasses(objects: readonly object[]): number {
	const [first] = objects;
	return objects.filter((object) => first === undefined || !haveSameMap(first, object)).length;
}

describe('what the store keeps shares hidden classes', () => {
	it.each<[Outcome, boolean]>([
		['completed', false],
		['completed', true],
		['error', false],
		['killed', false],
	])('attempts ended %s (reported done first: %s), and their tasks', (outcome, reported) => {
		const tasks = [...runAll(fromFile(50), outcome, reported).values()];
		const attempts = tasks.map((task) => task.attempts[0] as object);
		expect(tasks.every((task) => task.attempts[0]?.endedAt !== undefined)).toBe(true);
		expect(ownClasses(attempts)).toBe(0);
		expect(ownClasses(tasks)).toBe(0);
	});

	it('copyWith copies every field and keeps `__proto__` an own field', () => {
		const base = JSON.parse('{"n": 1, "__proto__": {"polluted": true}}') as Record<string, unknown>;
		const copy = copyWith(base, {n: 2, endedAt: 'now'});
		expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
		expect(JSON.stringify(copy)).toBe('{"n":2,"__proto__":{"polluted":true},"endedAt":"now"}');
		const again = copyWith<Record<string, unknown>>({n: 1}, JSON.parse('{"__proto__": {"x": 1}}'));
		expect(Object.getPrototypeOf(again)).toBe(Object.prototype);
		expect(Object.keys(again)).toEqual(['n', '__proto__']);
		expect(base['n']).toBe(1);
	});
});
