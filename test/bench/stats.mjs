// Small helpers shared by the benchmarks: timing, percentiles, and a printed table.
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';

export function percentile(samples, p) {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function timeRuns(count, run) {
	const samples = [];
	for (let i = 0; i < count; i++) {
		const start = performance.now();
		await run(i);
		samples.push(performance.now() - start);
	}

	return samples;
}

/** Wall time of a whole process, as a user waits for it. */
export function timeProcess(count, argv, options) {
	const samples = [];
	for (let i = 0; i < count; i++) {
		const start = performance.now();
		const result = spawnSync(argv[0], argv.slice(1), {
			stdio: ['ignore', 'ignore', 'pipe'],
			...options,
		});
		samples.push(performance.now() - start);
		if (result.status !== 0)
			throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
	}

	return samples;
}

export function row(name, samples, note = '') {
	return {
		name,
		n: samples.length,
		p50: percentile(samples, 50),
		p95: percentile(samples, 95),
		note,
	};
}

export function printTable(title, rows) {
	const fmt = (ms) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
	const width = Math.max(...rows.map((r) => r.name.length), 7);
	console.log(`\n${title}\n`);
	console.log(
		`${'measure'.padEnd(width)}  ${'n'.padStart(4)}  ${'p50 ms'.padStart(9)}  ${'p95 ms'.padStart(9)}  note`,
	);
	console.log(`${'-'.repeat(width)}  ----  ---------  ---------  ----`);
	for (const r of rows) {
		console.log(
			`${r.name.padEnd(width)}  ${String(r.n).padStart(4)}  ${fmt(r.p50).padStart(9)}  ${fmt(r.p95).padStart(9)}  ${r.note}`,
		);
	}
}

/** A repository in a temp folder holding `tasks` as its store and `config` as its config. */
export function benchRepo(prefix, tasks, config) {
	const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
	mkdirSync(path.join(dir, '.beads'));
	mkdirSync(path.join(dir, '.jetpack'));
	writeFileSync(
		path.join(dir, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	writeFileSync(path.join(dir, '.jetpack', 'config.json'), JSON.stringify(config));
	return dir;
}

const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;

/** CPU seconds (user + system) a process has used so far, its own, not its children's. */
export function cpuSeconds(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/**
 * The environment for a TUI under measurement: ours without CI (Ink draws nothing but its last
 * frame in CI), a colour terminal, and `extra`.
 */
export function benchEnv(extra = {}) {
	const clean = {};
	for (const [key, value] of Object.entries(process.env))
		if (value !== undefined && key !== 'CI') clean[key] = value;
	return {...clean, TERM: 'xterm-256color', FORCE_COLOR: '1', ...extra};
}

/** A CLI as a user has it installed: named by `variable`, else found on PATH; undefined if neither. */
export function installed(name, variable) {
	const given = process.env[variable];
	if (given !== undefined && existsSync(given)) return given;
	for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
		const candidate = path.join(dir, name);
		if (dir !== '' && existsSync(candidate)) return candidate;
	}

	return undefined;
}
