// Issue 15: what accounting costs a run (the same zero-length tasks with and without the usage line
// each attempt prints), and how far past a budget a run spends (agents that each spend $1 when
// they finish, a $5 budget: what is spent beyond it is at most the running attempts' own).
import {execFileSync} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {benchRepo, printTable, row} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

function headless(dir) {
	const started = performance.now();
	try {
		execFileSync(process.execPath, [cli, '--headless', '--json'], {cwd: dir, stdio: 'pipe'});
	} catch {
		// A run that ends with failed tasks or a spent budget exits 1: its figures still count.
	}

	return performance.now() - started;
}

function makespan(withUsage) {
	const tasks = Array.from({length: 40}, (_, i) => ({
		id: `t${i}`,
		title: `task ${i}`,
		sim: {
			ms: 0,
			...(withUsage
				? {usage: {model: 'claude-sonnet-4', inputTokens: 1000, outputTokens: 200, costUsd: 0.01}}
				: {}),
		},
	}));
	const dir = benchRepo('jetpack-bench-cost-', tasks, {
		agents: [{profile: 'simulated', count: 4}],
		notifications: false,
	});
	const ms = headless(dir);
	rmSync(dir, {recursive: true, force: true});
	return ms;
}

function overspend() {
	const tasks = Array.from({length: 20}, (_, i) => ({
		id: `b${i}`,
		title: `spends ${i}`,
		sim: {ms: 300 + (i % 4) * 100, usage: {costUsd: 1}},
	}));
	const dir = benchRepo('jetpack-bench-budget-', tasks, {
		agents: [{profile: 'simulated', count: 4}],
		budget: {usd: 5},
		notifications: false,
	});
	headless(dir);
	const store = readFileSync(path.join(dir, '.beads', 'tasks.jsonl'), 'utf8')
		.trim()
		.split('\n')
		.map((line) => JSON.parse(line));
	const spent = store
		.flatMap((task) => task.attempts)
		.reduce((sum, attempt) => sum + (attempt.usage?.costUsd ?? 0), 0);
	rmSync(dir, {recursive: true, force: true});
	return spent - 5;
}

export async function run() {
	const plain = [];
	const counted = [];
	for (let round = 0; round < 3; round++) {
		plain.push(makespan(false));
		counted.push(makespan(true));
	}

	const over = [overspend(), overspend(), overspend()];
	const median = (samples) => [...samples].sort((a, b) => a - b)[1];
	printTable('Cost and budgets (issue 15)', [
		row('40 zero-length tasks, 4 agents, no usage line (ms)', plain, 'makespan, 3 rounds'),
		row(
			'the same, each attempt reporting usage (ms)',
			counted,
			`p50 difference ${(median(counted) - median(plain)).toFixed(0)} ms`,
		),
		row(
			'$ spent past a $5 budget ($1 per attempt, 4 agents)',
			over,
			'at most the 3 other running attempts: $3',
		),
	]);
}
