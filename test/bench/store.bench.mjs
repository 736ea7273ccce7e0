// Issue 2 and 11: the task store at 10,000 tasks. What a transaction costs, and what it adds over
// a bare atomic write of the same bytes; what the check for an editor's save costs; and
// `deps --critical-path` at 100,000 tasks against a bare JSON.parse of the file, whole processes.
import {
	closeSync,
	fsyncSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readFileSync,
	readSync,
	renameSync,
	rmSync,
	statSync,
	unlinkSync,
	writeFileSync,
	writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {
	backUpVersion,
	commitBackup,
	prepareBackup,
	pruneBackups,
} from '../../dist/adapters/backups.js';
import {TaskStore} from '../../dist/adapters/task-store.js';
import {serializeStore} from '../../dist/core/store-format.js';
import {markDone} from '../../dist/core/task-ops.js';
import {newTask} from '../../dist/core/task.js';
import {syntheticDag} from './graph.bench.mjs';
import {printTable, row, timeProcess, timeRuns} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function syntheticTasks(count, {edgesPerTask = 1.5} = {}) {
	const tasks = new Map();
	const id = (i) => `bd-${i.toString(36).padStart(4, '0')}`;
	for (let i = 0; i < count; i++) {
		const dependencies = [];
		const wanted = Math.floor((edgesPerTask * 2 * ((i * 7919) % 100)) / 100);
		for (let k = 1; k <= wanted && i - k * 3 >= 0; k++)
			dependencies.push(id(i - k * 3 - ((i * k) % 5 === 0 ? 0 : (i * k) % 3)));
		tasks.set(
			id(i),
			newTask({
				id: id(i),
				title: `Implement part ${i} of the lending flow: endpoint, validation and tests`,
				description:
					'Add the handler in src/api/loans.ts, validate the body with the shared schema, return 409 when the book is out, and cover it in test/api/loans.test.ts.',
				status: i % 5 === 0 ? 'completed' : 'pending',
				priority: ['critical', 'high', 'medium', 'low'][i % 4],
				dependencies: [...new Set(dependencies)],
				tags: ['api', 'db', 'ui'].slice(0, (i % 3) + 1),
				requiredSkills: ['typescript'],
				estimatedMinutes: 5 + (i % 60),
				createdAt: '2026-11-20T09:00:00.000Z',
				extra: {sim: {ms: 3000, exit: 0, output: 'lines'}},
			}),
		);
	}

	return tasks;
}

export async function run() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-store-'));
	try {
		const tasks = syntheticTasks(10_000);
		const text = serializeStore(tasks);
		mkdirSync(path.join(dir, '.beads'));
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		writeFileSync(file, text);
		const sizeMb = (Buffer.byteLength(text) / 1e6).toFixed(1);

		const rows = [];
		rows.push(row('node -e 0 (process floor)', timeProcess(10, [process.execPath, '-e', '0'])));
		rows.push(
			row(
				'task list --json, cold process',
				timeProcess(10, [process.execPath, cli, 'task', 'list', '--json'], {cwd: dir}),
				`10,000 tasks, ${sizeMb} MB`,
			),
		);

		// Settle once so every later transaction changes exactly one task.
		const store = new TaskStore(dir, {backups: 20});
		await store.update((t) => ({tasks: t, result: undefined}));
		const ids = [...tasks.keys()].filter((id) => tasks.get(id).status !== 'completed');
		let next = 0;
		rows.push(
			row(
				'task done, cold process',
				timeProcess(10, [process.execPath, cli, 'task', 'done', ids[next++]], {cwd: dir}).map(
					(ms, i) => (i === 0 ? ms : ms),
				),
			),
		);
		const tx = await timeRuns(50, async () => {
			const id = ids[next++];
			await store.update((current) =>
				markDone(current, id, {now: new Date(), random: Math.random}),
			);
		});
		rows.push(
			row(
				'one transaction (lock..unlock)',
				tx,
				'in process, one task changed: lock, check, apply, write+fsync, backup, rename, fsync dir',
			),
		);

		const bytes = readFileSync(file);
		const bare = await timeRuns(50, async () => bareAtomicWrite(file, bytes));
		rows.push(
			row(
				'bare atomic write, same bytes',
				bare,
				'write temp + fsync + rename + fsync dir, nothing else',
			),
		);

		const piece = Buffer.allocUnsafe(64 * 1024);
		const check = await timeRuns(50, async () => {
			// What #assertUnchanged does right before the rename.
			try {
				unlinkSync(path.join(dir, '.beads', '.no-such-file'));
			} catch {
				// ENOENT: the point is the folder lock it waits for.
			}
			// The file compared with the version known a 64 KB piece at a time, as the store does.
			const fd = openSync(file, 'r');
			let same = true;
			for (let at = 0; same;) {
				const n = readSync(fd, piece, 0, piece.length, at);
				if (n === 0) {
					same = at === bytes.length;
					break;
				}

				same = at + n <= bytes.length && piece.subarray(0, n).equals(bytes.subarray(at, at + n));
				at += n;
			}

			statSync(file, {bigint: true});
			closeSync(fd);
			if (!same) throw new Error('changed');
		});
		rows.push(row('the change check alone', check, 'stat + read + compare the bytes'));

		const backupDir = path.join(dir, '.beads', 'backups');
		const newBackup = await timeRuns(50, async () => {
			await commitBackup(await prepareBackup(file, backupDir), backupDir, new Date());
			await pruneBackups(backupDir, 20);
		});
		rows.push(
			row(
				'backup of the new version',
				newBackup,
				'reflink or kernel copy + fsync, rename, fsync dir, prune to 20',
			),
		);
		const rotation = await timeRuns(50, async () => {
			await backUpVersion(file, backupDir, new Date());
			await pruneBackups(backupDir, 20);
		});
		rows.push(row('hard link of a replaced version', rotation, 'link, fsync dir, prune to 20'));

		const parse = await timeRuns(10, async () => {
			for (const line of readFileSync(file, 'utf8').split('\n')) if (line !== '') JSON.parse(line);
		});
		rows.push(
			row('bare read + JSON.parse of every line', parse, 'the floor for any tool reading the file'),
		);

		printTable('Task store, 10,000 tasks (issues 2, 11)', rows);
		const p50 = (name) => rows.find((r) => r.name === name).p50;
		console.log(
			`\ntransaction / bare atomic write (p50): ${(p50('one transaction (lock..unlock)') / p50('bare atomic write, same bytes')).toFixed(2)}x`,
		);
		await criticalPath();
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

function bareAtomicWrite(file, bytes) {
	const temp = `${file}.bare`;
	const fd = openSync(temp, 'w');
	writeSync(fd, bytes);
	fsyncSync(fd);
	closeSync(fd);
	renameSync(temp, file);
	const dirFd = openSync(path.dirname(file), 'r');
	fsyncSync(dirFd);
	closeSync(dirFd);
}

const bareParse = `const fs = require('node:fs');
for (const line of fs.readFileSync(process.argv[1], 'utf8').split('\\n')) if (line !== '') JSON.parse(line);`;

/** `deps --critical-path` at 100,000 tasks against a bare parse of the same file, as processes. */
async function criticalPath() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-deps-'));
	try {
		const {tasks} = syntheticDag(100_000);
		mkdirSync(path.join(dir, '.beads'));
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		writeFileSync(file, serializeStore(tasks));
		const rows = [
			row(
				'bare read + JSON.parse, process',
				timeProcess(7, [process.execPath, '-e', bareParse, file]),
			),
			row(
				'deps --critical-path, process',
				timeProcess(7, [process.execPath, cli, 'deps', '--critical-path', '-C', dir]),
				`100,000 tasks, ${(statSync(file).size / 1e6).toFixed(1)} MB`,
			),
		];
		printTable('deps --critical-path, 100,000 tasks (issue 11)', rows);
		console.log(
			`\ndeps process / bare parse process (p50): ${(rows[1].p50 / rows[0].p50).toFixed(2)}x (goal: within 2x)`,
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
