/**
 * Review mode end to end (PRODUCT.md §12, `merge: "review"`): the built CLI, headless runs of
 * simulated agents writing files in real git worktrees, then `review`, `diff`, a rejection that
 * sends the task back, a second run that redoes it, an acceptance that merges it, and its
 * dependent run after — the user's own checkout untouched throughout.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {fast, start, stored} from '../helpers/headless.js';
import {initRepoIn} from '../helpers/git-repo.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

const git = (cwd: string, ...args: string[]) =>
	execFileSync('git', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']}).trim();

async function run(cwd: string) {
	const headless = start(cwd);
	const code = await headless.exited;
	expect(code, headless.stderr()).toBe(0);
	return headless;
}

describe('jetpack-tui review and diff', () => {
	it('lists work waiting for review, shows its diff, sends it back with a reason, then merges it and runs its dependent', async () => {
		const worktrees = await tempRepo();
		mkdirSync(path.join(worktrees, 'trees'));
		const cwd = await repoWith(
			[
				{id: 'a', title: 'writes a', sim: {ms: 50, writes: {'a.txt': 'a\n'}}},
				{
					id: 'd',
					title: 'builds on a',
					dependencies: ['a'],
					sim: {ms: 50, writes: {'a.txt': 'd\n'}, append: true},
				},
			],
			{
				...fast,
				merge: 'review',
				// The simulated agent, after printing its prompt, so the log shows what it was told.
				agents: [
					{
						name: 'told',
						command: 'sh',
						args: [
							'-c',
							'printf "%s\\n" "$1"; exec $JETPACK_CLI simulate "$2"',
							'sh',
							'{prompt}',
							'{id}',
						],
						count: 2,
					},
				],
				worktreeDir: path.join(worktrees, 'trees'),
			},
		);
		initRepoIn(cwd, {'README.md': 'start\n', '.gitignore': '.jetpack/logs/\n'});
		// Work in progress no command may touch.
		writeFileSync(path.join(cwd, 'README.md'), 'start\nmy edit\n');
		const head = git(cwd, 'rev-parse', 'HEAD');
		const cli = async (...args: string[]) => runCli(args, {cwd});

		// The run ends with a waiting for review and d waiting for a.
		const first = await run(cwd);
		expect(first.lines.find((line) => line.event === 'task.review')).toMatchObject({task: 'a'});
		expect(stored(cwd).get('a')?.status).toBe('review');
		expect(stored(cwd).get('d')?.status).toBe('pending');

		const listed = await cli('review', '--json');
		expect(listed.code, listed.stderr).toBe(0);
		expect(JSON.parse(listed.stdout)).toEqual([
			expect.objectContaining({
				id: 'a',
				title: 'writes a',
				branch: 'jetpack/tasks/a',
				files: 1,
				insertions: 1,
				deletions: 0,
			}),
		]);
		const text = await cli('review');
		expect(text.stdout).toMatch(
			/^ID\s+BRANCH\s+CHANGE\s+FILES\s+TITLE\na\s+jetpack\/tasks\/a\s+\+1 −0\s+1\s+writes a\n$/,
		);

		const diff = await cli('diff', 'a');
		expect(diff.code, diff.stderr).toBe(0);
		expect(diff.stdout).toContain('+++ b/a.txt\n@@ -0,0 +1 @@\n+a\n');
		// Piped with NO_COLOR: plain.
		expect(diff.stdout).not.toContain('\u001B[');
		expect((await cli('diff', 'a', '--stat')).stdout).toMatch(/a\.txt \| 1 \+\n 1 file changed/);
		const shown = await cli('review', 'a');
		expect(shown.stdout).toContain('  change   +1 −0, 1 file');
		expect(shown.stdout).toContain('a.txt | 1 +');
		expect(shown.stdout).toContain('jetpack-tui review a --reject "why"');
		expect((await cli('diff', 'd')).stderr).toBe(
			'jetpack-tui: d has not run yet, so there is nothing to diff.\n',
		);

		// Mistakes: one sentence, exit 2, nothing changed.
		for (const [args, said] of [
			[['review', 'zz', '--accept'], 'There is no task "zz"'],
			[['review', 'd', '--accept'], 'd is pending, not waiting for review'],
			[['review', 'a', '--reject'], '--reject needs a reason'],
			[['review', 'a', '--reject', ' '], '--reject needs a reason'],
			[['review', '--accept'], '--accept needs the task it answers'],
			[['review', 'a', '--accept', '--reject', 'x'], '--accept and --reject are two answers'],
			[['diff', 'zz'], 'There is no task "zz"'],
		] as const) {
			const result = await cli(...args);
			expect([args, result.code]).toEqual([args, 2]);
			expect(result.stderr).toContain(said);
			expect(result.stderr.trim().split('\n')).toHaveLength(1);
		}

		// Rejected: back to the queue, no retry spent, the reason kept.
		const rejected = await cli('review', 'a', '--reject', 'say hello too');
		expect(rejected.code, rejected.stderr).toBe(0);
		expect(rejected.stdout).toMatch(/^Rejected a: it goes back to the queue with no retry spent/);
		expect(stored(cwd).get('a')).toMatchObject({
			status: 'ready',
			retryCount: 0,
			lastError: 'rejected in review: say hello too',
		});

		// The second run redoes it; the rejected work is kept on a branch of its own.
		await run(cwd);
		const redone = stored(cwd).get('a');
		expect(redone?.status).toBe('review');
		expect(redone?.attempts).toHaveLength(2);
		expect(git(cwd, 'show', 'jetpack/attempts/a/1:a.txt')).toBe('a');
		const told = readFileSync(path.join(cwd, '.jetpack', 'logs', 'a', '2.log'), 'utf8');
		expect(told).toContain('An earlier attempt was sent back: rejected in review: say hello too');
		expect(told).toContain("The previous attempt's work is on git branch jetpack/attempts/a/1");

		const accepted = await cli('review', 'a', '--accept', '--json');
		expect(accepted.code, accepted.stderr).toBe(0);
		expect(JSON.parse(accepted.stdout)).toMatchObject({id: 'a', status: 'completed'});
		expect(git(cwd, 'show', 'jetpack/main:a.txt')).toBe('a');
		expect(git(cwd, 'log', '-1', '--format=%s', 'jetpack/main')).toBe('a: writes a');
		expect(git(cwd, 'branch', '--list', 'jetpack/tasks/a', 'jetpack/attempts/a/*')).toBe('');
		// Once merged, the diff is what the merge brought in.
		expect((await cli('diff', 'a')).stdout).toContain('+++ b/a.txt');
		expect((await cli('review', 'a', '--accept')).stderr).toContain(
			'a is completed, not waiting for review',
		);

		// Its dependent runs on the merged work, and waits for review in turn.
		await run(cwd);
		expect(stored(cwd).get('d')?.status).toBe('review');
		expect((await cli('review', 'd', '--accept')).code).toBe(0);
		expect(git(cwd, 'show', 'jetpack/main:a.txt')).toBe('a\nd');
		expect((await cli('review', '--json')).stdout).toBe('[]\n');
		expect((await cli('review')).stderr).toBe('jetpack-tui: nothing waits for review.\n');

		// The user's checkout: same branch, same commit, same uncommitted work.
		expect(git(cwd, 'rev-parse', 'HEAD')).toBe(head);
		expect(git(cwd, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
		expect(readFileSync(path.join(cwd, 'README.md'), 'utf8')).toBe('start\nmy edit\n');
		expect(git(cwd, 'status', '--porcelain', '--', 'README.md', 'a.txt')).toBe('M README.md');
	}, 60_000);
});
