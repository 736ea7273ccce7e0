/**
 * The store against real files, the real lock and real atomic writes.
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {
	mkdirSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	symlinkSync,
	utimesSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {acquireStoreLock} from '../../source/adapters/store-lock.js';
import {TaskStore} from '../../source/adapters/task-store.js';
import {StoreError} from '../../source/core/errors.js';
import {serializeStore} from '../../source/core/store-format.js';
import {addTask} from '../../source/core/task-ops.js';
import {newTask, taskToJsonLine, type Task, type TaskTable} from '../../source/core/task.js';
import {tempRepo} from '../helpers/temp-repo.js';

const context = () => ({now: new Date('2026-11-23T10:00:00Z'), random: Math.random});

function line(fields: Partial<Task> & Pick<Task, 'id'>): string {
	return taskToJsonLine(newTask({title: `task ${fields.id}`, ...fields}));
}

async function storeWith(lines: readonly string[], options: {backups?: number} = {}) {
	const dir = await tempRepo();
	mkdirSync(path.join(dir, '.beads'));
	const file = path.join(dir, '.beads', 'tasks.jsonl');
	writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
	const notices: string[] = [];
	const store = new TaskStore(dir, {
		...options,
		staleMs: 2000,
		onNotice: (message) => notices.push(message),
	});
	return {dir, file, store, notices};
}

async function add(store: TaskStore, title: string): Promise<Task> {
	return store.update((tasks) => addTask(tasks, {title}, context()));
}

const ids = (table: TaskTable) => [...table.keys()].sort();

describe('TaskStore transactions', () => {
	it('creates .beads/ and the file on the first write, sorted by id with defaults written', async () => {
		const dir = await tempRepo();
		const store = new TaskStore(dir);
		const b = await add(store, 'second');
		const a = await add(store, 'first');
		const text = readFileSync(path.join(dir, '.beads', 'tasks.jsonl'), 'utf8');
		const lines = text.trimEnd().split('\n');
		expect(lines.map((l) => (JSON.parse(l) as {id: string}).id)).toEqual([a.id, b.id].sort());
		expect(JSON.parse(lines[0] ?? '')).toMatchObject({
			blockers: [],
			dependencies: [],
			status: 'ready',
			priority: 'medium',
		});
	});

	it('keeps unknown fields and their values through a rewrite', async () => {
		const odd =
			'{"id":"bd-odd1","title":"odd","sim":{"ms":5,"exit":1},"owner":"maya","nested":{"a":[1,{"b":null}]},"blockers":null}';
		const {file, store} = await storeWith([odd]);
		await add(store, 'another');
		const written =
			readFileSync(file, 'utf8')
				.split('\n')
				.find((l) => l.includes('bd-odd1')) ?? '';
		expect(JSON.parse(written)).toMatchObject({
			sim: {ms: 5, exit: 1},
			owner: 'maya',
			nested: {a: [1, {b: null}]},
			blockers: [],
		});
	});

	it('never clobbers a hand edit made between two transactions', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa'})]);
		await add(store, 'one');
		writeFileSync(
			file,
			readFileSync(file, 'utf8') + `${line({id: 'bd-hand', title: 'typed by a person'})}\n`,
		);
		await add(store, 'two');
		expect(ids(await store.read())).toContain('bd-hand');
	});

	it('keeps the version just written as the newest backup, in a file of its own, and only the last N', async () => {
		const {file, dir, store} = await storeWith([line({id: 'bd-aaaa'})], {backups: 3});
		for (let i = 0; i < 6; i++) {
			await add(store, `t${i}`);
			const [newest] = await store.listBackups();
			expect(readFileSync(newest ?? '')).toEqual(readFileSync(file));
			// Not a hard link of the live file: damage to it in place must not reach the backup.
			expect(statSync(newest ?? '').ino).not.toBe(statSync(file).ino);
		}

		expect(readdirSync(path.join(dir, '.beads', 'backups'))).toHaveLength(3);
	});

	it('hard-links a version it did not write (a hand edit) into the backups before replacing it', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa'})]);
		await add(store, 'one');
		writeFileSync(file, readFileSync(file, 'utf8') + `${line({id: 'bd-hand'})}\n`);
		const edited = statSync(file).ino;
		await add(store, 'two');
		const [newest, edit] = await store.listBackups();
		expect(readFileSync(newest ?? '')).toEqual(readFileSync(file));
		expect(statSync(edit ?? '').ino).toBe(edited);
	});

	it('writes each version whole, transaction after transaction, growing, shrinking and around a hand edit', async () => {
		// The file is put together in buffers the store keeps and reuses: no version may show
		// through another, and one that changes nothing must still be seen as the same.
		const {file, store} = await storeWith([line({id: 'bd-aaaa'})]);
		const expectFile = async () => {
			expect(readFileSync(file, 'utf8')).toBe(serializeStore(await store.read()));
		};
		for (let i = 0; i < 5; i++) {
			await add(store, `grows ${i} ${'é'.repeat(200 * i)}`);
			await expectFile();
		}

		const unchanged = statSync(file).ino;
		await store.update((tasks) => ({tasks, result: undefined}));
		expect(statSync(file).ino).toBe(unchanged);
		writeFileSync(file, readFileSync(file, 'utf8') + `${line({id: 'bd-hand'})}\n`);
		await add(store, 'after the edit');
		await expectFile();
		expect(ids(await store.read())).toContain('bd-hand');
		for (const id of ids(await store.read()).slice(0, 4)) {
			await store.update((tasks) => {
				const next = new Map(tasks);
				next.delete(id);
				return {tasks: next, result: undefined};
			});
			await expectFile();
			expect(ids(await store.read())).not.toContain(id);
		}

		const [newest] = await store.listBackups();
		expect(readFileSync(newest ?? '')).toEqual(readFileSync(file));
		// Its own versions it never had to read back: the first read and the hand edit only.
		expect(store.outsideChanges).toBe(2);
	});

	it('does not write, or back up, when nothing changed', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa', status: 'ready'})]);
		const before = statSync(file).ino;
		await store.update((tasks) => ({tasks, result: undefined}));
		expect(statSync(file).ino).toBe(before);
		expect(await store.listBackups()).toEqual([]);
	});

	it('accepts a BOM and CRLF line ends and writes them normalised', async () => {
		const {file, store} = await storeWith([]);
		writeFileSync(
			file,
			`\uFEFF${line({id: 'bd-aaaa', status: 'ready'})}\r\n${line({id: 'bd-bbbb', status: 'ready'})}\r\n`,
		);
		expect(ids(await store.read())).toEqual(['bd-aaaa', 'bd-bbbb']);
		await add(store, 'x');
		const text = readFileSync(file, 'utf8');
		expect(text.startsWith('\uFEFF')).toBe(false);
		expect(text.includes('\r')).toBe(false);
	});
});

describe('TaskStore with damage', () => {
	async function damagedAfterBackup(damage: Buffer | string) {
		const setup = await storeWith([line({id: 'bd-aaaa'})]);
		await add(setup.store, 'kept in the backup');
		await add(setup.store, 'written last');
		const good = readFileSync(setup.file);
		writeFileSync(setup.file, damage);
		return {...setup, good};
	}

	const cases: Array<[string, (good: Buffer) => Buffer]> = [
		['an empty file', () => Buffer.alloc(0)],
		['a last line cut short', (good) => good.subarray(0, good.length - 25)],
		['binary garbage', () => Buffer.from(Array.from({length: 512}, (_, i) => (i * 97) % 256))],
		[
			'a last line cut mid-character',
			(good) =>
				Buffer.concat([good, Buffer.from('{"id":"bd-new","title":"caf'), Buffer.from([0xc3])]),
		],
	];

	for (const [name, damage] of cases) {
		it(`keeps ${name} aside byte for byte and restores the newest valid backup`, async () => {
			const setup = await storeWith([line({id: 'bd-aaaa'})]);
			await add(setup.store, 'an earlier write');
			await add(setup.store, 'written last');
			const acknowledged = readFileSync(setup.file);
			const bad = damage(readFileSync(setup.file));
			writeFileSync(setup.file, bad);

			const table = await setup.store.read();
			expect(readFileSync(setup.file)).toEqual(acknowledged);
			expect(table.size).toBe(3);
			const aside = readdirSync(path.join(setup.dir, '.beads')).filter((n) =>
				n.startsWith('tasks.jsonl.corrupt-'),
			);
			expect(aside).toHaveLength(1);
			expect(readFileSync(path.join(setup.dir, '.beads', aside[0] ?? ''))).toEqual(bad);
			expect(setup.notices).toHaveLength(1);
			expect(setup.notices[0]).toMatch(/restored 3 tasks from tasks-.*\.jsonl/);
			expect(setup.notices[0]).toContain('kept as .beads/tasks.jsonl.corrupt-');
		});
	}

	it('says which tasks a restore may have rolled back', async () => {
		const {store, notices} = await damagedAfterBackup('');
		writeFileSync(
			store.file,
			`${line({id: 'bd-aaaa', title: 'renamed after the backup'})}\n${line({id: 'bd-zzzz'})}\n{"id":"bd-cut`,
		);
		await store.read();
		expect(notices.at(-1)).toMatch(/2 tasks may have rolled back: bd-aaaa, bd-zzzz/);
	});

	it('skips a backup that does not validate', async () => {
		const {store, dir, file} = await damagedAfterBackup('');
		const [newest, older] = await store.listBackups();
		writeFileSync(newest ?? '', 'not json\n');
		await store.read();
		expect(readFileSync(file)).toEqual(readFileSync(older ?? ''));
		expect(
			readdirSync(path.join(dir, '.beads')).some((n) => n.startsWith('tasks.jsonl.corrupt-')),
		).toBe(true);
	});

	it('treats an empty file with no backup at all as an empty store, silently', async () => {
		const {store, notices, file} = await storeWith([]);
		expect((await store.read()).size).toBe(0);
		await add(store, 'first');
		expect(notices).toEqual([]);
		expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2);
	});

	it('keeps the readable tasks when no backup validates', async () => {
		const {store, file, notices} = await storeWith([line({id: 'bd-aaaa'}), line({id: 'bd-bbbb'})]);
		const bad = readFileSync(file, 'utf8') + '{"id":"bd-cc';
		writeFileSync(file, bad);
		expect(ids(await store.read())).toEqual(['bd-aaaa', 'bd-bbbb']);
		expect(notices[0]).toMatch(/no backup validates.*2 tasks/);
	});
});

describe("TaskStore with a person's mistake", () => {
	const mistakes: Array<[string, string, RegExp]> = [
		['a line that is not JSON', 'this is not json', /line 2: is not valid JSON/],
		[
			'a broken schema',
			'{"id":"bd-x","title":"t","priority":"urgent"}',
			/line 2: field "priority" must be one of critical, high, medium, low/,
		],
		['a missing title', '{"id":"bd-x"}', /line 2: field "title" is required/],
		[
			'an id that escapes a folder',
			'{"id":"../x","title":"t"}',
			/line 2: field "id" must be 1-64 letters/,
		],
		['a duplicate id', line({id: 'bd-aaaa'}), /line 2: field "id" repeats "bd-aaaa" from line 1/],
		[
			'git conflict markers',
			'<<<<<<< HEAD',
			/line 2: holds a git merge conflict marker; resolve the merge, then run `jetpack-tui validate`/,
		],
	];

	for (const [name, bad, message] of mistakes) {
		it(`reports ${name} by line and leaves the file untouched`, async () => {
			const {file, store} = await storeWith([line({id: 'bd-aaaa'}), bad, line({id: 'bd-zzzz'})]);
			const before = readFileSync(file);
			await expect(store.read()).rejects.toThrow(message);
			await expect(add(store, 'x')).rejects.toBeInstanceOf(StoreError);
			expect(readFileSync(file)).toEqual(before);
			expect(readdirSync(path.dirname(file)).filter((n) => n.includes('corrupt'))).toEqual([]);
		});
	}

	it('restores from backup only when asked, keeping the mistaken file aside', async () => {
		const {file, store, dir} = await storeWith([line({id: 'bd-aaaa'})]);
		await add(store, 'b');
		await add(store, 'c');
		const good = readFileSync(file);
		writeFileSync(file, `${readFileSync(file, 'utf8')}oops\n`);
		const mistaken = readFileSync(file);
		const outcome = await store.recover();
		expect(outcome.kind).toBe('restored');
		expect(readFileSync(file)).toEqual(good);
		const aside =
			readdirSync(path.join(dir, '.beads')).find((n) => n.startsWith('tasks.jsonl.corrupt-')) ?? '';
		expect(readFileSync(path.join(dir, '.beads', aside))).toEqual(mistaken);
	});
});

describe('the lock', () => {
	it('takes over at once a lock left by a process killed while holding it', async () => {
		const {store, file} = await storeWith([line({id: 'bd-aaaa'})]);
		await killedHoldingLock(file);
		expect(readdirSync(`${file}.lock`)).toEqual(['owner.json']);

		// With a stale time of a minute and a wait of 20 s, only the dead-owner takeover can get the lock.
		const patient = new TaskStore(path.dirname(path.dirname(file)), {
			staleMs: 60_000,
			lockTimeoutMs: 20_000,
		});
		await add(patient, 'after the kill');
		expect((await store.read()).size).toBe(2);
	});

	it('takes over a stale lock with no owner after the stale time', async () => {
		const {store, file} = await storeWith([line({id: 'bd-aaaa'})]);
		mkdirSync(`${file}.lock`);
		const old = new Date(Date.now() - 60_000);
		utimesSync(`${file}.lock`, old, old);
		await add(store, 'after a stale lock');
		expect((await store.read()).size).toBe(2);
	});

	it('says who holds the lock when it cannot be had in time', async () => {
		const dir = await tempRepo();
		const holder = new TaskStore(dir);
		await holder.update((tasks) => ({tasks, result: undefined}));
		const lock = await acquireStoreLock(holder.file, {staleMs: 10_000, timeoutMs: 1000});
		const waiter = new TaskStore(dir, {lockTimeoutMs: 300});
		await expect(waiter.update((tasks) => ({tasks, result: 1}))).rejects.toThrow(
			new RegExp(
				`locked by pid ${process.pid} on .*; if no jetpack-tui is running, remove .*tasks.jsonl.lock and try again`,
			),
		);
		await lock.release();
	});

	it('keeps a lock held past its refresh interval', async () => {
		const {file} = await storeWith([line({id: 'bd-aaaa'})]);
		const lock = await acquireStoreLock(file, {staleMs: 2000, timeoutMs: 1000});
		// proper-lockfile refreshes the folder's mtime every second here and checks it is unchanged.
		await new Promise((resolve) => setTimeout(resolve, 2600));
		await expect(lock.assertHeld()).resolves.toBeUndefined();
		expect(lock.lost).toBe(false);
		await lock.release();
		expect(readdirSync(path.dirname(file))).not.toContain('tasks.jsonl.lock');
	});

	it('loses its lock to another process while stalled, then re-takes it and keeps both writes', async () => {
		const {store, file} = await storeWith([line({id: 'bd-aaaa'})]);
		const other = `import {TaskStore} from ${JSON.stringify(new URL('../../dist/adapters/task-store.js', import.meta.url).href)};
			import {addTask} from ${JSON.stringify(new URL('../../dist/core/task-ops.js', import.meta.url).href)};
			const store = new TaskStore(${JSON.stringify(path.dirname(path.dirname(file)))}, {staleMs: 2000});
			const task = await store.update((tasks) => addTask(tasks, {title: 'written while the first writer stalled'}, {now: new Date(), random: Math.random}));
			process.stdout.write(task.id);`;
		let calls = 0;
		let otherId = '';
		const mine = await store.update((tasks) => {
			calls++;
			if (calls === 1) {
				// Block this event loop (so the lock goes stale) while another process takes the lock over and writes.
				const child = spawnSync(process.execPath, ['--input-type=module', '-e', other], {
					encoding: 'utf8',
				});
				expect(child.status, child.stderr).toBe(0);
				otherId = child.stdout;
			}

			return addTask(tasks, {title: 'written by the stalled writer'}, context());
		});
		expect(calls).toBe(2);
		const table = await store.read();
		expect(table.has(otherId)).toBe(true);
		expect(table.has(mine.id)).toBe(true);
		expect(table.size).toBe(3);
	});

	it("loses nothing when several processes race to take over a dead owner's lock", async () => {
		const dir = await tempRepo();
		const store = new TaskStore(dir);
		await store.update((tasks) => ({
			tasks: new Map(tasks).set('counter', newTask({id: 'counter', title: 'shared counter'})),
			result: undefined,
		}));
		const worker = fileURLToPath(new URL('../helpers/store-worker.mjs', import.meta.url));
		const rounds = 8;
		const racers = 6;
		// What the workers said (the store's notices go to stderr), to tell why if a count is off.
		const said: string[] = [];
		for (let round = 0; round < rounds; round++) {
			await killedHoldingLock(store.file);
			const codes = await Promise.all(
				Array.from({length: racers}, async (_, index) => {
					const child = spawn(
						process.execPath,
						[worker, dir, 'count', String(round * racers + index), '2'],
						{stdio: ['ignore', 'ignore', 'pipe']},
					);
					child.stderr.setEncoding('utf8').on('data', (text: string) => {
						said.push(`round ${round}, worker ${index}: ${text.trim()}`);
					});
					return new Promise<number | null>((resolve) => child.on('close', resolve));
				}),
			);
			expect(codes, said.join('\n')).toEqual(Array.from({length: racers}, () => 0));
		}

		const table = await store.read();
		expect(table.get('counter')?.metadata, said.join('\n')).toEqual({count: rounds * racers});
		expect(table.size).toBe(1 + rounds * racers);
	}, 120_000);

	it('refuses to write through a symlinked store and leaves its target alone', async () => {
		const {store, file, dir} = await storeWith([line({id: 'bd-aaaa'})]);
		const target = path.join(dir, 'elsewhere.jsonl');
		writeFileSync(target, readFileSync(file));
		rmSync(file);
		symlinkSync(target, file);
		const before = readFileSync(target);
		await expect(add(store, 'x')).rejects.toThrow(/\.beads\/tasks\.jsonl is a symbolic link/);
		expect(readFileSync(target)).toEqual(before);
	});

	it('survives losing its lock mid-transaction: re-takes it, re-reads, applies once more', async () => {
		const {store, file} = await storeWith([line({id: 'bd-aaaa'})]);
		let calls = 0;
		const result = await store.update((tasks) => {
			calls++;
			if (calls === 1) {
				// Another process "takes over" (as after a stall past the stale time) and dies.
				rmSync(`${file}.lock`, {recursive: true});
				mkdirSync(`${file}.lock`);
				writeFileSync(
					`${file}.lock/owner.json`,
					JSON.stringify({pid: deadPid(), host: os.hostname(), token: 'other', since: ''}),
				);
			}

			return addTask(tasks, {title: 'after a lost lock'}, context());
		});
		expect(calls).toBe(2);
		const table = await store.read();
		expect(table.get(result.id)?.title).toBe('after a lost lock');
		expect(table.size).toBe(2);
	});

	it('removes temp files left by a killed writer', async () => {
		const {store, file} = await storeWith([line({id: 'bd-aaaa'})]);
		writeFileSync(`${file}.123456789`, 'half a write');
		await add(store, 'x');
		expect(readdirSync(path.dirname(file)).filter((n) => /^tasks\.jsonl\.\d+$/.test(n))).toEqual(
			[],
		);
	});
});

/** The pid of a process that has exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
		encoding: 'utf8',
	});
	return Number(child.stdout);
}

/** A real process takes the store's lock and is killed holding it. */
async function killedHoldingLock(file: string): Promise<void> {
	const holder = spawn(
		process.execPath,
		[
			'--input-type=module',
			'-e',
			`import {acquireStoreLock} from ${JSON.stringify(new URL('../../dist/adapters/store-lock.js', import.meta.url).href)};
			await acquireStoreLock(${JSON.stringify(file)}, {staleMs: 10000, timeoutMs: 5000});
			process.stdout.write('locked\\n');
			setInterval(() => {}, 1000);`,
		],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
	holder.kill('SIGKILL');
	await new Promise((resolve) => holder.on('close', resolve));
}

describe('the table kept in memory', () => {
	it('reads the file once while it stays the version read, and again once it changes', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa', status: 'ready'})]);
		const first = await store.read();
		expect(await store.read()).toBe(first);
		writeFileSync(file, `${readFileSync(file, 'utf8')}${line({id: 'bd-hand'})}\n`);
		const second = await store.read();
		expect(ids(second)).toEqual(['bd-aaaa', 'bd-hand']);
	});

	it('re-reads only the lines that changed: the other tasks are the objects it had', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa'}), line({id: 'bd-bbbb'})]);
		const before = await store.read();
		writeFileSync(file, readFileSync(file, 'utf8').replace('task bd-bbbb', 'renamed by hand'));
		const after = await store.read();
		expect(after.get('bd-aaaa')).toBe(before.get('bd-aaaa'));
		expect(after.get('bd-bbbb')?.title).toBe('renamed by hand');

		await add(store, 'written by us');
		const ours = await store.read();
		writeFileSync(file, readFileSync(file, 'utf8').replace('renamed by hand', 'again'));
		const third = await store.read();
		expect(third.get('bd-aaaa')).toBe(ours.get('bd-aaaa'));
		expect(third.get('bd-bbbb')?.title).toBe('again');
	});

	it('sees an edit in place of the same size made right after a read', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa', title: 'before'})]);
		await store.read();
		// Same size, same inode, likely the same time stamp: only the bytes tell.
		writeFileSync(file, readFileSync(file, 'utf8').replace('before', 'after!'));
		expect((await store.read()).get('bd-aaaa')?.title).toBe('after!');
	});

	it.each([
		['in the first piece compared', 'bd-0000'],
		['past its first 64 KB', 'bd-0499'],
	])(
		'never clobbers an edit in place of the same size, its time stamp put back, made during a transaction (%s)',
		async (_, id) => {
			// Only the bytes tell this edit from the version the transaction read.
			const all = Array.from({length: 500}, (__, i) => `bd-${String(i).padStart(4, '0')}`);
			const {file, store} = await storeWith(all.map((each) => line({id: each, title: 'before'})));
			expect(statSync(file).size).toBeGreaterThan(100_000);
			let edited = false;
			await store.update((tasks) => {
				if (!edited) {
					edited = true;
					const {mtimeNs} = statSync(file, {bigint: true});
					const text = readFileSync(file, 'utf8');
					const at = text.indexOf('"before"', text.indexOf(`"${id}"`));
					writeFileSync(file, `${text.slice(0, at)}"after!"${text.slice(at + '"before"'.length)}`);
					// To the nanosecond (utimes takes seconds as a float, too coarse for that).
					const nanos = (mtimeNs % 1_000_000_000n).toString().padStart(9, '0');
					execFileSync('touch', ['-m', '-d', `@${mtimeNs / 1_000_000_000n}.${nanos}`, file]);
				}

				return addTask(tasks, {title: 'mine'}, context());
			});
			const table = await store.read();
			expect(table.get(id)?.title).toBe('after!');
			expect([...table.values()].filter((task) => task.title === 'mine')).toHaveLength(1);
		},
	);

	it('tells its own write from a change made by someone else', async () => {
		const {file, store} = await storeWith([line({id: 'bd-aaaa'})]);
		expect(await store.isOwnVersion()).toBe(false);
		await add(store, 'mine');
		expect(await store.isOwnVersion()).toBe(true);
		expect(await store.read()).toBe(await store.read());
		writeFileSync(file, `${readFileSync(file, 'utf8')}${line({id: 'bd-hand'})}\n`);
		expect(await store.isOwnVersion()).toBe(false);
		await store.read();
		expect(await store.isOwnVersion()).toBe(false);
		await add(store, 'mine again');
		expect(await store.isOwnVersion()).toBe(true);
		expect(await new TaskStore(path.dirname(path.dirname(file))).isOwnVersion()).toBe(false);
	});
});
