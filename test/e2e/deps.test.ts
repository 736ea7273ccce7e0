/**
 * `jetpack-tui deps` as a user runs it, on the sample project and on hand-made graphs.
 */
import {cpSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

const example = fileURLToPath(new URL('../../.beads-example/tasks.jsonl', import.meta.url));

async function sample(): Promise<string> {
	const cwd = await tempRepo();
	cpSync(example, path.join(cwd, '.beads', 'tasks.jsonl'));
	return cwd;
}

describe('jetpack-tui deps', () => {
	it('prints the critical path of the sample project, first to do to last, with an ETA', async () => {
		const cwd = await sample();
		const result = await runCli(['deps', '--critical-path', '--format', 'json', '-a', '4'], {cwd});
		expect(result.code).toBe(0);
		const report = JSON.parse(result.stdout) as {
			path: string[];
			minutes: number;
			next: string[];
			etaMinutes: number;
			agents: number;
		};
		expect(report.path[0]).toBe('bd-r812');
		expect(report.path.at(-1)).toBe('bd-fo61');
		expect(report.minutes).toBe(425);
		expect(report.next).toEqual(['bd-r812']);
		expect(report.agents).toBe(4);
		expect(report.etaMinutes).toBeGreaterThanOrEqual(425);
		const text = await runCli(['deps', '--critical-path'], {cwd});
		expect(text.stdout).toMatch(
			/^Critical path: 11 tasks, 7 h 5 min, first to do → last\n {3}1\. bd-r812 {2}· pending {2}30 min {2}Add the Postgres pool and transaction helper {2}← runnable now\n/,
		);
	});

	it('draws the graph as a tree with each task once and the critical path marked', async () => {
		const cwd = await sample();
		const {stdout, code} = await runCli(['deps', '--graph'], {cwd});
		expect(code).toBe(0);
		expect(stdout).not.toContain('\u001B');
		const lines = stdout.trimEnd().split('\n');
		const full = lines.filter((line) => /bd-[\da-z]{4} [·○◔◑⊘✓✗] /.test(line));
		const ids = full.map((line) => /(bd-[\da-z]{4}) [·○◔◑⊘✓✗] /.exec(line)?.[1]);
		expect(new Set(ids).size).toBe(ids.length);
		expect(ids).toHaveLength(54);
		expect(stdout).toContain('↑ (shown above)');
		expect(stdout).toMatch(/├── ◆ bd-vg1h · Implement the user repository \(30 min\)\n/);
		expect(lines.filter((line) => line.includes('◆ '))).toHaveLength(11);
	});

	it('shows one subgraph with --from', async () => {
		const cwd = await sample();
		const {stdout} = await runCli(['deps', '--from', 'bd-5h2g', '--format', 'json'], {cwd});
		const graph = JSON.parse(stdout) as {nodes: Array<{id: string}>};
		expect(graph.nodes.map((n) => n.id).sort()).toEqual([
			'bd-5h2g',
			'bd-6krf',
			'bd-6tqv',
			'bd-fo61',
			'bd-v3qn',
		]);
		expect((await runCli(['deps', '--from', 'bd-nope'], {cwd})).stderr).toMatch(
			/--from "bd-nope": there is no such task/,
		);
	});

	it('takes a completed dependency outside a --from view for what it is, not a missing one', async () => {
		const cwd = await repoWith([
			{id: 'a', title: 'A', status: 'completed'},
			{id: 'b', title: 'B', dependencies: ['a']},
			{id: 'c', title: 'C', dependencies: ['b', 'gone']},
		]);
		const result = await runCli(['deps', '--from', 'b', '--critical-path', '--format', 'json'], {
			cwd,
		});
		expect(result.stderr).toBe(
			'jetpack-tui: c depends on gone, which is not in the store; it will not run until that is fixed.\n',
		);
		expect(JSON.parse(result.stdout)).toMatchObject({next: ['b']});
	});

	it('gives the JSON shape of PRODUCT.md §10', async () => {
		const cwd = await repoWith([
			{id: 'a', title: 'A', estimatedMinutes: 10},
			{id: 'b', title: 'B', dependencies: ['a'], status: 'completed'},
			{id: 'c', title: 'C', dependencies: ['b', 'ghost']},
		]);
		const result = await runCli(['deps', '--graph', '--format', 'json'], {cwd});
		expect(JSON.parse(result.stdout)).toEqual({
			nodes: [
				{
					id: 'a',
					title: 'A',
					status: 'pending',
					estimatedMinutes: 10,
					runnable: true,
					onCriticalPath: false,
				},
				{
					id: 'b',
					title: 'B',
					status: 'completed',
					estimatedMinutes: 30,
					runnable: false,
					onCriticalPath: false,
				},
				{
					id: 'c',
					title: 'C',
					status: 'pending',
					estimatedMinutes: 30,
					runnable: false,
					onCriticalPath: true,
				},
			],
			edges: [
				{from: 'a', to: 'b'},
				{from: 'b', to: 'c'},
			],
			criticalPath: ['c'],
			cycles: [],
			missing: [{id: 'c', dependsOn: 'ghost'}],
		});
		expect(result.code).toBe(0);
		expect(result.stderr).toBe(
			'jetpack-tui: c depends on ghost, which is not in the store; it will not run until that is fixed.\n',
		);
	});

	it('exits 1 on a cycle and names it, in every format', async () => {
		const cwd = await repoWith([
			{id: 'bd-a1', title: 'A', dependencies: ['bd-b2']},
			{id: 'bd-b2', title: 'B', dependencies: ['bd-a1']},
			{id: 'bd-c3', title: 'C'},
		]);
		for (const format of ['text', 'json', 'dot', 'mermaid']) {
			const result = await runCli(['deps', '--format', format], {cwd});
			expect(result.code, format).toBe(1);
			expect(result.stderr).toContain('cycle: bd-a1 → bd-b2 → bd-a1\n');
		}

		expect((await runCli(['deps'], {cwd})).stdout).toContain(
			'On a cycle (never run until it is broken):',
		);
		expect((await runCli(['task', 'list', '--ready', '--json'], {cwd})).stdout).toBe(
			`${JSON.stringify([{id: 'bd-c3', title: 'C', description: '', status: 'pending', priority: 'medium', dependencies: [], blockers: [], requiredSkills: [], tags: [], estimatedMinutes: 30, retryCount: 0, attempts: []}])}\n`,
		);
		const validate = await runCli(['validate'], {cwd});
		expect(validate.code).toBe(1);
		expect(validate.stdout).toContain('cycle: bd-a1 → bd-b2 → bd-a1');
		expect(JSON.parse((await runCli(['status', '--json'], {cwd})).stdout)).toMatchObject({
			tasks: {runnable: 1, stuck: 2},
		});
	});

	it('writes Graphviz and Mermaid with the critical path in red', async () => {
		const cwd = await repoWith([
			{id: 'a', title: 'A "quoted"'},
			{id: 'b.1', title: 'B', dependencies: ['a']},
		]);
		const dot = (await runCli(['deps', '--format', 'dot'], {cwd})).stdout;
		expect(dot).toContain(
			'"a" [label="a\\nA \\"quoted\\"", fillcolor="#eeeeee", color=red, penwidth=2, fontcolor=red];',
		);
		expect(dot).toContain('"a" -> "b.1" [color=red, penwidth=2];');
		const mermaid = (await runCli(['deps', '--format', 'mermaid'], {cwd})).stdout;
		expect(mermaid).toContain('t0["a: A #quot;quoted#quot;"]:::pending');
		expect(mermaid).toContain('t0 --> t1');
		expect(mermaid).toContain('linkStyle 0 stroke:#d00,stroke-width:3px');
	});

	it('does not hang or fall over on a real beads export', async () => {
		const cwd = await tempRepo();
		await runCli(
			[
				'import',
				fileURLToPath(
					new URL('../fixtures/beads-issues-2026-01-21-polluted.jsonl', import.meta.url),
				),
			],
			{cwd},
		);
		const result = await runCli(['deps', '--graph', '--critical-path'], {cwd});
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Critical path:');
	});
});
