// Issue 11, "a run's cost must not grow with the store": the orchestrator's CPU per task with
// zero-length tasks, at several store sizes; and how long 16 agents take to be running.
//
// JETPACK_BENCH_ORCHESTRATOR_SIZES=200,1000,3000  task counts for the CPU per task (default)
// JETPACK_BENCH_ORCHESTRATOR_AGENTS=8              agents for the CPU per task
// JETPACK_BENCH_ORCHESTRATOR_STARTS=3              runs of the 16-agent start, per store size
// JETPACK_BENCH_ORCHESTRATOR_HISTORY=0,3000        completed tasks beside the 16 long ones
import {spawn, spawnSync} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {benchRepo, printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function numbers(name, fallback) {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const list = raw.split(',').map(Number);
	if (list.some((n) => !Number.isInteger(n) || n < 0))
		throw new Error(`${name} must be a comma-separated list of whole numbers, not ${raw}`);
	return list;
}

/** Clock ticks of the children this process has waited for, and their waited-for descendants. */
function childTicks() {
	// /proc/self/stat: the command may hold spaces, so count fields after its closing parenthesis.
	const stat = readFileSync('/proc/self/stat', 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the command.
	return Number(fields[13]) + Number(fields[14]);
}

const ticksPerSecond = (() => {
	const result = spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'});
	const ticks = Number(result.stdout);
	return result.status === 0 && ticks > 0 ? ticks : 100;
})();

/** CPU milliseconds (user + system) of a process and everything it waited for, its exit status. */
function cpuOf(argv, options) {
	const before = childTicks();
	const result = spawnSync(argv[0], argv.slice(1), {
		stdio: ['ignore', 'ignore', 'pipe'],
		encoding: 'utf8',
		...options,
	});
	const ms = ((childTicks() - before) * 1000) / ticksPerSecond;
	return {ms, status: result.status, stderr: result.stderr};
}

/** `count` tasks, one in ten depending on an earlier one, as a real backlog has a few chains. */
function backlog(count) {
	const tasks = [];
	for (let i = 0; i < count; i++) {
		const id = `t${String(i).padStart(5, '0')}`;
		const dependencies = i % 10 === 9 ? [`t${String(i - 5).padStart(5, '0')}`] : [];
		tasks.push({id, title: `Task ${i}`, estimatedMinutes: 1, dependencies});
	}

	return tasks;
}

function statuses(dir) {
	const counts = {};
	for (const line of readFileSync(path.join(dir, '.beads', 'tasks.jsonl'), 'utf8').split('\n')) {
		if (line.trim() === '') continue;
		const {status} = JSON.parse(line);
		counts[status] = (counts[status] ?? 0) + 1;
	}

	return counts;
}

function cpuPerTask(sizes, agents) {
	console.log('\nOrchestrator CPU per task (issue 11)\n');
	console.log(
		`Custom agent /bin/true x ${agents}, zero-length tasks (one in ten depends on an earlier one);`,
	);
	console.log(
		'CPU = user + system of `jetpack-tui --headless` and what it waited for, from the cutime/cstime',
	);
	console.log(
		'of the process that waits for it; the /bin/true agents alone are measured apart and taken off.',
	);
	const config = {agents: [{name: 'true', command: '/bin/true', args: [], count: agents}]};
	const lines = [];
	// What the agents themselves cost: /bin/true started as many times, without the orchestrator.
	const sample = 200;
	const baseline = cpuOf([
		'/bin/sh',
		'-c',
		`i=0; while [ $i -lt ${sample} ]; do /bin/true; i=$((i+1)); done`,
	]);
	const agentMs = baseline.ms / sample;
	for (const size of sizes) {
		const dir = benchRepo('jetpack-bench-orchestrator-', backlog(size), config);
		try {
			const started = performance.now();
			const result = cpuOf([process.execPath, cli, '--headless'], {cwd: dir});
			const wall = performance.now() - started;
			const counts = statuses(dir);
			const perTask = result.ms / size;
			lines.push(
				`  ${String(size).padStart(6)} tasks  ${perTask.toFixed(1).padStart(6)} ms/task (${(perTask - agentMs).toFixed(1)} without the agent)  total CPU ${(result.ms / 1000).toFixed(1)} s  wall ${(wall / 1000).toFixed(1)} s  exit ${result.status}  ${JSON.stringify(counts)}`,
			);
			if (result.status !== 0) lines.push(`    stderr: ${result.stderr.trim().slice(0, 300)}`);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	}

	console.log(`  (/bin/true alone: ${agentMs.toFixed(2)} ms of CPU each, via /bin/sh)\n`);
	for (const line of lines) console.log(line);
	console.log('  goal: flat in the number of tasks and under 10 ms a task');
}

/** Runs until 16 agents are running, then stops it; ms from run.started to the 16th claim. */
async function startOf16(history) {
	const tasks = [];
	for (let i = 0; i < history; i++) {
		tasks.push({
			id: `done${String(i).padStart(5, '0')}`,
			title: `Finished ${i}`,
			status: 'completed',
			estimatedMinutes: 1,
			completedAt: '2026-11-20T10:00:00Z',
		});
	}

	for (let i = 0; i < 16; i++)
		tasks.push({id: `long${i}`, title: `Long ${i}`, estimatedMinutes: 1, sim: {ms: 5000}});
	const dir = benchRepo('jetpack-bench-orchestrator-start-', tasks, {
		agents: [{profile: 'simulated', count: 16}],
		graceSeconds: 1,
	});
	try {
		const spawned = performance.now();
		const child = spawn(process.execPath, [cli, '--headless', '--json'], {
			cwd: dir,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let buffer = '';
		let runStarted;
		let firstOutputMs;
		const claims = [];
		const done = new Promise((resolve, reject) => {
			child.on('error', reject);
			child.on('close', resolve);
		});
		child.stdout.setEncoding('utf8').on('data', (chunk) => {
			firstOutputMs ??= performance.now() - spawned;
			buffer += chunk;
			let newline;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				const line = buffer.slice(0, newline);
				buffer = buffer.slice(newline + 1);
				if (line.trim() === '') continue;
				const event = JSON.parse(line);
				if (event.event === 'run.started') runStarted = Date.parse(event.time);
				if (event.event === 'task.claimed') {
					claims.push(Date.parse(event.time));
					if (claims.length === 16) child.kill('SIGTERM');
				}
			}
		});
		await done;
		if (runStarted === undefined || claims.length < 16)
			throw new Error(`the run did not start 16 agents (${claims.length} claims)`);
		return {
			all: claims[15] - runStarted,
			first: claims[0] - runStarted,
			startup: firstOutputMs,
		};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

export async function run() {
	const sizes = numbers('JETPACK_BENCH_ORCHESTRATOR_SIZES', [200, 1000, 3000]);
	const [agents = 8] = numbers('JETPACK_BENCH_ORCHESTRATOR_AGENTS', [8]);
	const [starts = 3] = numbers('JETPACK_BENCH_ORCHESTRATOR_STARTS', [3]);
	const histories = numbers('JETPACK_BENCH_ORCHESTRATOR_HISTORY', [0, 3000]);
	cpuPerTask(sizes, agents);
	// STARTS=0: the CPU per task alone (a table of no samples has no percentiles).
	if (starts === 0) return;

	const rows = [];
	for (const history of histories) {
		const samples = [];
		for (let i = 0; i < starts; i++) samples.push(await startOf16(history));
		const label = history === 0 ? '16 tasks' : `16 tasks + ${history} completed`;
		rows.push(
			row(
				`16 agents running, store of ${label}`,
				samples.map((s) => s.all),
				'run.started → 16th task.claimed (goal < 1000)',
			),
			row(
				`  first agent running, ${label}`,
				samples.map((s) => s.first),
				'run.started → 1st task.claimed',
			),
			row(
				`  process start to first event, ${label}`,
				samples.map((s) => s.startup),
				'spawn → first line of --json',
			),
		);
	}

	printTable('16 agents starting (simulated agents, sim.ms 5000; issue 11)', rows);
}
