/**
 * `import` through the built CLI (PRODUCT.md §3, §15): what beads means, and a jetpack task store
 * given by mistake read as it is.
 */
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

interface Listed {
	id: string;
	status: string;
	type?: string;
	priority: string;
	dependencies: string[];
}

const jsonl = (records: readonly object[]) =>
	records.map((record) => `${JSON.stringify(record)}\n`).join('');

async function list(cwd: string): Promise<Record<string, Listed>> {
	const {stdout} = await runCli(['task', 'list', '--json'], {cwd});
	return Object.fromEntries((JSON.parse(stdout) as Listed[]).map((task) => [task.id, task]));
}

describe('jetpack-tui import', () => {
	it('imports an epic as an epic, skips agents, and reads a wontfix as completed', async () => {
		const cwd = await tempRepo();
		const issue = (fields: object) => ({
			status: 'open',
			priority: 2,
			issue_type: 'task',
			...fields,
		});
		writeFileSync(
			path.join(cwd, 'issues.jsonl'),
			jsonl([
				issue({id: 'bd-e', title: 'Epic', issue_type: 'epic'}),
				issue({id: 'bd-e.1', title: 'Child', parent: 'bd-e'}),
				issue({id: 'gt-witness', title: 'Witness', issue_type: 'agent'}),
				issue({id: 'bd-w', title: 'Won’t', status: 'closed', close_reason: 'wontfix'}),
			]),
		);
		const imported = await runCli(['import', 'issues.jsonl'], {cwd});
		expect(imported).toMatchObject({code: 0, stderr: ''});
		expect(imported.stdout).toContain('Skipped 1: 1 not work (1 agent)');
		expect(imported.stdout).toContain('--all imports');
		let tasks = await list(cwd);
		expect(Object.keys(tasks)).toEqual(['bd-e', 'bd-e.1', 'bd-w']);
		expect(tasks['bd-e']).toMatchObject({type: 'epic', status: 'pending'});
		expect(tasks['bd-w']?.status).toBe('completed');
		// The epic is no work to run: the child is the only runnable task.
		const status = JSON.parse((await runCli(['status', '--json'], {cwd})).stdout) as {
			tasks: {runnable: number};
		};
		expect(status.tasks.runnable).toBe(1);

		expect((await runCli(['task', 'done', 'bd-e.1'], {cwd})).code).toBe(0);
		tasks = await list(cwd);
		expect(tasks['bd-e']?.status).toBe('completed');

		const all = await runCli(['import', 'issues.jsonl', '--all'], {cwd});
		expect(all.code).toBe(0);
		expect(Object.keys(await list(cwd))).toContain('gt-witness');
	});

	it('imports a jetpack tasks.jsonl as it is, and refuses one mixed with beads issues', async () => {
		const other = await repoWith([
			{id: 'bd-a1', title: 'A', status: 'completed', priority: 'low'},
			{id: 'bd-b2', title: 'B', status: 'ready', priority: 'high', dependencies: ['bd-a1']},
		]);
		const cwd = await tempRepo();
		const from = path.join(other, '.beads', 'tasks.jsonl');
		const imported = await runCli(['import', from], {cwd});
		expect(imported).toMatchObject({code: 0, stderr: ''});
		expect(imported.stdout).toContain('from tasks.jsonl (a jetpack task store, taken as it is)');
		const tasks = await list(cwd);
		expect(tasks['bd-a1']).toMatchObject({status: 'completed', priority: 'low'});
		expect(tasks['bd-b2']).toMatchObject({status: 'ready', dependencies: ['bd-a1']});

		writeFileSync(
			path.join(cwd, 'mixed.jsonl'),
			jsonl([
				{id: 'bd-c3', title: 'C', status: 'completed'},
				{id: 'bd-d4', title: 'D', status: 'open', priority: 1},
			]),
		);
		const mixed = await runCli(['import', 'mixed.jsonl'], {cwd});
		expect(mixed.code).toBe(2);
		expect(mixed.stderr).toContain(
			'mixed.jsonl mixes jetpack tasks (line 1) with beads issues (line 2); nothing was imported.',
		);
	});
});
