// Issue 16 item 6: the orchestrator's own memory over a long run. It runs headless with 8
// simulated agents spewing output, task after task (SOAK_MINUTES, default 10; tasks of
// SOAK_TASK_SECONDS, default 5), samples its RSS from /proc every 2 s and its live heap (after a
// full GC, by test/bench/heap-probe.mjs loaded with --expose-gc) every 5 s, and prints the growth
// after the first minute. The goal: RSS growth < 5 MB, the live heap flat.
import {execFileSync, spawn} from 'node:child_process';
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {benchRepo} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const probe = fileURLToPath(new URL('heap-probe.mjs', import.meta.url));
const storeHeap = fileURLToPath(new URL('store-heap.mjs', import.meta.url));
const MB = 1_048_576;
const agents = 8;

function rssOf(pid) {
	const text = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

/** Least-squares slope of `value` over `at` (seconds), per minute. */
function slopePerMinute(points) {
	const n = points.length;
	if (n < 2) return 0;
	const mx = points.reduce((sum, p) => sum + p.at, 0) / n;
	const my = points.reduce((sum, p) => sum + p.value, 0) / n;
	let num = 0;
	let den = 0;
	for (const p of points) {
		num += (p.at - mx) * (p.value - my);
		den += (p.at - mx) ** 2;
	}

	return den === 0 ? 0 : (num / den) * 60;
}

const fmt = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

export async function run() {
	const minutes = Number(process.env.SOAK_MINUTES ?? 10);
	const taskSeconds = Number(process.env.SOAK_TASK_SECONDS ?? 5);
	// SOAK_OUTPUT=lines: agents printing a line a step instead, to tell what tasks cost from what output does.
	const output = process.env.SOAK_OUTPUT ?? 'spew';
	// Enough tasks that no agent runs out before the end, however fast they go.
	const count = Math.ceil(((minutes * 60) / taskSeconds) * agents * 1.5) + agents;
	const dir = benchRepo(
		'jetpack-bench-soak-',
		Array.from({length: count}, (_, n) => ({
			id: `s${n}`,
			title: `spew ${n}`,
			sim: {ms: taskSeconds * 1000, output},
		})),
		// Logs of 1 MB: most of the output goes through the kept tail of a cut log.
		// SOAK_LOG_MB=50 (the default limit) sends it all to the files instead (~3 GB in 10 minutes).
		{
			agents: [{profile: 'simulated', count: agents}],
			logMaxMb: Number(process.env.SOAK_LOG_MB ?? 1),
		},
	);
	const heapFile = path.join(dir, 'heap.jsonl');
	// SOAK_NODE_FLAGS: node flags for the orchestrator, to try a V8 setting (`--max-semi-space-size=4`).
	const flags = (process.env.SOAK_NODE_FLAGS ?? '').split(' ').filter(Boolean);
	// SOAK_WRAP: a command to run the orchestrator under (`heaptrack -o FILE`), to see its native allocations.
	const wrap = (process.env.SOAK_WRAP ?? '').split(' ').filter(Boolean);
	const command = [
		...wrap,
		process.execPath,
		...flags,
		'--expose-gc',
		'--import',
		probe,
		cli,
		'--headless',
		'--json',
	];
	const child = spawn(command[0], command.slice(1), {
		cwd: dir,
		stdio: ['ignore', 'pipe', 'ignore'],
		env: {
			...process.env,
			JETPACK_BENCH_HEAP_FILE: heapFile,
			JETPACK_BENCH_HEAP_MS: '5000',
			JETPACK_BENCH_HEAP_SNAPSHOTS: process.env.SOAK_SNAPSHOTS ?? '',
		},
	});
	let finished = 0;
	let partial = '';
	child.stdout.setEncoding('utf8').on('data', (chunk) => {
		const lines = (partial + chunk).split('\n');
		partial = lines.pop() ?? '';
		for (const line of lines) if (line.includes('"event":"task.completed"')) finished++;
	});
	const closed = new Promise((resolve) => child.on('close', resolve));
	const rss = [];
	// The task file's size: what the run adds to it (an attempt per task) the store holds in memory too.
	const tasksFile = path.join(dir, '.beads', 'tasks.jsonl');
	const taskBytes = [];
	// The task file as it was in the middle of each window the growth is measured between: what
	// the store held in memory for it then is measured afterwards (store-heap.mjs).
	const versions = [
		{at: 90, copy: path.join(dir, 'tasks-early.jsonl')},
		{at: minutes * 60 - 30, copy: path.join(dir, 'tasks-late.jsonl')},
	];
	const started = Date.now();
	const timer = setInterval(() => {
		const at = (Date.now() - started) / 1000;
		try {
			rss.push({at, value: rssOf(child.pid)});
			taskBytes.push({at, value: statSync(tasksFile).size});
			for (const version of versions)
				if (at >= version.at && !existsSync(version.copy)) copyFileSync(tasksFile, version.copy);
		} catch {
			// It ended between two samples (or the file is being replaced).
		}
	}, 2000);
	const stop = setTimeout(() => child.kill('SIGTERM'), minutes * 60_000);
	await closed;
	clearTimeout(stop);
	clearInterval(timer);
	const heap = existsSync(heapFile)
		? readFileSync(heapFile, 'utf8')
				.trim()
				.split('\n')
				.filter(Boolean)
				.map((line) => JSON.parse(line))
		: [];
	const attempts = readdirSync(path.join(dir, '.jetpack', 'logs')).filter((name) =>
		name.startsWith('s'),
	).length;
	// SOAK_KEEP=DIR keeps the samples (heap.jsonl) and any heap snapshots (SOAK_SNAPSHOTS=seconds,...).
	if (process.env.SOAK_KEEP) {
		mkdirSync(process.env.SOAK_KEEP, {recursive: true});
		for (const name of readdirSync(dir).filter((n) => n.startsWith('heap.jsonl'))) {
			copyFileSync(path.join(dir, name), path.join(process.env.SOAK_KEEP, name));
		}
	}

	const [storeEarly, storeLate] = versions.every((version) => existsSync(version.copy))
		? JSON.parse(
				execFileSync(process.execPath, [
					'--expose-gc',
					'--single-threaded',
					storeHeap,
					...versions.map((version) => version.copy),
				]).toString(),
			)
		: [Number.NaN, Number.NaN];
	rmSync(dir, {recursive: true, force: true});

	const after = (points, from) => points.filter((p) => p.at >= from);
	const rssAfter = after(rss, 60);
	const heapPoints = heap.map((h) => ({at: h.at, value: h.heapUsed}));
	const heapAfter = after(heapPoints, 60);
	const median = (points, from, to) => {
		const values = points
			.filter((p) => p.at >= from && p.at < to)
			.map((p) => p.value)
			.sort((a, b) => a - b);
		return values[Math.floor(values.length / 2)] ?? Number.NaN;
	};
	const end = rss.at(-1)?.at ?? 0;
	console.log(
		`\nSoak (issue 16): ${agents} simulated agents ${output === 'spew' ? 'spewing' : `printing ${output}`}, ${taskSeconds} s tasks back to back, ${minutes} min${flags.length > 0 ? ` (node ${flags.join(' ')})` : ''}; ${finished} tasks completed, ${attempts} started`,
	);
	console.log(
		`  orchestrator RSS every 30 s: ${rss
			.filter((_, i) => i % 15 === 0)
			.map((p) => Math.round(p.value / MB))
			.join(' ')} MB`,
	);
	console.log(
		`  live heap every 30 s:        ${heapPoints
			.filter((_, i) => i % 6 === 0)
			.map((p) => (p.value / MB).toFixed(1))
			.join(' ')} MB`,
	);
	// Medians of the second minute and of the last: one GC more or less moves a single sample by
	// tens of MB while 8 agents stream output through the process.
	const rss1 = median(rss, 60, 120);
	const rssEnd = median(rss, end - 60, end + 1);
	const heap1 = median(heapPoints, 60, 120);
	const heapEnd = median(heapPoints, end - 60, end + 1);
	console.log(
		`  RSS (median of the 2nd minute → of the last): ${fmt(rss1)} → ${fmt(rssEnd)}: growth after the first minute ${fmt(rssEnd - rss1)} (goal < 5 MB); range after 1 min ${fmt(Math.min(...rssAfter.map((p) => p.value)))}–${fmt(Math.max(...rssAfter.map((p) => p.value)))}; trend ${(slopePerMinute(rssAfter) / MB).toFixed(2)} MB/min`,
	);
	console.log(
		`  live heap (same windows): ${fmt(heap1)} → ${fmt(heapEnd)}: growth ${fmt(heapEnd - heap1)}; trend ${(slopePerMinute(heapAfter) / MB).toFixed(3)} MB/min (goal flat)`,
	);
	console.log(
		`  task file (same windows): ${fmt(median(taskBytes, 60, 120))} → ${fmt(median(taskBytes, end - 60, end + 1))} (the attempts recorded, which the store holds in memory too)`,
	);
	const codePoints = heap.map((h) => ({at: h.at, value: h.code}));
	const codeGrowth = median(codePoints, end - 60, end + 1) - median(codePoints, 60, 120);
	const storeGrowth = storeLate - storeEarly;
	console.log(
		`  of that growth, the store's tasks (the task file at 90 s and at ${minutes * 60 - 30} s, parsed: ${fmt(storeEarly)} → ${fmt(storeLate)}): ${fmt(storeGrowth)}; the code V8 compiled: ${fmt(codeGrowth)}; the rest: ${fmt(heapEnd - heap1 - storeGrowth - codeGrowth)} (goal flat)`,
	);
	// Where RSS that is not live heap sits: V8's committed heap, and memory outside it (buffers).
	for (const field of ['heapTotal', 'external', 'arrayBuffers']) {
		const points = heap.map((h) => ({at: h.at, value: h[field]}));
		console.log(
			`  ${field} (same windows): ${fmt(median(points, 60, 120))} → ${fmt(median(points, end - 60, end + 1))}`,
		);
	}
}
