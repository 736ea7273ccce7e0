/**
 * The contract every task store keeps (PRODUCT.md §3, §15), run against both backends: the
 * `.beads/tasks.jsonl` file and PostgreSQL (a real server the test run started). One suite, two
 * repositories.
 */
import {randomUUID} from 'node:crypto';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {PgStore} from '../../source/adapters/pg-store.js';
import {TaskStore} from '../../source/adapters/task-store.js';
import {claimTask} from '../../source/core/attempts.js';
import type {Change, TaskRepository} from '../../source/core/ports.js';
import {serializeStore} from '../../source/core/store-format.js';
import {addTask} from '../../source/core/task-ops.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';
import {tempRepo} from '../helpers/temp-repo.js';

type Store = TaskStore | PgStore;

const opened: PgStore[] = [];
afterAll(async () => {
	await Promise.all(opened.map(async (store) => store.close()));
});

interface Backend {
	readonly name: string;
	/** A new, empty store; `again` opens a second repository on the same store (another process's view). */
	fresh(options?: {backups?: number}): Promise<{store: Store; again: () => Promise<Store>}>;
}

const backends: readonly Backend[] = [
	{
		name: 'file',
		async fresh(options = {}) {
			const dir = await tempRepo();
			return {
				store: new TaskStore(dir, options),
				again: async () => new TaskStore(dir, options),
			};
		},
	},
	{
		name: 'postgres',
		async fresh(options = {}) {
			const project = `contract-${randomUUID().slice(0, 8)}`;
			const open = async () => {
				const store = await PgStore.open({
					connection: inject('pgUrl'),
					project,
					display: 'postgres://test',
					...options,
				});
				opened.push(store);
				return store;
			};

			return {store: await open(), again: open};
		},
	},
];

const context = () => ({now: new Date('2026-11-23T10:00:00Z'), random: Math.random});
const put =
	(...tasks: Task[]) =>
	(table: TaskTable): Change<undefined> => {
		const next = new Map(table);
		for (const task of tasks) next.set(task.id, task);
		return {tasks: next, result: undefined};
	};

/** What the orchestrator does to claim: the repository's claim when it has one, else an update. */
async function claim(repo: TaskRepository, id: string, runId: string): Promise<Task | undefined> {
	const change = (tasks: TaskTable, locked: ReadonlySet<string>) =>
		locked.has(id)
			? claimTask(tasks, {
					taskId: id,
					agent: 'a1',
					run: {runId, pid: 1, host: 'h'},
					now: new Date(),
					log: (n) => `${id}/${n}.log`,
					inCycle: new Set(),
				})
			: {tasks, result: undefined};
	return repo.claim === undefined
		? repo.update((tasks) => change(tasks, new Set([id])))
		: repo.claim([id], change);
}

describe.each(backends)('the task store contract: $name', (backend) => {
	it('is empty and not there before the first write; a write creates it', async () => {
		const {store} = await backend.fresh();
		expect(await store.exists()).toBe(false);
		expect((await store.read()).size).toBe(0);
		const task = await store.update((tasks) => addTask(tasks, {title: 'first'}, context()));
		expect(await store.exists()).toBe(true);
		expect([...(await store.read()).keys()]).toEqual([task.id]);
	});

	it('keeps fields it does not know, and holds tasks in id order as tasks.jsonl does', async () => {
		const {store, again} = await backend.fresh();
		const b = newTask({id: 'b-2', title: 'two', extra: {sim: {ms: 5}, zeta: [1, 'x']}});
		const a = newTask({id: 'a-1', title: 'one', dependencies: ['b-2']});
		await store.update(put(b, a));
		const read = await (await again()).read();
		expect([...read.keys()]).toEqual(['a-1', 'b-2']);
		expect(read.get('b-2')?.extra).toEqual({sim: {ms: 5}, zeta: [1, 'x']});
		// Exported as the file holds it: the same bytes from either backend.
		expect(serializeStore(read)).toBe(serializeStore(await store.read()));
		expect(serializeStore(read).split('\n')[1]).toContain('"zeta":[1,"x"]');
	});

	it('settles pending and ready on every write', async () => {
		const {store} = await backend.fresh();
		await store.update(
			put(
				newTask({id: 'dep', title: 'dep', status: 'completed'}),
				newTask({id: 'next', title: 'next', dependencies: ['dep']}),
			),
		);
		expect((await store.read()).get('next')?.status).toBe('ready');
	});

	it('returns what the change returns, and a change that changes nothing writes nothing', async () => {
		const {store} = await backend.fresh();
		await store.update(put(newTask({id: 't', title: 't'})));
		const before = await store.read();
		const result = await store.update((tasks) => ({tasks, result: 42}));
		expect(result).toBe(42);
		// Nothing new to read: the same table comes back.
		expect(await store.read()).toBe(before);
	});

	it('loses no update when two repositories change the store at once', async () => {
		const {store, again} = await backend.fresh();
		await store.update(put(newTask({id: 'count', title: 'count', extra: {n: 0}})));
		const other = await again();
		const bump = async (repo: Store) =>
			repo.update((tasks) => {
				const task = tasks.get('count');
				if (task === undefined) throw new Error('no task');
				const n = (task.extra['n'] as number) + 1;
				return put({...task, extra: {n}})(tasks);
			});
		await Promise.all(Array.from({length: 10}, async (_, i) => bump(i % 2 === 0 ? store : other)));
		expect((await store.read()).get('count')?.extra['n']).toBe(10);
	});

	it('lets exactly one of several runs claim a task', async () => {
		const {store, again} = await backend.fresh();
		await store.update(put(newTask({id: 'only', title: 'only'})));
		const repos = [store, await again(), await again()];
		const got = await Promise.all(repos.map(async (repo, i) => claim(repo, 'only', `run-${i}`)));
		expect(got.filter((task) => task !== undefined)).toHaveLength(1);
		const held = (await store.read()).get('only');
		expect(held?.status).toBe('in_progress');
		expect(held?.attempts).toHaveLength(1);
	});

	it('keeps at most `backups` earlier versions', async () => {
		const {store} = await backend.fresh({backups: 3});
		const task = newTask({id: 'h', title: 'v0'});
		await store.update(put(task));
		for (let v = 1; v <= 6; v++) await store.update(put({...task, title: `v${v}`}));
		if (store.kind === 'file') {
			expect((await store.listBackups()).length).toBeLessThanOrEqual(3);
		} else {
			const history = await store.history('h');
			expect(history.map((entry) => (JSON.parse(entry.line) as {title: string}).title)).toEqual([
				'v5',
				'v4',
				'v3',
			]);
		}
	});
});
