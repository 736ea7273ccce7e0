/**
 * What only the PostgreSQL store does (PRODUCT.md §15), against a real server: its schema and
 * migrations, one-line errors for a bad password or server, claims that skip what another
 * transaction holds, leases that lapse, fencing of a lapsed run's late result, and NOTIFY.
 */
import {randomUUID} from 'node:crypto';
import pg from 'pg';
import {afterAll, describe, expect, inject, it} from 'vitest';
import {PgStore} from '../../source/adapters/pg-store.js';
import {schemaVersion} from '../../source/adapters/pg-schema.js';
import {claimTask, recordAttempt} from '../../source/core/attempts.js';
import {releaseLapsedClaims} from '../../source/core/claims.js';
import {StoreError} from '../../source/core/errors.js';
import type {Change} from '../../source/core/ports.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';
import {until} from '../helpers/until.js';

const opened: Array<{close(): Promise<unknown>}> = [];
afterAll(async () => {
	await Promise.all(opened.map(async (thing) => thing.close()));
});

async function open(project: string, connection = inject('pgUrl')): Promise<PgStore> {
	const store = await PgStore.open({connection, project, display: 'postgres://test'});
	opened.push(store);
	return store;
}

const project = () => `pg-${randomUUID().slice(0, 8)}`;
const put =
	(...tasks: Task[]) =>
	(table: TaskTable): Change<undefined> => {
		const next = new Map(table);
		for (const task of tasks) next.set(task.id, task);
		return {tasks: next, result: undefined};
	};

async function client(url = inject('pgUrl')): Promise<pg.Client> {
	const connection = new pg.Client({connectionString: url});
	await connection.connect();
	opened.push({close: async () => connection.end()});
	return connection;
}

/** A database of its own, for what must start from no schema at all. */
async function freshDatabase(): Promise<string> {
	const name = `jetpack_${randomUUID().slice(0, 8)}`;
	await (await client()).query(`CREATE DATABASE ${name}`);
	const url = new URL(inject('pgUrl'));
	url.pathname = `/${name}`;
	return url.toString();
}

const claimInput = (taskId: string, runId: string) => ({
	taskId,
	agent: 'a1',
	run: {runId, pid: 1, host: 'elsewhere'},
	now: new Date(),
	log: (n: number) => `${taskId}/${n}.log`,
	inCycle: new Set<string>(),
});

describe('PostgreSQL store: schema', () => {
	it('creates its schema on a new database, at its version, and opens it again as it is', async () => {
		const url = await freshDatabase();
		await open('one', url);
		await open('two', url);
		const rows = await (await client(url)).query('SELECT version FROM jetpack_schema');
		expect(rows.rows).toEqual([{version: schemaVersion}]);
	});

	it('refuses a database migrated by a newer jetpack-tui, in one sentence', async () => {
		const url = await freshDatabase();
		await open('p', url);
		await (await client(url)).query('UPDATE jetpack_schema SET version = 999');
		await expect(open('p', url)).rejects.toThrow(/version 999, newer than this jetpack-tui/);
	});
});

describe('PostgreSQL store: connection errors', () => {
	it('says a wrong password in one sentence that does not print it', async () => {
		const url = new URL(inject('pgUrl'));
		url.password = 'not-the-password';
		const error = await PgStore.open({
			connection: url.toString(),
			project: 'p',
			display: 'postgres://jetpack:***@host/db',
		}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StoreError);
		expect((error as Error).message).toMatch(/refused the login.*check the user and password/);
		expect((error as Error).message).not.toContain('not-the-password');
	});

	it('says a server that is not there is not reachable', async () => {
		const error = await PgStore.open({
			connection: 'postgres://jetpack:x@127.0.0.1:1/postgres',
			project: 'p',
			display: 'postgres://jetpack:***@127.0.0.1:1/postgres',
		}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(StoreError);
		expect((error as Error).message).toMatch(/cannot reach PostgreSQL.*is the server running/);
	});
});

describe('PostgreSQL store: claims, leases, fencing', () => {
	it('skips a task another transaction holds and claims the next in scheduling order', async () => {
		const name = project();
		const store = await open(name);
		await store.update(
			put(
				newTask({id: 'a', title: 'a'}),
				newTask({id: 'b', title: 'b'}),
				newTask({id: 'c', title: 'c'}),
			),
		);
		const other = await client();
		await other.query('BEGIN');
		await other.query('SELECT 1 FROM jetpack_tasks WHERE project = $1 AND id = $2 FOR UPDATE', [
			name,
			'b',
		]);
		const seen: string[][] = [];
		const claimed = await store.claim(['b', 'c', 'a'], (tasks, locked) => {
			seen.push([...locked]);
			let table = tasks;
			const taken: string[] = [];
			for (const id of locked) {
				const change = claimTask(table, claimInput(id, 'r1'));
				table = change.tasks;
				if (change.result !== undefined) taken.push(id);
			}

			return {tasks: table, result: taken};
		});
		await other.query('ROLLBACK');
		expect(seen).toEqual([['c', 'a']]);
		expect(claimed).toEqual(['c', 'a']);
		const tasks = await store.read();
		expect(tasks.get('b')?.status).toBe('ready');
		expect(tasks.get('c')?.status).toBe('in_progress');
	});

	it("takes a lapsed run's task back, and refuses that run's late result (fencing by attempt)", async () => {
		const store = await open(project());
		await store.update(put(newTask({id: 't', title: 't'})));
		await store.registerRun({runId: 'old', pid: 1, host: 'h1', folder: '/a', agents: ['a1']}, 0.2);
		await store.registerRun({runId: 'new', pid: 2, host: 'h2', folder: '/b', agents: ['a1']}, 30);
		await store.update((tasks) => claimTask(tasks, claimInput('t', 'old')));
		// The old run's lease lapses (no heartbeat): the other run's look finds it gone.
		let released: string[] = [];
		let looking = false;
		await until(() => {
			if (!looking) {
				looking = true;
				void store
					.updateWithRuns((tasks, live) => releaseLapsedClaims(tasks, live, new Date()))
					.then((ids) => {
						released = ids;
						looking = false;
					});
			}

			return released.length > 0;
		}, 'the lease to lapse');

		expect(released).toEqual(['t']);
		expect((await store.liveRuns()).map((run) => run.runId)).toEqual(['new']);
		expect(await store.renewLease('old', 30)).toBe(false);
		const after = (await store.read()).get('t');
		expect(after?.status).toBe('ready');
		expect(after?.attempts[0]?.failureType).toBe('killed');
		expect(after?.retryCount).toBe(0);
		// The new run claims attempt 2; the old run's "completed" for attempt 1 changes nothing.
		await store.update((tasks) => claimTask(tasks, claimInput('t', 'new')));
		const late = await store.update((tasks) =>
			recordAttempt(
				tasks,
				{
					taskId: 't',
					attempt: 1,
					runId: 'old',
					outcome: 'completed',
					message: 'done',
					exit: {exitCode: 0, signal: null},
					endedAt: new Date(),
				},
				{maxRetries: 2, backoffSeconds: [1]},
			),
		);
		expect(late.kind).toBe('none');
		const held = (await store.read()).get('t');
		expect(held?.status).toBe('in_progress');
		expect(held?.claimedBy?.runId).toBe('new');
		expect(held?.attempts.map((attempt) => attempt.n)).toEqual([1, 2]);
	});

	it('renews a live lease and lists the live runs with host, folder and agents', async () => {
		const store = await open(project());
		await store.registerRun({runId: 'r', pid: 7, host: 'box', folder: '/w', agents: ['x', 'y']}, 5);
		expect(await store.renewLease('r', 5)).toBe(true);
		const [run] = await store.liveRuns();
		expect(run).toMatchObject({runId: 'r', pid: 7, host: 'box', folder: '/w', agents: ['x', 'y']});
		await store.endRun('r');
		expect(await store.liveRuns()).toEqual([]);
	});

	it('with a number wanted, locks only that many of the tasks still waiting, skipping those held or taken', async () => {
		const name = project();
		const store = await open(name);
		const ids = ['a', 'b', 'c', 'd'];
		await store.update(put(...ids.map((id) => newTask({id, title: id}))));
		// `b` was claimed by another run already; `a` is being claimed by another right now.
		await store.update((tasks) => claimTask(tasks, claimInput('b', 'elsewhere')));
		const other = await client();
		await other.query('BEGIN');
		await other.query('SELECT 1 FROM jetpack_tasks WHERE project = $1 AND id = $2 FOR UPDATE', [
			name,
			'a',
		]);
		const seen = await store.claim(ids, (tasks, locked) => ({tasks, result: [...locked]}), 1);
		await other.query('ROLLBACK');
		expect(seen).toEqual(['c']);
	});

	it('tells the other runs when a claim leaves a task it locked as it was (they skipped it)', async () => {
		const name = project();
		const store = await open(name);
		const watcher = await open(name);
		await store.update(put(newTask({id: 'a', title: 'a'})));
		let wakes = 0;
		const stop = await watcher.watch(() => wakes++);
		opened.push({close: stop});
		await store.claim(['a'], (tasks) => ({tasks, result: undefined}), 1);
		await until(() => wakes > 0, 'a notification');
		expect((await watcher.read()).get('a')?.status).toBe('ready');
	});
});

describe('PostgreSQL store: notifications', () => {
	it("wakes a watcher on another process's change to its project, not on its own or another project's", async () => {
		const name = project();
		const watcher = await open(name);
		const writer = await open(name);
		const elsewhere = await open(project());
		let wakes = 0;
		const stop = await watcher.watch(() => wakes++);
		opened.push({close: stop});
		await watcher.update(put(newTask({id: 'own', title: 'own'})));
		await elsewhere.update(put(newTask({id: 'far', title: 'far'})));
		await writer.update(put(newTask({id: 'theirs', title: 'theirs'})));
		await until(() => wakes > 0, 'a notification');
		// Notifications arrive in commit order: the one that woke us was the last write's.
		expect(wakes).toBe(1);
		expect([...(await watcher.read()).keys()]).toEqual(['own', 'theirs']);
	});
});
