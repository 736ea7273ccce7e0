/**
 * `jetpack-tui mcp` through the SDK's own client over a real stdio pipe: the built CLI spawned as
 * an MCP client spawns it, one server for the file, a real store in a temporary folder.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {cliPath, runCli} from '../helpers/cli.js';
import {repoWith} from '../helpers/temp-repo.js';

interface ToolResult {
	readonly isError?: boolean;
	readonly content: ReadonlyArray<{readonly type: string; readonly text?: string}>;
}

let client: Client;
let repo: string;
let stderr = '';

const stored = (): Array<Record<string, unknown>> =>
	readFileSync(path.join(repo, '.beads', 'tasks.jsonl'), 'utf8')
		.split('\n')
		.filter((line) => line !== '')
		.map((line) => JSON.parse(line) as Record<string, unknown>);

async function call(name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
	return (await client.callTool({name, arguments: args})) as ToolResult;
}

/** The JSON a successful call answers (its last text), and its sentence when it has one. */
async function data<T = Record<string, unknown>>(
	name: string,
	args: Record<string, unknown> = {},
): Promise<{message?: string; data: T}> {
	const result = await call(name, args);
	const texts = result.content.map((item) => item.text ?? '');
	expect(result.isError ?? false, texts.join('\n')).toBe(false);
	return {
		...(texts.length > 1 ? {message: texts[0]} : {}),
		data: JSON.parse(texts.at(-1) ?? '') as T,
	};
}

async function error(name: string, args: Record<string, unknown>): Promise<string> {
	const result = await call(name, args);
	expect(result.isError).toBe(true);
	return result.content.map((item) => item.text).join('\n');
}

const at = '2026-11-20T09:00:00.000Z';

beforeAll(async () => {
	// One repository for the whole file (repoWith's are removed after each test).
	repo = mkdtempSync(path.join(os.tmpdir(), 'jetpack-mcp-'));
	mkdirSync(path.join(repo, '.beads'));
	const tasks = [
		{id: 'bd-db', title: 'Create the users table', estimatedMinutes: 20, createdAt: at},
		{id: 'bd-ui', title: 'Draw the form', tags: ['ui'], priority: 'high', createdAt: at},
		{id: 'bd-old', title: 'Done long ago', status: 'completed', createdAt: at},
	];
	writeFileSync(
		path.join(repo, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	const transport = new StdioClientTransport({
		command: process.execPath,
		args: [cliPath, 'mcp'],
		cwd: repo,
		env: {...(process.env as Record<string, string>), NO_COLOR: '1', JETPACK_DEBUG: ''},
		stderr: 'pipe',
	});
	transport.stderr?.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
	});
	client = new Client({name: 'jetpack-test', version: '1.0.0'});
	await client.connect(transport);
});

afterAll(async () => {
	await client.close();
	rmSync(repo, {recursive: true, force: true});
});

describe('jetpack-tui mcp', () => {
	it('lists its tools, each with an input schema, the reads marked read-only', async () => {
		const {tools} = await client.listTools();
		expect(tools.map((tool) => tool.name)).toEqual([
			'list_tasks',
			'show_task',
			'add_task',
			'complete_task',
			'fail_task',
			'block_task',
			'unblock_task',
			'add_note',
			'ready_tasks',
			'critical_path',
			'run_status',
		]);
		const add = tools.find((tool) => tool.name === 'add_task');
		expect(add?.inputSchema.required).toEqual(['title']);
		expect(Object.keys(add?.inputSchema.properties ?? {})).toEqual([
			'title',
			'description',
			'priority',
			'dependencies',
			'requiredSkills',
			'tags',
			'estimatedMinutes',
		]);
		expect(tools.find((tool) => tool.name === 'ready_tasks')?.annotations?.readOnlyHint).toBe(true);
		expect(tools.find((tool) => tool.name === 'complete_task')?.annotations?.readOnlyHint).toBe(
			false,
		);
	});

	it('adds a task with dependencies, skills and an estimate, in the store at once', async () => {
		const added = await data('add_task', {
			title: '  Add the user repository ',
			description: 'In src/users.ts.',
			priority: '1',
			dependencies: ['bd-db'],
			requiredSkills: ['ts'],
			tags: ['api'],
			estimatedMinutes: 45,
		});
		const id = added.data['id'] as string;
		expect(id).toMatch(/^bd-[\da-z]{4,}$/);
		expect(added.message).toBe(`${id} added; it is pending.`);
		expect(stored().find((task) => task['id'] === id)).toMatchObject({
			title: 'Add the user repository',
			priority: 'high',
			status: 'pending',
			dependencies: ['bd-db'],
			requiredSkills: ['ts'],
			tags: ['api'],
			estimatedMinutes: 45,
		});

		const shown = await data<{dependencies: unknown[]; dependents: unknown[]}>('show_task', {
			id: 'bd-db',
		});
		expect(shown.data.dependents).toEqual([
			{id, title: 'Add the user repository', status: 'pending'},
		]);
	});

	it('lists tasks with the filters of task list, bounded by a limit', async () => {
		const all = await data<{total: number; tasks: Array<{id: string}>}>('list_tasks');
		expect(all.data.total).toBe(4);
		const ready = await data<{tasks: Array<{id: string}>}>('list_tasks', {ready: true});
		expect(ready.data.tasks.map((task) => task.id)).toEqual(['bd-db', 'bd-ui']);
		const byTag = await data<{tasks: Array<{id: string}>}>('list_tasks', {tag: 'ui'});
		expect(byTag.data.tasks.map((task) => task.id)).toEqual(['bd-ui']);
		const bySkill = await data<{tasks: Array<{title: string}>}>('list_tasks', {skill: 'ts'});
		expect(bySkill.data.tasks.map((task) => task.title)).toEqual(['Add the user repository']);
		const done = await data<{tasks: Array<{id: string}>}>('list_tasks', {status: 'completed'});
		expect(done.data.tasks.map((task) => task.id)).toEqual(['bd-old']);
		expect(await data('list_tasks', {limit: 1})).toMatchObject({data: {total: 4, shown: 1}});
	});

	it('answers the ready work in the order the scheduler hands it out, and the critical path', async () => {
		const ready = await data<{tasks: Array<{id: string}>}>('ready_tasks');
		// bd-ui is high priority; bd-db has the longer chain behind it but medium priority.
		expect(ready.data.tasks.map((task) => task.id)).toEqual(['bd-ui', 'bd-db']);
		const path = await data<{path: string[]; minutes: number; next: string[]; agents: number}>(
			'critical_path',
			{agents: 2},
		);
		expect(path.data.path[0]).toBe('bd-db');
		expect(path.data).toMatchObject({minutes: 65, next: ['bd-db'], agents: 2});
	});

	it('completes a task with a note that its dependents then carry, and frees them', async () => {
		const done = await data('complete_task', {id: 'bd-db', note: 'The DB listens on 5433'});
		expect(done.message).toBe('bd-db completed.');
		expect(stored().find((task) => task['id'] === 'bd-db')).toMatchObject({
			status: 'completed',
			notes: ['The DB listens on 5433'],
		});
		const noted = await data('add_note', {id: 'bd-db', note: 'migrations run on start'});
		expect(noted.message).toBe('bd-db: noted (2 of at most 20).');
		const shown = await runCli(['task', 'show', 'bd-db'], {cwd: repo});
		expect(shown.stdout).toContain(
			'notes\n    - The DB listens on 5433\n    - migrations run on start',
		);
		const ready = await data<{tasks: Array<{title: string}>}>('ready_tasks');
		expect(ready.data.tasks.map((task) => task.title)).toContain('Add the user repository');
	});

	it('fails, blocks and unblocks tasks with the lines the CLI prints', async () => {
		expect((await data('fail_task', {id: 'bd-ui', reason: 'no designs'})).message).toBe(
			'bd-ui failed: no designs',
		);
		expect((await data('block_task', {id: 'bd-ui', reason: 'waiting for designs'})).message).toBe(
			'bd-ui blocked: waiting for designs',
		);
		expect((await data('unblock_task', {id: 'bd-ui'})).message).toBe(
			'bd-ui unblocked; it is ready.',
		);
	});

	it.each<[string, string, Record<string, unknown>, string]>([
		[
			'an unknown task',
			'show_task',
			{id: 'bd-zz'},
			'There is no task "bd-zz"; `jetpack-tui task list` shows the ids.',
		],
		['an empty title', 'add_task', {title: ' '}, 'The title is empty; give the task a title.'],
		[
			'an unknown dependency',
			'add_task',
			{title: 'x', dependencies: ['bd-zz']},
			'--dep "bd-zz": there is no such task; `jetpack-tui task list` shows the ids.',
		],
		[
			'a priority that is not one',
			'add_task',
			{title: 'x', priority: 'urgent'},
			'--priority "urgent" is not a priority; use critical, high, medium, low or 0-4.',
		],
		[
			'an estimate of nothing',
			'add_task',
			{title: 'x', estimatedMinutes: 0},
			'--estimate 0 is not a number of minutes above 0.',
		],
		[
			'a status that is not one',
			'list_tasks',
			{status: 'done'},
			'--status "done" is not a status; use pending, ready, claimed, in_progress, review, blocked, completed, failed.',
		],
		[
			'a block with an empty reason',
			'block_task',
			{id: 'bd-ui', reason: ' '},
			'--reason is empty; say why the task is blocked.',
		],
		[
			'an empty note',
			'complete_task',
			{id: 'bd-ui', note: ''},
			'--note is empty; say what the next task should know.',
		],
		[
			'a completed task blocked',
			'block_task',
			{id: 'bd-old', reason: 'why'},
			'bd-old is completed; there is nothing to hold back.',
		],
		[
			'an agent count of none',
			'critical_path',
			{agents: 0},
			'-a 0 is not a number of agents; give a whole number of at least 1.',
		],
	])(
		'answers %s with the CLI’s sentence as an error, changing nothing',
		async (_name, tool, args, message) => {
			const before = readFileSync(path.join(repo, '.beads', 'tasks.jsonl'), 'utf8');
			expect(await error(tool, args)).toBe(message);
			expect(readFileSync(path.join(repo, '.beads', 'tasks.jsonl'), 'utf8')).toBe(before);
		},
	);

	it('answers arguments that break the schema as an error, and goes on serving', async () => {
		expect(await error('list_tasks', {limit: 0})).toMatch(/limit/);
		expect(await error('show_task', {})).toMatch(/id/);
		expect((await data('run_status')).data).toMatchObject({run: null});
	});

	it('sees what the CLI changed between two calls: each call reads the store anew', async () => {
		const added = await runCli(['task', 'add', 'Added from the shell', '--tag', 'shell'], {
			cwd: repo,
		});
		expect(added.code).toBe(0);
		const listed = await data<{tasks: Array<{id: string}>}>('list_tasks', {tag: 'shell'});
		expect(listed.data.tasks.map((task) => task.id)).toEqual([added.stdout.trim()]);
		const status = await data<{tasks: {total: number; byStatus: Record<string, number>}}>(
			'run_status',
		);
		expect(status.data.tasks.total).toBe(5);
		expect(stderr).toBe('');
	});
});

describe('the server process', () => {
	it('ends with exit 0 when its stdin closes, having written only protocol to stdout, a bad line said on stderr', async () => {
		const dir = await repoWith([{id: 'bd-a', title: 'a'}]);
		const child = spawn(process.execPath, [cliPath, 'mcp'], {
			cwd: dir,
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let errors = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
		const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
			child.on('exit', (code, signal) => resolve([code, signal]));
		});
		const request = (id: number, method: string, params: object) =>
			`${JSON.stringify({jsonrpc: '2.0', id, method, params})}\n`;
		child.stdin.write(
			'not a message\n' +
				request(1, 'initialize', {
					protocolVersion: '2025-06-18',
					capabilities: {},
					clientInfo: {name: 'raw', version: '1'},
				}) +
				`${JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'})}\n` +
				request(2, 'tools/call', {name: 'list_tasks', arguments: {}}),
		);
		// Closed with the call still in the pipe: it is answered before the server ends.
		child.stdin.end();
		expect(await exited).toEqual([0, null]);
		const lines = stdout.trim().split('\n');
		const answers = lines.map((line) => JSON.parse(line) as {id: number; result: unknown});
		expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
		expect(JSON.stringify(answers[1]?.result)).toContain('\\"total\\":1');
		expect(errors).toMatch(/^jetpack-tui: mcp: .*JSON/);
	});
});
