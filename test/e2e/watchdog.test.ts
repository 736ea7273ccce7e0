/**
 * The memory watchdog against real leaking agents in real ptys, measured from outside.
 */
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {cliPath} from '../helpers/cli.js';
import {processesOf} from '../helpers/processes.js';
import {tempRepo} from '../helpers/temp-repo.js';

const MB = 1_048_576;
const leaky = fileURLToPath(new URL('../helpers/leaky-agent.mjs', import.meta.url));

function treeRssBytes(dir: string): number {
	let total = 0;
	for (const pid of processesOf(dir)) {
		try {
			total +=
				Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) *
				1024;
		} catch {
			// Ended between the two reads.
		}
	}

	return total;
}

async function runLeak(sim: object): Promise<{
	code: number | null;
	peak: number;
	events: Array<Record<string, unknown>>;
	tasks: Map<string, Record<string, unknown>>;
}> {
	const cwd = await tempRepo();
	mkdirSync(path.join(cwd, '.beads'));
	mkdirSync(path.join(cwd, '.jetpack'));
	writeFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		[
			{id: 'leak', title: 'leaks', maxRetries: 1, sim: {ms: 30_000, ...sim}},
			{id: 'fine', title: 'fine', sim: {ms: 500}},
		]
			.map((task) => `${JSON.stringify(task)}\n`)
			.join(''),
	);
	// The default sampling interval (2 s): the watchdog samples sooner by itself when it sees a leak.
	writeFileSync(
		path.join(cwd, '.jetpack', 'config.json'),
		JSON.stringify({
			agents: [{profile: 'simulated', count: 1, memoryLimitMb: 300}],
			retryBackoffSeconds: [0.2],
		}),
	);
	const child = spawn(process.execPath, [cliPath, '--headless', '--json'], {
		cwd,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let out = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
	let peak = 0;
	const poll = setInterval(() => {
		peak = Math.max(peak, treeRssBytes(cwd));
	}, 50);
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	clearInterval(poll);
	const tasks = new Map(
		readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as Record<string, unknown>)
			.map((task) => [String(task['id']), task]),
	);
	return {
		code,
		peak,
		events: out
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as Record<string, unknown>),
		tasks,
	};
}

describe('the memory watchdog', () => {
	it.each([
		['an agent leaking 50 MB/s', {memoryMbPerSec: 50}],
		['an agent whose child process leaks 50 MB/s', {memoryMbPerSec: 50, memoryInChild: true}],
	])(
		'recycles %s before its tree passes 1.3x its 300 MB limit; the task is oom, retried, and the run goes on',
		async (_name, sim) => {
			const {code, peak, events, tasks} = await runLeak(sim);
			expect(peak).toBeGreaterThan(250 * MB);
			expect(peak).toBeLessThan(1.3 * 300 * MB);
			expect(tasks.get('leak')).toMatchObject({
				status: 'failed',
				failureType: 'oom',
				// The retries spent: the second recycle was the last attempt.
				retryCount: 1,
			});
			expect(tasks.get('fine')).toMatchObject({status: 'completed'});
			expect(events.filter((event) => event['event'] === 'agent.recycled')).toHaveLength(2);
			expect(events.find((event) => event['event'] === 'agent.recycled')).toMatchObject({
				task: 'leak',
				limitMb: 300,
			});
			expect(code).toBe(1);
		},
		60_000,
	);

	it('recycles an agent whose daemon (double fork, setsid, SIGTERM ignored) holds the memory, and leaves nothing running', async () => {
		const spec = {
			stay: true,
			children: [{name: 'hog', how: 'daemon', memoryMb: 400, ignore: ['SIGHUP', 'SIGTERM']}],
		};
		const cwd = await tempRepo();
		mkdirSync(path.join(cwd, '.beads'));
		mkdirSync(path.join(cwd, '.jetpack'));
		writeFileSync(
			path.join(cwd, '.beads', 'tasks.jsonl'),
			`${JSON.stringify({id: 'hog', title: 'hog', maxRetries: 0})}\n`,
		);
		writeFileSync(
			path.join(cwd, '.jetpack', 'config.json'),
			JSON.stringify({
				agents: [
					{
						name: 'leaky',
						command: process.execPath,
						args: [leaky, '.', JSON.stringify(spec)],
						memoryLimitMb: 300,
					},
				],
			}),
		);
		const child = spawn(process.execPath, [cliPath, '--headless'], {cwd, stdio: 'ignore'});
		const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
		const left = processesOf(cwd);
		for (const pid of left) process.kill(pid, 'SIGKILL');

		expect(left).toEqual([]);
		expect(
			JSON.parse(readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')) as object,
		).toMatchObject({status: 'failed', failureType: 'oom'});
		expect(code).toBe(1);
	}, 60_000);
});
