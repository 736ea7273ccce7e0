/**
 * Real child processes writing the real store, killed with SIGKILL at random moments: after
 * every kill the file must parse, and every write the child had reported as committed must be in it.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {parseStore} from '../../source/core/store-format.js';
import {newTask, type TaskTable} from '../../source/core/task.js';
import {TaskStore} from '../../source/adapters/task-store.js';
import {addTask} from '../../source/core/task-ops.js';
import {cliPath} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

const worker = fileURLToPath(new URL('../helpers/store-worker.mjs', import.meta.url));

interface Acked {
	readonly adds: Set<string>;
	/** The last mark each worker reported committed, by task and worker key. */
	readonly marks: Map<string, number>;
}

function startWorker(
	dir: string,
	seed: number,
	acked: Acked,
): {child: ChildProcess; started: Promise<void>; exited: Promise<void>} {
	const child = spawn(process.execPath, [worker, dir, 'crash', String(seed)], {
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let buffer = '';
	let markStarted: () => void = () => undefined;
	const started = new Promise<void>((resolve) => (markStarted = resolve));
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
		buffer += chunk;
		const lines = buffer.split('\n');
		buffer = lines.pop() ?? '';
		for (const line of lines) {
			const [kind, id = '', key = '', n = ''] = line.split(' ');
			markStarted();
			if (kind === 'ready') continue;
			if (kind === 'add') acked.adds.add(id);
			else if (kind === 'mark') acked.marks.set(`${id} ${key}`, Number(n));
		}
	});
	// A worker must die of our SIGKILL, never of an error of its own.
	const exited = new Promise<void>((resolve, reject) =>
		child.on('close', (code, signal) => {
			if (signal === 'SIGKILL') resolve();
			else reject(new Error(`worker ${seed} ended by itself (exit ${code}, signal ${signal})`));
		}),
	);
	return {child, started, exited};
}

function readStrict(file: string): TaskTable {
	// Before the first committed write there may be no file at all.
	if (!existsSync(file)) return new Map();
	const contents = parseStore(readFileSync(file));
	if (contents.kind !== 'ok')
		throw new Error(`store is ${contents.kind}: ${JSON.stringify(contents).slice(0, 300)}`);
	return contents.table;
}

function expectAcked(table: TaskTable, acked: Acked): void {
	for (const id of acked.adds) expect(table.has(id), `acknowledged add ${id}`).toBe(true);
	for (const [where, n] of acked.marks) {
		const [id = '', key = ''] = where.split(' ');
		// A worker's marks on a task only grow; a later write may have landed unacknowledged.
		const stored = table.get(id)?.extra[key];
		expect(
			typeof stored === 'number' && stored >= n,
			`acknowledged mark ${n} of ${key} on ${id}`,
		).toBe(true);
	}
}

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the store under SIGKILL', () => {
	it('keeps every committed write of workers killed mid-transaction (200 kills)', async () => {
		const dir = await tempRepo();
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		const acked: Acked = {adds: new Set(), marks: new Map()};
		let kills = 0;
		for (let round = 0; round < 100; round++) {
			// Two writers at once, so kills also land while the other one waits for the lock.
			const workers = [1, 2].map((n) => startWorker(dir, round * 2 + n, acked));
			await Promise.all(workers.map(async (w) => w.started));
			for (const w of workers) {
				await sleep(Math.random() * 40);
				w.child.kill('SIGKILL');
				kills++;
			}

			await Promise.all(workers.map(async (w) => w.exited));
			expectAcked(readStrict(file), acked);
		}

		expect(kills).toBe(200);
		// How many writes get in before the kills depends on the machine's load; some always do.
		expect(acked.adds.size).toBeGreaterThan(10);
		expect(acked.marks.size).toBeGreaterThan(10);

		// A fresh writer takes over whatever lock the last kill left, and clears killed writers' temp files.
		const store = new TaskStore(dir, {staleMs: 2000, backups: 5});
		acked.adds.add(
			(
				await store.update((tasks) =>
					addTask(tasks, {title: 'after the last kill'}, {now: new Date(), random: Math.random}),
				)
			).id,
		);
		expect(
			readdirSync(path.join(dir, '.beads')).filter((name) => /^tasks\.jsonl\.\d+$/.test(name)),
		).toEqual([]);
		expect(readdirSync(path.join(dir, '.beads', 'backups')).length).toBeLessThanOrEqual(5);
		expectAcked(readStrict(file), acked);
	}, 240_000);

	it('keeps every task whose `task add` exited 0, with the CLI killed at random moments', async () => {
		const dir = await tempRepo();
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		const committed = new Set<string>();
		let killed = 0;
		// Kill around the time a whole command takes here, so kills land in the write as well as at
		// start-up; the estimate follows the runs that finish, since the machine's load changes,
		// and grows with each kill, so that on a machine too busy for any run to finish in time
		// the kills move later until some do.
		let typical = 300;
		for (let round = 0; round < 120 && (round < 30 || killed < 10 || committed.size < 5); round++) {
			const child = spawn(process.execPath, [cliPath, 'task', 'add', `round ${round}`], {
				cwd: dir,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let out = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
			const started = Date.now();
			const code = await new Promise<number | null>((resolve) => {
				const timer = setTimeout(
					() => {
						killed++;
						typical *= 1.2;
						child.kill('SIGKILL');
					},
					typical * (0.5 + Math.random()),
				);
				child.on('close', (exitCode) => {
					clearTimeout(timer);
					resolve(exitCode);
				});
			});
			if (code === 0) {
				committed.add(out.trim());
				typical = (typical + (Date.now() - started)) / 2;
			}

			const table = readStrict(file);
			for (const id of committed)
				expect(table.has(id), `task ${id} from a command that exited 0`).toBe(true);
		}

		expect(killed).toBeGreaterThanOrEqual(10);
		expect(committed.size).toBeGreaterThanOrEqual(5);
	}, 120_000);

	it('loses no update and makes no duplicate id with 4 processes x 50 transactions', async () => {
		const dir = await tempRepo();
		const store = new TaskStore(dir);
		await store.update((tasks) => ({
			tasks: new Map(tasks).set('counter', newTask({id: 'counter', title: 'shared counter'})),
			result: undefined,
		}));
		const acked: string[] = [];
		const runs = [1, 2, 3, 4].map(
			async (seed) =>
				new Promise<number | null>((resolve) => {
					const child = spawn(process.execPath, [worker, dir, 'count', String(seed), '50'], {
						stdio: ['ignore', 'pipe', 'inherit'],
					});
					let out = '';
					child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
					child.on('close', (code) => {
						for (const line of out.split('\n'))
							if (line.startsWith('add ')) acked.push(line.slice(4));
						resolve(code);
					});
				}),
		);
		expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
		const table = readStrict(path.join(dir, '.beads', 'tasks.jsonl'));
		expect(table.get('counter')?.metadata).toEqual({count: 100});
		expect(new Set(acked).size).toBe(100);
		expect(table.size).toBe(101);
		for (const id of acked) expect(table.has(id)).toBe(true);
	}, 120_000);
});
