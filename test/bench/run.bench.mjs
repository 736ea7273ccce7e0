// Issue 4: an unattended run. Utilisation on a DAG whose long chain must start first, next to a
// first-in-first-out order on the same DAG; dispatch latency; spawn to first output.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';
import {PtyAgentLauncher} from '../../dist/adapters/pty-agent.js';
import {printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** 30 tasks of 1 s and a chain of 6 x 2 s; the chain's tasks are also the oldest-looking last. */
function utilisationDag() {
	const tasks = [];
	for (let i = 0; i < 30; i++)
		tasks.push({
			id: `a${String(i).padStart(2, '0')}`,
			title: `short ${i}`,
			estimatedMinutes: 1,
			sim: {ms: 1000},
		});
	for (let i = 0; i < 6; i++)
		tasks.push({
			id: `z${i}`,
			title: `chain ${i}`,
			estimatedMinutes: 2,
			dependencies: i === 0 ? [] : [`z${i - 1}`],
			sim: {ms: 2000},
		});
	return tasks;
}

/** List scheduling of the DAG with `agents` agents, taking runnable tasks in `order`; returns the makespan in ms. */
function simulate(tasks, agents, order) {
	const done = new Set();
	const running = [];
	let now = 0;
	const started = new Set();
	while (done.size < tasks.length) {
		const runnable = tasks
			.filter(
				(task) => !started.has(task.id) && (task.dependencies ?? []).every((dep) => done.has(dep)),
			)
			.sort(order);
		while (running.length < agents && runnable.length > 0) {
			const task = runnable.shift();
			started.add(task.id);
			running.push({id: task.id, end: now + task.sim.ms});
		}

		running.sort((a, b) => a.end - b.end);
		const next = running.shift();
		now = next.end;
		done.add(next.id);
	}

	return now;
}

export async function run() {
	const rows = [];
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-run-'));
	try {
		const tasks = utilisationDag();
		mkdirSync(path.join(dir, '.beads'));
		mkdirSync(path.join(dir, '.jetpack'));
		writeFileSync(
			path.join(dir, '.beads', 'tasks.jsonl'),
			tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
		);
		writeFileSync(
			path.join(dir, '.jetpack', 'config.json'),
			JSON.stringify({agents: [{profile: 'simulated', count: 4}], graceSeconds: 1}),
		);
		const result = spawnSync(process.execPath, [cli, '--headless', '--json'], {
			cwd: dir,
			encoding: 'utf8',
		});
		const lines = result.stdout
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		const time = (line) => Date.parse(line.time);
		const first = lines.find((line) => line.event === 'task.claimed');
		const last = lines.filter((line) => line.event === 'task.completed').at(-1);
		const makespan = time(last) - time(first);
		const work = tasks.reduce((sum, task) => sum + task.sim.ms, 0);
		const bound = Math.max(6 * 2000, work / 4);
		const fifo = simulate(tasks, 4, (a, b) => (a.id < b.id ? -1 : 1));
		const critical = simulate(
			tasks,
			4,
			(a, b) =>
				(b.id.startsWith('z') ? 1 : 0) - (a.id.startsWith('z') ? 1 : 0) || (a.id < b.id ? -1 : 1),
		);

		// Dispatch latency: an agent's task completes → the next claim by the same agent.
		const latencies = [];
		for (const [index, line] of lines.entries()) {
			if (line.event !== 'task.completed') continue;
			const next = lines
				.slice(index + 1)
				.find((later) => later.event === 'task.claimed' && later.agent === line.agent);
			if (next !== undefined) latencies.push(time(next) - time(line));
		}

		console.log('\nUnattended run (issue 4)\n');
		console.log(
			`DAG: 30 tasks x 1 s + a chain of 6 x 2 s, 4 simulated agents; lower bound max(critical path 12 s, work ${work / 1000} s / 4) = ${bound / 1000} s`,
		);
		console.log(
			`  jetpack-tui, real run:        makespan ${(makespan / 1000).toFixed(2)} s, ratio to the bound ${(makespan / bound).toFixed(3)} (goal <= 1.10), exit ${result.status}`,
		);
		console.log(
			`  critical path first, ideal:   makespan ${(critical / 1000).toFixed(2)} s, ratio ${(critical / bound).toFixed(3)} (list scheduling, no overheads)`,
		);
		console.log(
			`  first in, first out, ideal:   makespan ${(fifo / 1000).toFixed(2)} s, ratio ${(fifo / bound).toFixed(3)}`,
		);
		rows.push(
			row(
				'dispatch latency (completed → next claim)',
				latencies,
				'event timestamps, ms resolution',
			),
		);

		const launcher = new PtyAgentLauncher();
		const spawnTimes = [];
		for (let i = 0; i < 10; i++) {
			const started = performance.now();
			const agent = launcher.launch({
				command: process.execPath,
				args: [cli, 'simulate', 'a00'],
				cwd: dir,
				env: {},
				cols: 100,
				rows: 30,
				logFile: path.join(dir, 'spawn', `${i}.log`),
			});
			await new Promise((resolve) => {
				const listener = agent.onOutput(() => {
					listener.dispose();
					resolve();
				});
			});
			spawnTimes.push(performance.now() - started);
			await agent.stop(500, {immediate: true});
		}

		rows.push(
			row(
				'spawn to first output (simulated agent)',
				spawnTimes,
				'node-pty + node start-up + reading the store',
			),
		);
		printTable('Latencies', rows);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
