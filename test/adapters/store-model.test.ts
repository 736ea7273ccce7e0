/**
 * Random sequences of mutations applied to the real store (files, lock, backups) and to an
 * in-memory model of it must give the same tasks after every step.
 */
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {JetpackError} from '../../source/core/errors.js';
import type {Change, TaskRepository} from '../../source/core/ports.js';
import {
	addTask,
	blockTask,
	markDone,
	markFailed,
	retryTasks,
	unblockTask,
} from '../../source/core/task-ops.js';
import {sortedTasks, taskToJson, type TaskTable} from '../../source/core/task.js';
import {FakeClock, InMemoryTaskRepository, seededRandom} from '../helpers/in-memory-repository.js';
import {tempRepo} from '../helpers/temp-repo.js';

type Mutation = (tasks: TaskTable, now: Date) => Change<unknown>;

const op = (name: string, run: Mutation) => ({name, run});

/** Picks an existing id by index, or one that does not exist when the table is empty. */
const pick = (tasks: TaskTable, index: number) =>
	sortedTasks(tasks)[index % Math.max(tasks.size, 1)]?.id ?? 'bd-none';

const text = fc.string({unit: 'grapheme', maxLength: 30});

const now = (context: Date) => ({now: context, random: Math.random});

const mutation: fc.Arbitrary<{name: string; run: Mutation}> = fc.oneof(
	fc
		.record({
			title: text,
			description: text,
			seed: fc.integer(),
			deps: fc.array(fc.nat(), {maxLength: 3}),
			priority: fc.constantFrom('critical', 'high', 'medium', 'low' as const),
			tags: fc.array(fc.constantFrom('api', 'ui', 'db'), {maxLength: 2}),
			estimate: fc.option(fc.double({min: 0.5, max: 500, noNaN: true}), {nil: undefined}),
		})
		.map(({title, description, seed, deps, priority, tags, estimate}) =>
			op(`add ${JSON.stringify(title)}`, (tasks, at) =>
				addTask(
					tasks,
					{
						title,
						description,
						priority,
						tags,
						estimatedMinutes: estimate,
						dependencies: deps.map((d) => pick(tasks, d)).filter((id) => tasks.has(id)),
					},
					{now: at, random: seededRandom(seed)},
				),
			),
		),
	fc.nat().map((i) => op(`done #${i}`, (tasks, at) => markDone(tasks, pick(tasks, i), now(at)))),
	fc
		.record({i: fc.nat(), reason: fc.option(text, {nil: undefined})})
		.map(({i, reason}) =>
			op(`fail #${i}`, (tasks, at) => markFailed(tasks, pick(tasks, i), reason, now(at))),
		),
	fc
		.record({i: fc.nat(), reason: text})
		.map(({i, reason}) =>
			op(`block #${i}`, (tasks, at) => blockTask(tasks, pick(tasks, i), reason, now(at))),
		),
	fc
		.nat()
		.map((i) => op(`unblock #${i}`, (tasks, at) => unblockTask(tasks, pick(tasks, i), now(at)))),
	fc
		.nat()
		.map((i) => op(`retry #${i}`, (tasks, at) => retryTasks(tasks, [pick(tasks, i)], now(at)))),
	fc.constant(op('retry --failed', (tasks, at) => retryTasks(tasks, 'failed', now(at)))),
	fc
		.record({i: fc.nat(), key: fc.constantFrom('sim', 'owner', 'x-custom'), value: fc.jsonValue()})
		.map(({i, key, value}) =>
			op(`set unknown field ${key} on #${i}`, (tasks) => {
				const task = tasks.get(pick(tasks, i));
				if (task === undefined) return {tasks, result: undefined};
				// JSON has no -0; what the file can hold is what the model must hold.
				const stored = JSON.parse(JSON.stringify(value)) as unknown;
				return {
					tasks: new Map(tasks).set(task.id, {...task, extra: {...task.extra, [key]: stored}}),
					result: undefined,
				};
			}),
		),
);

async function outcome(repository: TaskRepository, run: Mutation, now: Date): Promise<string> {
	try {
		await repository.update((tasks) => run(tasks, now));
		return 'ok';
	} catch (error) {
		if (error instanceof JetpackError) return `${error.name}: ${error.message}`;
		throw error;
	}
}

const snapshot = async (repository: TaskRepository) =>
	sortedTasks(await repository.read()).map((task) => taskToJson(task));

describe('the store against a model', () => {
	it('gives the same tasks as an in-memory model after every random mutation', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(mutation, {minLength: 1, maxLength: 25}), async (mutations) => {
				const clock = new FakeClock();
				const store = new TaskStore(await tempRepo(), {clock, backups: 3});
				const model = new InMemoryTaskRepository(clock);
				for (const {run} of mutations) {
					clock.advance(1000);
					const now = clock.now();
					expect(await outcome(store, run, now)).toBe(await outcome(model, run, now));
					expect(await snapshot(store)).toEqual(await snapshot(model));
				}
			}),
			{numRuns: 40},
		);
	}, 120_000);
});
