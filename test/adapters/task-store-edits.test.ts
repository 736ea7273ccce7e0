/**
 * Nothing acknowledged is lost (issue 11, items 9 and 10): an editor saving the file while the
 * store writes, and damage right after a write. Real files, a real second process, no lock mocks.
 */
import {spawn} from 'node:child_process';
import {
	closeSync,
	mkdirSync,
	openSync,
	readFileSync,
	truncateSync,
	writeSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {addTask, markDone} from '../../source/core/task-ops.js';
import {newTask, taskToJsonLine, type TaskTable} from '../../source/core/task.js';
import {tempRepo} from '../helpers/temp-repo.js';

const context = () => ({now: new Date(), random: Math.random});

async function repo(): Promise<{dir: string; file: string}> {
	const dir = await tempRepo();
	mkdirSync(path.join(dir, '.beads'));
	const file = path.join(dir, '.beads', 'tasks.jsonl');
	writeFileSync(
		file,
		`${taskToJsonLine(newTask({id: 'counter', title: 'counter', status: 'ready', metadata: {count: 0}}))}\n`,
	);
	return {dir, file};
}

function increment(tasks: TaskTable) {
	const counter = tasks.get('counter');
	if (counter === undefined) throw new Error('no counter');
	const next = new Map(tasks);
	const count = (counter.metadata?.['count'] as number | undefined) ?? 0;
	next.set('counter', {...counter, metadata: {count: count + 1}});
	return {tasks: next, result: undefined};
}

/**
 * Saves the file 30 times, each time with one more task line, as editors do: half by writing a
 * temp file and renaming it, half by truncating the file and writing it in place. Takes no lock.
 */
const editor = `
const fs = require('node:fs');
const file = process.argv[1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
	for (let k = 0; k < 30; k++) {
		await sleep(5 + Math.random() * 25);
		const text = fs.readFileSync(file, 'utf8');
		const next = text + JSON.stringify({id: 'edit-' + k, title: 'typed by hand ' + k}) + '\\n';
		if (k % 2 === 0) {
			fs.writeFileSync(file + '.swp', next);
			fs.renameSync(file + '.swp', file);
		} else fs.writeFileSync(file, next);
	}
})();
`;

describe('an editor saving the file during transactions', () => {
	it('loses no edit: the writer notices the file changed and applies its change again', async () => {
		const {dir, file} = await repo();
		const store = new TaskStore(dir, {staleMs: 2000});
		const child = spawn(process.execPath, ['-e', editor, file], {stdio: 'inherit'});
		let done = false;
		const exited = new Promise<number | null>((resolve) => {
			child.on('exit', (code) => {
				done = true;
				resolve(code);
			});
		});
		let transactions = 0;
		while (!done) {
			await store.update(increment);
			transactions++;
		}

		expect(await exited).toBe(0);
		const tasks = await new TaskStore(dir).read();
		const lost = Array.from({length: 30}, (_, k) => `edit-${k}`).filter((id) => !tasks.has(id));
		// Without the check 9 to 14 of the 30 were lost. What is left is a race the kernel gives no
		// way to close from Node (no renameat2 RENAME_EXCHANGE): a save that lands in the
		// microseconds between the check and the rename (3 single edits in 40 runs of 30 saves).
		// Two is allowed so that a loaded machine's bad luck is not a failure; a regression is 9+.
		expect(lost.length).toBeLessThanOrEqual(2);
		expect(transactions).toBeGreaterThan(0);
	});
});

describe('damage right after a write', () => {
	const damages: Array<[string, (file: string) => void]> = [
		[
			'the file truncated mid-line',
			(file) => {
				truncateSync(file, readFileSync(file).length - 17);
			},
		],
		[
			'NUL bytes written over part of it',
			(file) => {
				const fd = openSync(file, 'r+');
				writeSync(fd, Buffer.alloc(64), 0, 64, 10);
				closeSync(fd);
			},
		],
	];

	for (const [name, damage] of damages) {
		it(`restores the last acknowledged write after ${name}`, async () => {
			const {dir, file} = await repo();
			const store = new TaskStore(dir, {staleMs: 2000});
			const added = await store.update((tasks) => addTask(tasks, {title: 'to finish'}, context()));
			await store.update((tasks) => markDone(tasks, added.id, context()));
			const acknowledged = readFileSync(file);
			damage(file);

			const notices: string[] = [];
			const restored = await new TaskStore(dir, {
				onNotice: (message) => notices.push(message),
			}).read();
			expect(restored.get(added.id)?.status).toBe('completed');
			expect(readFileSync(file).equals(acknowledged)).toBe(true);
			expect(notices).toHaveLength(1);
		});
	}
});
