/**
 * Once the rename has put a change in place, the change is made: nothing that fails after it (the
 * folder's fsync, the backup's commit or prune) may report it failed, or a caller would redo it
 * (claim a task again, say `task done` failed). Real files; the disk's errors are injected with
 * strace into a real `task add`.
 */
import {spawnSync} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {addTask} from '../../source/core/task-ops.js';
import {cliPath, runCli} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

const newest = (dir: string) => {
	const backups = path.join(dir, '.beads', 'backups');
	const names = readdirSync(backups)
		.filter((name) => name.startsWith('tasks-'))
		.sort();
	return readFileSync(path.join(backups, names.at(-1) ?? 'none'));
};

const storeBytes = (dir: string) => readFileSync(path.join(dir, '.beads', 'tasks.jsonl'));

async function storeIn(dir: string) {
	const notices: string[] = [];
	const store = new TaskStore(dir, {onNotice: (message) => notices.push(message)});
	const add = async (title: string) =>
		store.update((tasks) => {
			const change = addTask(tasks, {title}, {now: new Date(), random: Math.random});
			return {tasks: change.tasks, result: change.result.id};
		});
	return {store, notices, add};
}

describe('a write whose backup cannot be made', () => {
	for (const breakage of ['a regular file', 'a dangling symlink'] as const) {
		it(`resolves with the change on disk when .beads/backups is ${breakage}, and the next write backs up again`, async () => {
			const dir = await tempRepo();
			const {store, notices, add} = await storeIn(dir);
			await add('first');
			const backups = path.join(dir, '.beads', 'backups');
			rmSync(backups, {recursive: true});
			if (breakage === 'a regular file') writeFileSync(backups, 'not a folder\n');
			else symlinkSync(path.join(dir, 'nowhere', 'backups'), backups);

			const second = await add('second');
			const third = await add('third');
			const onDisk = storeBytes(dir).toString('utf8');
			expect(onDisk).toContain(`"id":"${second}"`);
			expect(onDisk).toContain(`"id":"${third}"`);
			expect((await store.read()).has(third)).toBe(true);
			// Told once, in a sentence that names the folder and what to do.
			expect(notices).toHaveLength(1);
			expect(notices[0]).toMatch(/without its backup: \.beads\/backups could not take it/);
			expect(notices[0]).toMatch(/Make sure it is a folder/);

			rmSync(backups, {force: true});
			const fourth = await add('fourth');
			expect(newest(dir).equals(storeBytes(dir))).toBe(true);
			expect(newest(dir).toString('utf8')).toContain(fourth);
			// The version written while backups were failing is backed up too.
			expect(
				readdirSync(backups).some((name) =>
					readFileSync(path.join(backups, name)).toString('utf8').includes(`"id":"${third}"`),
				),
			).toBe(true);
		});
	}
});

/** `task add` under strace, which makes the disk fail the given syscall. */
function addUnder(dir: string, title: string, inject: readonly string[]) {
	const run = spawnSync(
		'strace',
		['-f', '-o', '/dev/null', ...inject, process.execPath, cliPath, 'task', 'add', title],
		{cwd: dir, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}},
	);
	return {code: run.status, stdout: run.stdout, stderr: run.stderr};
}

async function cliRepo() {
	const dir = await tempRepo();
	mkdirSync(path.join(dir, '.beads'));
	writeFileSync(path.join(dir, '.beads', 'tasks.jsonl'), '');
	expect((await runCli(['task', 'add', 'first'], {cwd: dir})).code).toBe(0);
	return dir;
}

describe('a `task add` whose disk fails after the rename', () => {
	it('succeeds when the backup cannot be named, says so once, and the next write backs up again', async () => {
		const dir = await cliRepo();
		// The second rename of the process is the backup's (the first puts the store in place).
		const result = addUnder(dir, 'second', ['-e', 'inject=rename:error=EIO:when=2']);
		expect(result.stderr).toMatch(/without its backup/);
		expect(result.code).toBe(0);
		const id = result.stdout.trim();
		expect(storeBytes(dir).toString('utf8')).toContain(`"id":"${id}"`);
		expect(newest(dir).equals(storeBytes(dir))).toBe(false);
		expect(
			readdirSync(path.join(dir, '.beads', 'backups')).some((name) => name.startsWith('.pending-')),
		).toBe(false);

		expect((await runCli(['task', 'add', 'third'], {cwd: dir})).code).toBe(0);
		expect(newest(dir).equals(storeBytes(dir))).toBe(true);
	});

	it('succeeds when the folder cannot be fsynced, and says the change may not be durable', async () => {
		const dir = await cliRepo();
		const beads = path.join(dir, '.beads');
		const result = addUnder(dir, 'second', [
			'-P',
			beads,
			'-e',
			'trace=fsync',
			'-e',
			'inject=fsync:error=EIO',
		]);
		expect(result.stderr).toMatch(/disk reported an error making it durable/);
		expect(result.code).toBe(0);
		expect(storeBytes(dir).toString('utf8')).toContain(`"id":"${result.stdout.trim()}"`);
	});
});

describe('changes made by another writer', () => {
	it('are counted when a transaction of ours re-reads one, though the file is then our own version', async () => {
		const dir = await tempRepo();
		const {store, add} = await storeIn(dir);
		await add('ours');
		expect(await store.isOwnVersion()).toBe(true);
		const before = store.outsideChanges;

		// A `task add` from the CLI lands between two of our transactions.
		const cli = await runCli(['task', 'add', 'from the CLI'], {cwd: dir});
		expect(cli.code).toBe(0);
		await add('ours again');
		expect(await store.isOwnVersion()).toBe(true);
		expect((await store.read()).has(cli.stdout.trim())).toBe(true);
		expect(store.outsideChanges).toBe(before + 1);

		// Our own writes are not news.
		await add('ours once more');
		await store.read();
		expect(store.outsideChanges).toBe(before + 1);
	});
});
