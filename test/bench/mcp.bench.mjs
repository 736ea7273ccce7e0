// Issue 18: what a tool call of `jetpack-tui mcp` costs on a 10,000-task store, through the SDK's
// own client over a real stdio pipe: reads, and writes (each one store transaction, the whole file
// rewritten), beside what one CLI command costs an agent that shells out instead.
import {rmSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StdioClientTransport} from '@modelcontextprotocol/sdk/client/stdio.js';
import {benchRepo, printTable, row, timeProcess, timeRuns} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const size = 10_000;

/** Chains of ten, the first half completed with an attempt and a note, skills and tags spread. */
function store() {
	return Array.from({length: size}, (_, i) => {
		const done = i < size / 2;
		return {
			id: `bd-${String(i).padStart(5, '0')}`,
			title: `Task ${i}: do the part of the work numbered ${i}`,
			description: `What the agent should do for task ${i}, in a sentence or two of plain words.`,
			status: done ? 'completed' : 'pending',
			priority: ['critical', 'high', 'medium', 'low'][i % 4],
			dependencies: i % 10 === 0 ? [] : [`bd-${String(i - 1).padStart(5, '0')}`],
			requiredSkills: i % 7 === 0 ? ['ts'] : [],
			tags: [`area-${i % 20}`],
			estimatedMinutes: 10 + (i % 50),
			...(done
				? {
						attempts: [
							{n: 1, agent: 'claude-1', startedAt: '2026-11-20T09:00:00.000Z', exitCode: 0},
						],
						notes: [`learned something on task ${i}`],
					}
				: {}),
			createdAt: '2026-11-20T08:00:00.000Z',
		};
	});
}

async function connect(dir) {
	const transport = new StdioClientTransport({
		command: process.execPath,
		args: [cli, 'mcp'],
		cwd: dir,
		stderr: 'ignore',
	});
	const client = new Client({name: 'bench', version: '1'});
	await client.connect(transport);
	return client;
}

async function timed(client, count, name, args) {
	return timeRuns(count, async (i) => {
		const result = await client.callTool({name, arguments: args(i)});
		if (result.isError) throw new Error(`${name}: ${result.content[0].text}`);
	});
}

export async function run() {
	const dir = benchRepo('jetpack-bench-mcp-', store(), {notifications: false});
	try {
		const starts = await timeRuns(5, async () => {
			const client = await connect(dir);
			await client.close();
		});
		const client = await connect(dir);
		const open = (i) =>
			`bd-${String(size / 2 + 1 + ((i * 10) % (size / 2 - 10))).padStart(5, '0')}`;
		const reads = 40;
		const writes = 20;
		const rows = [
			row('server start: spawn + initialize (ms)', starts, 'node + the SDK'),
			row(
				'list_tasks, 100 of 10,000 (ms)',
				await timed(client, reads, 'list_tasks', () => ({status: 'pending', limit: 100})),
				'the store read anew each call',
			),
			row('show_task (ms)', await timed(client, reads, 'show_task', (i) => ({id: open(i)}))),
			row('ready_tasks (ms)', await timed(client, reads, 'ready_tasks', () => ({})), 'graph built'),
			row('critical_path (ms)', await timed(client, reads, 'critical_path', () => ({agents: 4}))),
			row('run_status (ms)', await timed(client, reads, 'run_status', () => ({}))),
			row(
				'add_task with a dependency (ms)',
				await timed(client, writes, 'add_task', (i) => ({
					title: `added ${i}`,
					dependencies: [open(i)],
					estimatedMinutes: 20,
				})),
				'lock, read, write 10,000 lines, fsync',
			),
			row(
				'add_note (ms)',
				await timed(client, writes, 'add_note', (i) => ({id: open(i), note: `note ${i}`})),
			),
			row(
				'complete_task with a note (ms)',
				await timed(client, writes, 'complete_task', (i) => ({
					id: open(i),
					note: `done ${i}`,
				})),
			),
		];
		await client.close();
		rows.push(
			row(
				'the CLI instead: task show ID, a process (ms)',
				timeProcess(5, [process.execPath, cli, 'task', 'show', open(0)], {cwd: dir}),
				'what an agent pays per shell call',
			),
		);
		printTable(`MCP server on a ${size.toLocaleString('en')}-task store (issue 18)`, rows);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
