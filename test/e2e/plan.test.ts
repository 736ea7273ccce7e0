/**
 * `jetpack-tui plan` end to end (PRODUCT.md §16): the built CLI, the stand-in claude replaying a
 * real claude's captured planning answers (test/fixtures/clis/claude/plan*.jsonl) as a real child
 * process, and the real store.
 */
import {copyFileSync, mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

const fixtures = fileURLToPath(new URL('../fixtures/clis/', import.meta.url));
const standIn = path.join(fixtures, 'bin', 'claude');
const config = {agents: [{name: 'claude', command: standIn, count: 1}]};
const request = 'Add logging in with sessions stored in the database';

/** A repo whose claude answers attempt n with the captured file `answers[n - 1]`. */
async function repoAnswering(...answers: string[]) {
	const cwd = await repoWith(
		[{id: 'bd-old1', title: 'Existing work', status: 'completed'}],
		config,
	);
	const replay = path.join(cwd, 'replay');
	mkdirSync(replay);
	for (const [index, file] of answers.entries())
		copyFileSync(path.join(fixtures, 'claude', file), path.join(replay, `task.${index + 1}.jsonl`));
	return {cwd, env: {JETPACK_REPLAY_DIR: replay, JETPACK_REPLAY_DELAY_MS: '0'}};
}

const stored = (cwd: string) =>
	readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')
		.split('\n')
		.filter((line) => line !== '')
		.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('jetpack-tui plan', () => {
	it('shows the tree with critical path and total, and writes an epic and its tasks with --yes', async () => {
		const {cwd, env} = await repoAnswering('plan.jsonl');
		const result = await runCli(['plan', request, '--yes'], {cwd, env});
		expect(result.stderr).toContain('Planning with claude');
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Epic: Log in with sessions');
		expect(result.stdout).toMatch(
			/└── ◆ schema Add the sessions table and its migration \(30 min\) \[sql\]/,
		);
		expect(result.stdout).toMatch(/Critical path: schema → .* → e2e \(\d/);
		expect(result.stdout).toMatch(/Total estimate: \d+ h( \d+ min)? over 6 tasks/);
		expect(result.stdout).toMatch(/Wrote epic bd-[\da-z]{4,} and 6 tasks:/);
		const tasks = stored(cwd);
		const epic = tasks.find((task) => task['type'] === 'epic');
		expect(epic).toMatchObject({
			title: 'Log in with sessions',
			status: 'pending',
			metadata: {plan: {request}},
		});
		const children = tasks.filter((task) => task['parentId'] === epic?.['id']);
		expect(children).toHaveLength(6);
		const schema = children.find(
			(task) => task['title'] === 'Add the sessions table and its migration',
		);
		expect(schema).toMatchObject({status: 'ready', estimatedMinutes: 30, requiredSkills: ['sql']});
		const e2e = children.find((task) => String(task['title']).startsWith('End-to-end'));
		expect(e2e?.['status']).toBe('pending');
		expect(e2e?.['dependencies']).toHaveLength(4);
		for (const dep of e2e?.['dependencies'] as string[])
			expect(children.map((task) => task['id'])).toContain(dep);
	});

	it('without a terminal and without --yes prints the plan, writes nothing, and says to re-run with --yes', async () => {
		const {cwd, env} = await repoAnswering('plan.jsonl');
		const before = readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8');
		const result = await runCli(['plan', request], {cwd, env});
		expect(result.code).toBe(1);
		expect(result.stdout).toContain('Critical path:');
		expect(result.stderr).toContain('re-run with --yes');
		expect(readFileSync(path.join(cwd, '.beads', 'tasks.jsonl'), 'utf8')).toBe(before);
	});

	it('sends an invalid answer back once, and writes the corrected plan', async () => {
		const {cwd, env} = await repoAnswering('plan-invalid.jsonl', 'plan-retried.jsonl');
		const result = await runCli(['plan', request, '--yes', '--json'], {cwd, env});
		expect(result.stderr).toContain('asking claude again with the errors');
		expect(result.code).toBe(0);
		const written = JSON.parse(result.stdout) as {
			epic: {id: string};
			tasks: Array<{parentId: string}>;
		};
		expect(written.tasks).toHaveLength(6);
		for (const task of written.tasks) expect(task.parentId).toBe(written.epic.id);
	});

	it('a second invalid answer exits 1 naming the errors, and writes nothing', async () => {
		const {cwd, env} = await repoAnswering('plan-invalid.jsonl', 'plan-invalid.jsonl');
		const result = await runCli(['plan', request, '--yes'], {cwd, env});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain('still not valid');
		expect(result.stderr).toContain('- task 2 ("part-1"): the "title" is empty');
		expect(result.stderr).toMatch(/- cycle: /);
		expect(stored(cwd)).toHaveLength(1);
	});

	it('an agent that gives no answer exits 3 with its reason', async () => {
		const {cwd, env} = await repoAnswering('not-logged-in.jsonl');
		const result = await runCli(['plan', request, '--yes'], {cwd, env});
		expect(result.code).toBe(3);
		expect(result.stderr).toMatch(/claude gave no plan: .*Not logged in/);
		expect(stored(cwd)).toHaveLength(1);
	});

	it('a CLI that is not installed exits 3 saying so', async () => {
		const cwd = await repoWith([], {
			agents: [{profile: 'claude', command: 'no-such-cli-here', count: 1}],
		});
		const result = await runCli(['plan', request, '--yes'], {cwd});
		expect(result.code).toBe(3);
		expect(result.stderr).toContain('no-such-cli-here is not installed or not on PATH');
	});

	it('plans with the simulated agent, no CLI needed, in a folder with no store yet', async () => {
		const cwd = await tempRepo();
		const result = await runCli(
			['plan', 'Add a login page, then write the docs', '--agent', 'simulated', '--yes'],
			{cwd},
		);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('Epic: Add a login page, then write the docs');
		expect(stored(cwd)).toHaveLength(5);
	});

	it.each([
		[['plan'], /needs REQUEST/],
		[['plan', '  ', '--agent', 'simulated'], /The request is empty/],
		[['plan', 'a', '--agent', 'nope'], /Unknown agent profile "nope"/],
	])('%j is a usage error', async (args, message) => {
		const cwd = await tempRepo();
		const result = await runCli(args, {cwd});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(message);
	});
});
