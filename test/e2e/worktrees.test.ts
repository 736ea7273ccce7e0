/**
 * A worktree per attempt and the merge queue, end to end (PRODUCT.md §12): the built CLI with
 * `--headless`, simulated agents writing files in real git worktrees, real merges — and the
 * user's own checkout, uncommitted work and all, left as it was.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {fast, start, stored} from '../helpers/headless.js';
import {initRepoIn} from '../helpers/git-repo.js';
import {repoWith} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

const git = (cwd: string, ...args: string[]) =>
	execFileSync('git', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();

/** A git repository with one commit, the store and config beside it, and the user's own work in progress. */
async function gitRepoWith(tasks: readonly object[], config: object): Promise<string> {
	const cwd = await repoWith(tasks, config);
	initRepoIn(cwd, {'shared.txt': 'base\n', '.gitignore': '.jetpack/logs/\n'});
	// Work in progress the run must never touch.
	writeFileSync(path.join(cwd, 'shared.txt'), 'base\nmy edit\n');
	writeFileSync(path.join(cwd, 'notes.txt'), 'mine\n');
	return cwd;
}

describe('jetpack-tui --headless in worktree mode', () => {
	it('merges each task into the integration branch, retries a conflict on the new tip, hands a chain its dependencies’ work, and never touches the user’s checkout', async () => {
		const worktrees = path.join(await repoWith([], {}), 'worktrees');
		mkdirSync(worktrees);
		const cwd = await gitRepoWith(
			[
				{id: 'a', title: 'writes a', sim: {ms: 100, writes: {'a.txt': 'a\n'}}},
				// Both change shared.txt the same way from the same base: the second to merge conflicts.
				{id: 'c1', title: 'changes shared', sim: {ms: 100, writes: {'shared.txt': 'base\nc1\n'}}},
				{
					id: 'c2',
					title: 'changes shared too',
					sim: {ms: 100, writes: {'shared.txt': 'base\nc2\n'}},
				},
				// Needs a's work, merged, in its own worktree: it appends to a.txt.
				{
					id: 'b',
					title: 'builds on a',
					dependencies: ['a'],
					sim: {ms: 100, writes: {'a.txt': 'b\n'}, append: true},
				},
			],
			{
				...fast,
				retryBackoffSeconds: [0.1],
				agents: [{profile: 'simulated', count: 3}],
				worktreeDir: worktrees,
			},
		);
		const head = git(cwd, 'rev-parse', 'HEAD');
		const run = start(cwd);
		const code = await run.exited;
		const tasks = stored(cwd);
		expect(code, run.stderr()).toBe(0);
		for (const id of ['a', 'b', 'c1', 'c2']) expect(tasks.get(id)?.status).toBe('completed');
		// One of c1, c2 conflicted once and merged on its retry.
		const conflicts = run.lines.filter(
			(line) => line.event === 'task.retry' && line['failureType'] === 'conflict',
		);
		expect(conflicts).toHaveLength(1);
		expect(String(conflicts[0]?.['message'])).toContain('shared.txt');
		// The integration branch holds every task's work.
		expect(git(cwd, 'show', 'jetpack/main:a.txt')).toBe('a\nb');
		expect(git(cwd, 'show', 'jetpack/main:shared.txt')).toMatch(/^base\nc[12]$/);
		const subjects = git(cwd, 'log', '--format=%s', 'jetpack/main');
		for (const id of ['a', 'b', 'c1', 'c2']) expect(subjects).toContain(`${id}: `);
		// The user's checkout: same branch, same commit, same uncommitted work.
		expect(git(cwd, 'rev-parse', 'HEAD')).toBe(head);
		expect(git(cwd, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
		expect(readFileSync(path.join(cwd, 'shared.txt'), 'utf8')).toBe('base\nmy edit\n');
		expect(readFileSync(path.join(cwd, 'notes.txt'), 'utf8')).toBe('mine\n');
		expect(git(cwd, 'status', '--porcelain', '--', 'shared.txt', 'notes.txt', 'a.txt')).toBe(
			'M shared.txt\n?? notes.txt',
		);
		// Merged tasks leave no worktree and no branch behind.
		expect(git(cwd, 'branch', '--list', 'jetpack/tasks/*', 'jetpack/attempts/*')).toBe('');
		expect(git(cwd, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
		// Each attempt records its workspace.
		expect(tasks.get('a')?.attempts[0]).toMatchObject({
			workspace: {branch: 'jetpack/tasks/a', files: 1, insertions: 1, deletions: 0},
		});
	}, 90_000);

	it('merges the work of an agent that reports done itself and lingers, before its dependents start', async () => {
		// r1: writes its file, reports through $JETPACK_CLI, then sits at a "prompt"; r2 (after
		// r1) succeeds only if r1's merged work is in its worktree.
		const script = [
			'if [ "$JETPACK_TASK_ID" = r1 ]; then',
			'echo one > r.txt && "$JETPACK_CLI" task done r1 && read line;',
			'else test -f r.txt; fi',
		].join(' ');
		const cwd = await gitRepoWith(
			[
				{id: 'r1', title: 'reports itself'},
				{id: 'r2', title: 'needs r1', dependencies: ['r1'], maxRetries: 0},
			],
			{
				...fast,
				stallMinutes: 10,
				timeoutFactor: 10,
				agents: [{name: 'sh', command: '/bin/sh', args: ['-c', script], count: 1}],
			},
		);
		const run = start(cwd);
		expect(await run.exited, run.stderr()).toBe(0);
		const completed = run.lines
			.filter((line) => line.event === 'task.completed')
			.map((line) => line.task);
		expect(completed).toEqual(['r1', 'r2']);
		expect(git(cwd, 'show', 'jetpack/main:r.txt')).toBe('one');
		expect(stored(cwd).get('r1')?.attempts[0]).toMatchObject({reported: 'done'});
	}, 60_000);

	it('reclaims the worktree of a run that was SIGKILLed, keeping its branch', async () => {
		const worktrees = path.join(await repoWith([], {}), 'worktrees');
		mkdirSync(worktrees);
		const config = (skills: string[]) => ({
			...fast,
			timeoutFactor: 100,
			agents: [{profile: 'simulated', count: 1, skills}],
			worktreeDir: worktrees,
		});
		const cwd = await gitRepoWith(
			[{id: 'h', title: 'hangs', requiredSkills: ['x'], sim: {ms: 100, hang: true}}],
			config(['x']),
		);
		const first = start(cwd);
		// Its agent at work in its worktree.
		await until(
			() => existsSync(path.join(cwd, '.jetpack', 'logs', 'h', '1.log')),
			'the agent started',
		);
		expect(readdirSync(worktrees)).toHaveLength(1);
		first.child.kill('SIGKILL');
		await first.exited;
		// The next run puts the task back (its agents cannot take it, so it does not run again).
		writeFileSync(path.join(cwd, '.jetpack', 'config.json'), JSON.stringify(config(['y'])));
		const second = start(cwd);
		await second.exited;
		expect(second.lines.find((line) => line.event === 'run.started')).toMatchObject({recovered: 1});
		expect(readdirSync(worktrees)).toEqual([]);
		expect(git(cwd, 'branch', '--list', 'jetpack/tasks/h')).toContain('jetpack/tasks/h');
	}, 60_000);

	it('runs in the shared folder, saying so, where the folder is not a git repository', async () => {
		const cwd = await repoWith([{id: 'x', title: 'x', sim: {ms: 50, writes: {'x.txt': 'x'}}}], {
			...fast,
			agents: [{profile: 'simulated', count: 1}],
		});
		const run = start(cwd);
		expect(await run.exited).toBe(0);
		expect(run.lines.find((line) => line.event === 'run.workspaces')).toMatchObject({
			mode: 'shared',
		});
		expect(readFileSync(path.join(cwd, 'x.txt'), 'utf8')).toBe('x');
	}, 60_000);
});
