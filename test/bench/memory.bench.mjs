// Issue 5: the memory watchdog. Peak tree RSS against the limit for three leak rates, quiet and
// under load (two CPU burners), processes left after agents that try to outlive their attempt
// (issue 11), and the sampler's CPU per sample with 8 agents on a busy machine, before and after
// issue 16. The orchestrator's own memory over a long run is the `soak` bench.
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ProcessScanner} from '../../dist/adapters/agent-processes.js';
import {ProcProcessStats, treeSizes} from '../../dist/adapters/process-stats.js';
import {PtyAgentLauncher} from '../../dist/adapters/pty-agent.js';
import {benchRepo, printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const MB = 1_048_576;

/** Resident bytes of every process that has `dir` as JETPACK_WORK_DIR (the run's agents). */
function agentsRss(dir) {
	let total = 0;
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (
				!readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`JETPACK_WORK_DIR=${dir}\u0000`)
			)
				continue;
			total +=
				Number(
					/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0,
				) * 1024;
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}

	return total;
}

/** Two processes spinning on the CPU, as a busy machine has: stop them with the returned function. */
function burners() {
	const children = [0, 1].map(() =>
		spawn(process.execPath, ['-e', 'for (;;) {}'], {stdio: 'ignore'}),
	);
	return () => {
		for (const child of children) child.kill('SIGKILL');
	};
}

async function leak(rate) {
	const dir = benchRepo(
		'jetpack-bench-memory-',
		[{id: 'leak', title: 'leak', maxRetries: 0, sim: {ms: 60_000, memoryMbPerSec: rate}}],
		{agents: [{profile: 'simulated', count: 1, memoryLimitMb: 300}]},
	);
	const child = spawn(process.execPath, [cli, '--headless'], {cwd: dir, stdio: 'ignore'});
	let peak = 0;
	const poll = setInterval(() => (peak = Math.max(peak, agentsRss(dir))), 25);
	await new Promise((resolve) => child.on('close', resolve));
	clearInterval(poll);
	rmSync(dir, {recursive: true, force: true});
	return peak;
}

const leaky = fileURLToPath(new URL('../helpers/leaky-agent.mjs', import.meta.url));

/**
 * Runs one task with a custom agent (test/helpers/leaky-agent.mjs behaving as `spec` says) and
 * counts the processes of the run still alive once the run has exited.
 */
async function processesLeft(spec, limitMb) {
	const dir = benchRepo('jetpack-bench-memory-', [{id: 'attack', title: 'attack', maxRetries: 0}], {
		agents: [
			{
				name: 'leaky',
				command: process.execPath,
				args: [leaky, '.', JSON.stringify(spec)],
				...(limitMb === undefined ? {} : {memoryLimitMb: limitMb}),
			},
		],
	});
	const child = spawn(process.execPath, [cli, '--headless', '--json'], {
		cwd: dir,
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	let out = '';
	child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
	const closed = new Promise((resolve) => child.on('close', resolve));
	// A watchdog that never sees the memory never recycles: the run is stopped, and says so.
	const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
	await closed;
	clearTimeout(timer);
	const needle = `JETPACK_WORK_DIR=${dir}\u0000`;
	const left = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
			if (state !== 'Z' && readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle))
				left.push(Number(entry));
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}

	// The benchmark must not leave them either.
	for (const pid of left) process.kill(pid, 'SIGKILL');
	const outcome = /"event":"task\.(\w+)"/.exec(
		out.split('\n').findLast((line) => /"event":"task\./.test(line)) ?? '',
	)?.[1];
	rmSync(dir, {recursive: true, force: true});
	return {left: left.length, outcome};
}

/** `count` idle processes, as a busy machine has: stop them with the returned function. */
function idlers(count) {
	const children = Array.from({length: count}, () => spawn('sleep', ['3600'], {stdio: 'ignore'}));
	return () => {
		for (const child of children) child.kill('SIGKILL');
	};
}

/** CPU (user + system) and wall time of `samples` calls of `sample`, after one to warm up. */
async function cost(sample, samples = 50) {
	await sample();
	const cpu = [];
	const wall = [];
	for (let i = 0; i < samples; i++) {
		const before = process.cpuUsage();
		const start = performance.now();
		await sample();
		wall.push(performance.now() - start);
		const used = process.cpuUsage(before);
		cpu.push((used.user + used.system) / 1000);
	}

	return {cpu, wall};
}

/**
 * The sampler's cost per sample with 8 agents (each a simulated agent in a pty) among 300 other
 * idle processes: before issue 16 (every process in /proc read each sample) and now (the
 * agents' own processes, and a sweep of the processes new since the last every 10 s).
 */
export async function samplerCost() {
	const dir = benchRepo(
		'jetpack-bench-memory-',
		[{id: 'idle', title: 'idle', sim: {ms: 120_000}}],
		{},
	);
	const stopIdlers = idlers(300);
	const launcher = new PtyAgentLauncher();
	const agents = Array.from({length: 8}, (_, i) =>
		launcher.launch({
			command: process.execPath,
			args: [cli, 'simulate', 'idle'],
			cwd: dir,
			env: {},
			cols: 80,
			rows: 24,
			logFile: path.join(dir, 'logs', `${i}.log`),
		}),
	);
	await new Promise((resolve) => setTimeout(resolve, 1500));
	const roots = new Map(agents.map((agent, i) => [`t${i}`, agent.pid]));
	const scanner = new ProcessScanner();
	const fullScan = await cost(async () => {
		treeSizes(await scanner.scan(), roots);
		readFileSync('/proc/meminfo', 'utf8');
	});
	const stats = new ProcProcessStats(new ProcessScanner());
	const now = await cost(async () => stats.sample(roots));
	const sweeping = new ProcProcessStats(new ProcessScanner(), {sweepEveryMs: 0});
	const swept = await cost(async () => sweeping.sample(roots));
	const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).length;
	await Promise.all(agents.map((agent) => agent.stop(200, {immediate: true})));
	stopIdlers();
	rmSync(dir, {recursive: true, force: true});
	return {fullScan, now, swept, processes};
}

export async function run() {
	console.log('\nMemory watchdog (issue 5)\n');
	console.log(
		'leak rate   peak agent tree RSS   peak / 300 MB limit   (default 2 s sampling, adaptive)',
	);
	for (const loaded of [false, true]) {
		const stopLoad = loaded ? burners() : () => {};
		try {
			for (const rate of [20, 50, 200]) {
				const peak = await leak(rate);
				console.log(
					`${String(rate).padStart(4)} MB/s   ${String(Math.round(peak / MB)).padStart(10)} MB          ${(peak / (300 * MB)).toFixed(2)}${loaded ? '   under load (2 CPU burners)' : ''}`,
				);
			}
		} finally {
			stopLoad();
		}
	}

	console.log('\nProcesses of the run left once it has exited (goal 0), a custom agent that…');
	const hold = ['SIGHUP', 'SIGTERM'];
	const attacks = [
		['exits 0 leaving a setsid child', {children: [{name: 'c', how: 'setsid', ignore: hold}]}],
		[
			'exits 0 leaving a daemon (double fork)',
			{children: [{name: 'c', how: 'daemon', ignore: hold}]},
		],
		[
			'exits 0 leaving a child ignoring SIGHUP',
			{children: [{name: 'c', how: 'group', ignore: hold}]},
		],
		[
			'is recycled: a 400 MB daemon, 300 MB limit',
			{stay: true, children: [{name: 'c', how: 'daemon', ignore: hold, memoryMb: 400}]},
			300,
		],
	];
	for (const [name, spec, limitMb] of attacks) {
		const {left, outcome} = await processesLeft(spec, limitMb);
		console.log(`  ${name.padEnd(45)} ${String(left).padStart(3)}   (task ${outcome})`);
	}

	const {fullScan, now, swept, processes} = await samplerCost();
	printTable(`Sampler, 8 agents, ${processes} processes on the machine (300 idle sleeps)`, [
		row('before: every process read, CPU', fullScan.cpu, 'user + system'),
		row('before: wall', fullScan.wall),
		row('now: the agents’ processes, CPU', now.cpu, 'a sweep every 10 s'),
		row('now: wall', now.wall),
		row('now, a sweep each sample, CPU', swept.cpu, 'an agent’s first look, a process gone'),
		row('now, a sweep each sample, wall', swept.wall),
	]);
	console.log('\nThe orchestrator’s own memory over a long run: npm run bench -- soak');
}
