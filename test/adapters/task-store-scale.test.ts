/**
 * Bad input at scale (issue 11, item 15): deep nesting, huge lines, many repeated ids, and a busy
 * read-only command told to stop. Real files and the built CLI.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {addTask} from '../../source/core/task-ops.js';
import {parseStore, serializeStore} from '../../source/core/store-format.js';
import {newTask, taskToJsonLine} from '../../source/core/task.js';
import {cliPath, runCli} from '../helpers/cli.js';
import {tempRepo} from '../helpers/temp-repo.js';

const line = (id: string, extra = '') =>
	taskToJsonLine(newTask({id, title: `task ${id}`})).replace(/}$/, `${extra}}`);

async function repoWithLines(lines: readonly string[]): Promise<{dir: string; file: string}> {
	const dir = await tempRepo();
	mkdirSync(path.join(dir, '.beads'));
	const file = path.join(dir, '.beads', 'tasks.jsonl');
	writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
	return {dir, file};
}

function nested(depth: number): string {
	return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('metadata nested thousands deep', () => {
	it.each([
		['validate', ['validate']],
		['task add', ['task', 'add', 'another']],
		['task list', ['task', 'list']],
	])('%s reports the line and exits 2, with no stack overflow', async (_name, args) => {
		const {dir, file} = await repoWithLines([line('a'), line('b', `,"metadata":${nested(5000)}`)]);
		const before = readFileSync(file);
		const result = await runCli(args, {cwd: dir});
		expect(result.stderr).not.toMatch(/internal error|call stack/);
		expect(result.stderr + result.stdout).toMatch(/line 2: field "metadata".*deeper than 100/);
		expect(result.code).toBe(args[0] === 'validate' ? 1 : 2);
		expect(readFileSync(file).equals(before)).toBe(true);
	});

	it('also in fields the program does not know', () => {
		const result = parseStore(Buffer.from(`${line('a', `,"custom":${nested(5000)}`)}\n`));
		expect(result.kind === 'mistake' && result.problems[0]).toMatchObject({
			line: 1,
			field: 'custom',
		});
	});

	it('keeps nesting well within the limit', () => {
		const result = parseStore(Buffer.from(`${line('a', `,"metadata":${nested(90)}`)}\n`));
		expect(result.kind).toBe('ok');
	});
});

describe('a task line over 1 MiB', () => {
	it('is refused on read, naming the line, and the file is left as it was', async () => {
		const big = 'x'.repeat(1024 * 1024 + 10);
		const {dir, file} = await repoWithLines([
			line('a'),
			line('b', `,"description":"${big}"`.replace('"description":"",', '')),
		]);
		const before = readFileSync(file);
		const result = await runCli(['task', 'list'], {cwd: dir});
		expect(result.stderr).toMatch(/line 2: .*over 1 MiB/);
		expect(result.code).toBe(2);
		expect(readFileSync(file).equals(before)).toBe(true);
	});

	it('is refused on write, naming the task, and nothing is written', async () => {
		const {dir, file} = await repoWithLines([line('a')]);
		const before = readFileSync(file);
		const store = new TaskStore(dir);
		// Longer than one argument may be on a command line, so through the store itself.
		const huge = 'y'.repeat(1024 * 1024 + 10);
		await expect(
			store.update((tasks) =>
				addTask(tasks, {title: 'huge', description: huge}, {now: new Date(), random: Math.random}),
			),
		).rejects.toThrow(/task bd-\w+ would be a line over 1 MiB/);
		expect(readFileSync(file).equals(before)).toBe(true);
	});
});

describe('many repeated ids', () => {
	it('are all reported with the line they repeat, in one pass over the file', () => {
		// Quadratic work here took minutes (issue 11); the test's own deadline is the bound.
		const lines: string[] = [];
		for (let i = 0; i < 40_000; i++) lines.push(line(`t${i % 20_000}`));
		const result = parseStore(Buffer.from(lines.join('\n') + '\n'));
		expect(result.kind).toBe('mistake');
		if (result.kind !== 'mistake') return;
		expect(result.problems).toHaveLength(20_000);
		expect(result.problems[0]?.message).toBe('repeats "t0" from line 1; ids must be unique');
		expect(result.problems.at(-1)?.message).toBe(
			'repeats "t19999" from line 20000; ids must be unique',
		);
	});
});

describe('a busy read-only command', () => {
	it('stops at once on SIGTERM', async () => {
		const tasks = new Map();
		for (let i = 0; i < 100_000; i++) {
			const id = `t${i}`;
			tasks.set(id, newTask({id, title: `task ${i}`, dependencies: i > 0 ? [`t${i - 1}`] : []}));
		}

		const {dir, file} = await repoWithLines([]);
		writeFileSync(file, serializeStore(tasks));
		const size = statSync(file).size;
		const child = spawn(process.execPath, [cliPath, 'deps', '--critical-path', '--json'], {
			cwd: dir,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		const exited = new Promise<{code: number | null; signal: string | null}>((resolve) => {
			child.on('exit', (code, signal) => resolve({code, signal}));
		});
		// Once the whole file has been read, parsing and the graph are synchronous work.
		const readBytes = () => {
			try {
				const io = readFileSync(`/proc/${child.pid}/io`, 'utf8');
				return Number(/rchar: (\d+)/.exec(io)?.[1] ?? 0);
			} catch {
				return Number.POSITIVE_INFINITY;
			}
		};

		while (readBytes() < size) await new Promise((resolve) => setTimeout(resolve, 2));
		child.kill('SIGTERM');
		const {code, signal} = await exited;
		expect(signal === 'SIGTERM' || code === 143).toBe(true);
		// Finishing would have printed the path.
		expect(stdout.length).toBe(0);
	});
});
