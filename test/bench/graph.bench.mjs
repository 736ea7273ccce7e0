// Issue 3: the dependency graph at 100,000 tasks and ~300,000 edges. `deps --critical-path` as a
// whole process, the graph computation alone, and a bare JSON.parse of every line (the floor for
// any tool that reads the file).
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {buildGraph} from '../../dist/core/graph.js';
import {parseStore, serializeStore} from '../../dist/core/store-format.js';
import {newTask} from '../../dist/core/task.js';
import {printTable, row, timeProcess, timeRuns} from './stats.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A DAG with long chains: each task depends on up to three of the 50 tasks before it. */
export function syntheticDag(count, edgesPerTask = 3) {
	let seed = 42;
	const random = () => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed / 2_147_483_648;
	};

	const id = (i) => `bd-${i.toString(36).padStart(5, '0')}`;
	const tasks = new Map();
	let edges = 0;
	for (let i = 0; i < count; i++) {
		const dependencies = new Set();
		for (let k = 0; k < edgesPerTask && i > 0; k++)
			dependencies.add(id(Math.max(0, i - 1 - Math.floor(random() * 50))));
		edges += dependencies.size;
		tasks.set(
			id(i),
			newTask({
				id: id(i),
				title: `Task ${i}: wire the loan endpoint to the repository`,
				status: i < count * 0.2 ? 'completed' : 'pending',
				dependencies: [...dependencies],
				estimatedMinutes: 5 + Math.floor(random() * 60),
			}),
		);
	}

	return {tasks, edges};
}

const bareParse = `const fs = require('node:fs');
for (const line of fs.readFileSync(process.argv[1], 'utf8').split('\\n')) if (line !== '') JSON.parse(line);`;

export async function run() {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-bench-graph-'));
	try {
		const {tasks, edges} = syntheticDag(100_000);
		mkdirSync(path.join(dir, '.beads'));
		const file = path.join(dir, '.beads', 'tasks.jsonl');
		writeFileSync(file, serializeStore(tasks));
		const bytes = readFileSync(file);
		const note = `${tasks.size.toLocaleString('en')} tasks, ${edges.toLocaleString('en')} edges, ${(bytes.length / 1e6).toFixed(1)} MB`;

		const rows = [];
		rows.push(row('node -e 0 (process floor)', timeProcess(5, [process.execPath, '-e', '0'])));
		const bare = timeProcess(5, [process.execPath, '-e', bareParse, file]);
		rows.push(row('bare JSON.parse of every line, process', bare, 'read + split + JSON.parse'));
		const deps = [process.execPath, cli, 'deps', '--critical-path', '--format', 'json'];
		const whole = timeProcess(5, deps, {cwd: dir});
		rows.push(row('deps --critical-path --format json, process', whole, note));
		// On a shared machine the load drifts between the two rows above; runs taken in turns see
		// the same load, so the ratio of each pair is the steadier figure.
		const pairs = [];
		for (let i = 0; i < 7; i++) {
			const [bareRun] = timeProcess(1, [process.execPath, '-e', bareParse, file]);
			const [depsRun] = timeProcess(1, deps, {cwd: dir});
			pairs.push(depsRun / bareRun);
		}
		rows.push(
			row(
				'in process: JSON.parse of every line',
				await timeRuns(5, () => {
					for (const line of bytes.toString('utf8').split('\n')) if (line !== '') JSON.parse(line);
				}),
			),
		);
		let table;
		rows.push(
			row(
				'in process: parse + schema check (parseStore)',
				await timeRuns(5, () => {
					table = parseStore(bytes).table;
				}),
			),
		);
		let graph;
		rows.push(
			row(
				'in process: graph alone (buildGraph)',
				await timeRuns(5, () => {
					graph = buildGraph(table);
				}),
				`critical path ${graph?.criticalPath.length ?? 0} tasks`,
			),
		);
		printTable('Dependency graph, 100,000 tasks (issue 3)', rows);
		const p50 = (r) => r.p50;
		console.log(
			`\nwhole deps process / bare parse process (p50): ${(p50(rows[2]) / p50(rows[1])).toFixed(2)}x (goal: within 2x)`,
		);
		pairs.sort((a, b) => a - b);
		console.log(
			`the same, runs in turns (median of ${pairs.length} pairs): ${pairs[3].toFixed(2)}x (range ${pairs[0].toFixed(2)}-${pairs.at(-1).toFixed(2)})`,
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}
