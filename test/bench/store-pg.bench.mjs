// Issue 17: the PostgreSQL store, against a real server this benchmark starts (test/helpers/pg-server.mjs).
// 1. Claim latency, p50/p95, with 3 runs x 4 agents contending for the same tasks (SKIP LOCKED).
// 2. Tasks per second through the claim/complete cycle with zero-length tasks, at 1,000 tasks,
//    PostgreSQL against the file store (one run of 4 agents each).
// 3. Makespan of a 60-task DAG run by 3 "machines" (3 headless processes in 3 folders, 2 simulated
//    agents each, one database) against its lower bound: the longer of the critical path and the
//    total work spread over the 6 agents.
// 4. Dispatch latency across machines (`npm run bench -- pg-dispatch` runs this part alone): layers
//    of zero-length tasks, each after every task of the layer before, run by 3 headless processes
//    in 3 folders (2 simulated agents each). A layer becomes runnable when its last dependency
//    completes; the run that completed it has at most 2 free agents, so the other runs must take
//    the rest, woken by NOTIFY. Per dependent task, from the completion of the dependency that made
//    it runnable to its claim, split by whether the claim was made by the same run or another.
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {PgStore} from '../../dist/adapters/pg-store.js';
import {TaskStore} from '../../dist/adapters/task-store.js';
import {claimTask, recordAttempt} from '../../dist/core/attempts.js';
import {buildGraph, runnableTasks} from '../../dist/core/graph.js';
import {newTask} from '../../dist/core/task.js';
import {startPgServer} from '../helpers/pg-server.mjs';
import {printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const policy = {maxRetries: 2, backoffSeconds: [1]};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function pgStore(url, project) {
	return PgStore.open({connection: url, project, display: 'bench'});
}

function independent(count) {
	const table = new Map();
	for (let i = 0; i < count; i++) {
		const id = `t${String(i).padStart(5, '0')}`;
		table.set(id, newTask({id, title: id}));
	}

	return table;
}

/** Claims the first of `ids` (scheduling order) this run can take; as the orchestrator does. */
async function claimOne(repo, ids, run, agent) {
	const change = (tasks, locked) => {
		for (const taskId of ids) {
			if (!locked.has(taskId)) continue;
			const claimed = claimTask(tasks, {
				taskId,
				agent,
				run,
				now: new Date(),
				log: (n) => `${taskId}/${n}.log`,
				inCycle: new Set(),
			});
			if (claimed.result !== undefined) return claimed;
		}

		return {tasks, result: undefined};
	};

	return repo.claim === undefined
		? repo.update((tasks) => change(tasks, new Set(ids)))
		: repo.claim(ids, change);
}

/** One agent: claim, complete at once, again, until nothing is left. Claim latencies into `latencies`. */
async function agentLoop(repo, run, agent, latencies) {
	for (;;) {
		const tasks = await repo.read();
		const runnable = runnableTasks(buildGraph(tasks), new Date()).map((task) => task.id);
		if (runnable.length === 0) {
			if ([...tasks.values()].every((task) => task.status === 'completed')) return;
			await sleep(2);
			continue;
		}

		const start = performance.now();
		const task = await claimOne(repo, runnable.slice(0, 16), run, agent);
		latencies.push(performance.now() - start);
		if (task === undefined) continue;
		await repo.update((current) =>
			recordAttempt(
				current,
				{
					taskId: task.id,
					attempt: task.attempts.length,
					runId: run.runId,
					outcome: 'completed',
					message: '',
					exit: {exitCode: 0, signal: null},
					endedAt: new Date(),
				},
				policy,
			),
		);
	}
}

async function cycle(repos, agentsPerRun, latencies) {
	const start = performance.now();
	await Promise.all(
		repos.flatMap((repo, r) =>
			Array.from({length: agentsPerRun}, async (_, a) =>
				agentLoop(repo, {runId: `run${r}`, pid: 1, host: `m${r}`}, `agent${a}`, latencies),
			),
		),
	);
	return performance.now() - start;
}

/** A layered DAG: `layers` of `width` tasks, each after one or two of the layer before. */
function dag(layers, width) {
	const tasks = [];
	let seed = 7;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
		return seed / 2 ** 31;
	};

	for (let l = 0; l < layers; l++)
		for (let w = 0; w < width; w++) {
			const dependencies =
				l === 0
					? []
					: [
							...new Set([
								`d${l - 1}-${Math.floor(random() * width)}`,
								`d${l - 1}-${Math.floor(random() * width)}`,
							]),
						];
			tasks.push({
				id: `d${l}-${w}`,
				title: `layer ${l} task ${w}`,
				status: 'pending',
				dependencies,
				sim: {ms: 300 + Math.floor(random() * 600)},
			});
		}

	return tasks;
}

function lowerBound(tasks, agents) {
	const byId = new Map(tasks.map((task) => [task.id, task]));
	const finish = new Map();
	const end = (task) => {
		if (!finish.has(task.id))
			finish.set(
				task.id,
				task.sim.ms + Math.max(0, ...task.dependencies.map((id) => end(byId.get(id)))),
			);
		return finish.get(task.id);
	};

	const critical = Math.max(...tasks.map(end));
	const total = tasks.reduce((sum, task) => sum + task.sim.ms, 0);
	return {critical, spread: total / agents, bound: Math.max(critical, total / agents)};
}

/** Three folders, each a "machine" with a config of 2 simulated agents and shared workspaces. */
function machines(temps) {
	return [0, 1, 2].map(() => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-pg-'));
		temps.push(dir);
		mkdirSync(path.join(dir, '.jetpack'));
		writeFileSync(
			path.join(dir, '.jetpack', 'config.json'),
			JSON.stringify({agents: [{profile: 'simulated', count: 2}], workspaces: 'shared'}),
		);
		return dir;
	});
}

async function importInto(url, dir, tasks) {
	const seed = path.join(dir, 'seed.jsonl');
	writeFileSync(seed, tasks.map((task) => `${JSON.stringify(task)}\n`).join(''));
	const seeded = spawn(process.execPath, [cli, '--store', url, 'import', seed], {stdio: 'ignore'});
	const code = await new Promise((resolve) => seeded.on('close', resolve));
	if (code !== 0) throw new Error(`import into ${url} exited ${code}`);
}

/** Every event of a folder's runs (`.jetpack/logs/run-*.jsonl`: the `--json` events, with run and host). */
function eventsOf(dir) {
	const logs = path.join(dir, '.jetpack', 'logs');
	return readdirSync(logs)
		.filter((name) => name.startsWith('run-') && name.endsWith('.jsonl'))
		.flatMap((name) =>
			readFileSync(path.join(logs, name), 'utf8')
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => JSON.parse(line)),
		);
}

const max = (samples) => (samples.length === 0 ? undefined : Math.max(...samples));

export async function runDispatch(server) {
	const own = server === undefined ? await startPgServer() : undefined;
	const temps = [];
	try {
		const layers = 16;
		const width = 6;
		const tasks = [];
		for (let l = 0; l < layers; l++)
			for (let w = 0; w < width; w++)
				tasks.push({
					id: `l${String(l).padStart(2, '0')}-${w}`,
					title: `layer ${l} task ${w}`,
					dependencies:
						l === 0
							? []
							: Array.from({length: width}, (_, d) => `l${String(l - 1).padStart(2, '0')}-${d}`),
					sim: {ms: 0},
				});
		const url = `${(server ?? own).url}?project=dispatch-${randomUUID().slice(0, 8)}`;
		const dirs = machines(temps);
		await importInto(url, dirs[0], tasks);
		const start = performance.now();
		await Promise.all(dirs.map(async (dir) => runProcess(dir, {JETPACK_STORE: url})));
		const makespan = performance.now() - start;

		// Who claimed what, when (after the claim's commit), and when each completion was committed.
		const claimed = new Map();
		const completed = new Map();
		for (const event of dirs.flatMap(eventsOf)) {
			if (event.event === 'task.claimed')
				claimed.set(`${event.task}#${event.attempt}`, {run: event.run, at: Date.parse(event.time)});
			if (event.event === 'task.completed') completed.set(event.task, Date.parse(event.time));
		}

		const store = await pgStore(server?.url ?? own.url, new URL(url).searchParams.get('project'));
		const table = await store.read();
		await store.close();
		const retried = [];
		const samples = {
			events: {same: [], other: []},
			stamps: {same: [], other: []},
		};
		for (const task of table.values()) {
			if (task.dependencies.length === 0) continue;
			if (task.status !== 'completed')
				throw new Error(`task ${task.id} ended ${task.status}: ${task.lastError ?? ''}`);
			// A task run twice (an attempt that failed on a loaded machine) says nothing of dispatch.
			if (task.attempts.length !== 1) {
				retried.push(`${task.id} (${task.attempts.map((a) => a.failureType ?? 'ok').join(', ')})`);
				continue;
			}

			// The dependency that made it runnable: the last to complete.
			const deps = task.dependencies.map((id) => table.get(id));
			const enabling = deps.reduce((a, b) =>
				Date.parse(a.completedAt) >= Date.parse(b.completedAt) ? a : b,
			);
			const mine = claimed.get(`${task.id}#1`);
			const theirs = claimed.get(`${enabling.id}#${enabling.attempts.length}`);
			const side = mine.run === theirs.run ? 'same' : 'other';
			// Stored stamps (ms): the attempt's end as its run saw the exit, to the claim's start.
			samples.stamps[side].push(
				Date.parse(task.attempts[0].startedAt) - Date.parse(enabling.completedAt),
			);
			// Events (ms): the completion's commit (NOTIFY goes then) to the claim's commit.
			const last = Math.max(...task.dependencies.map((id) => completed.get(id)));
			samples.events[side].push(mine.at - last);
		}

		const note = (list) => `max ${max(list)?.toFixed(0) ?? '—'} ms`;
		printTable(
			`Dispatch across machines: ${layers} layers of ${width} zero-length tasks (each after the whole layer before), 3 processes x 2 simulated agents, one database; makespan ${(makespan / 1000).toFixed(1)} s`,
			[
				row(
					'other run: completion commit -> claim commit',
					samples.events.other,
					`${note(samples.events.other)}; woken by NOTIFY (events' times)`,
				),
				row(
					'same run:  completion commit -> claim commit',
					samples.events.same,
					`${note(samples.events.same)}; the run's own scheduler`,
				),
				row(
					'other run: attempt end -> attempt start',
					samples.stamps.other,
					`${note(samples.stamps.other)}; stored stamps: the result's write included`,
				),
				row(
					'same run:  attempt end -> attempt start',
					samples.stamps.same,
					`${note(samples.stamps.same)}`,
				),
			],
		);
		if (retried.length > 0)
			console.log(`(left out: ${retried.length} task(s) run twice: ${retried.join('; ')})`);
	} finally {
		for (const dir of temps) rmSync(dir, {recursive: true, force: true});
		await own?.stop();
	}
}

async function runProcess(cwd, env) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cli, '--headless'], {
			cwd,
			env: {...process.env, ...env},
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('close', (code) =>
			code === 0 ? resolve() : reject(new Error(`a run exited ${code}: ${stderr}`)),
		);
	});
}

export async function run() {
	const server = await startPgServer();
	const temps = [];
	try {
		// 1. Claim latency: 3 runs x 4 agents, 600 zero-length tasks.
		const contended = `claims-${randomUUID().slice(0, 8)}`;
		const runs = await Promise.all([0, 1, 2].map(async () => pgStore(server.url, contended)));
		await runs[0].update((tasks) => ({tasks: new Map([...tasks, ...independent(600)]), result: 0}));
		const latencies = [];
		await cycle(runs, 4, latencies);
		await Promise.all(runs.map(async (store) => store.close()));
		printTable('PostgreSQL store: claim latency, 3 runs x 4 agents contending (600 tasks)', [
			row('claim (SKIP LOCKED, one transaction)', latencies, '3 pools of 4 connections'),
		]);

		// 2. Claim/complete throughput at 1,000 tasks: PostgreSQL against the file.
		const rows = [];
		for (const backend of ['file', 'postgres']) {
			let repo;
			if (backend === 'file') {
				const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-pg-'));
				temps.push(dir);
				repo = new TaskStore(dir);
			} else {
				repo = await pgStore(server.url, `cycle-${randomUUID().slice(0, 8)}`);
			}

			await repo.update(() => ({tasks: independent(1000), result: 0}));
			const claims = [];
			const ms = await cycle([repo], 4, claims);
			if (backend === 'postgres') await repo.close();
			rows.push({
				...row(`${backend}: claim of 1,000`, claims, ''),
				note: `${((1000 / ms) * 1000).toFixed(0)} tasks/s through claim + complete (4 agents, ${(ms / 1000).toFixed(1)} s)`,
			});
		}

		printTable('Claim/complete cycle, zero-length tasks, 1,000 tasks, one run of 4 agents', rows);

		// 3. Makespan of a 60-task DAG on 3 machines (processes), 2 simulated agents each.
		const tasks = dag(6, 10);
		const {critical, spread, bound} = lowerBound(tasks, 6);
		const url = `${server.url}?project=dag-${randomUUID().slice(0, 8)}`;
		const dirs = machines(temps);
		await importInto(url, dirs[0], tasks);
		const start = performance.now();
		await Promise.all(dirs.map(async (dir) => runProcess(dir, {JETPACK_STORE: url})));
		const makespan = performance.now() - start;
		printTable('60-task DAG (6 layers of 10, 300-900 ms each) on 3 machines x 2 simulated agents', [
			row('makespan (3 processes, start to last exit)', [makespan], ''),
			row(
				'lower bound',
				[bound],
				`critical path ${critical} ms, work / 6 agents ${spread.toFixed(0)} ms`,
			),
			{
				name: 'makespan / lower bound',
				n: 1,
				p50: undefined,
				p95: undefined,
				note: `${(makespan / bound).toFixed(2)}x (includes 3 process starts and each attempt's own process start)`,
			},
		]);

		// 4. Dispatch latency across machines.
		await runDispatch(server);
	} finally {
		for (const dir of temps) rmSync(dir, {recursive: true, force: true});
		await server.stop();
	}
}
