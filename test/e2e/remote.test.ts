/**
 * Two machines sharing the integration branch through a git remote, end to end (PRODUCT.md §12,
 * §15): the built CLI with `--headless` on two clones of one bare repository, simulated agents,
 * real fetches and pushes; a remote that disappears mid-run keeps the work in review.
 */
import {appendFileSync, existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {gitIn, initRepoIn} from '../helpers/git-repo.js';
import {fast, start, stored} from '../helpers/headless.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';
import {until} from '../helpers/until.js';

/** A machine: its own store and config, its repository a clone of `remote` (the first pushes it). */
async function machine(
	remote: string,
	tasks: readonly object[],
	config: object,
	first: boolean,
): Promise<string> {
	const worktreeDir = path.join(await tempRepo(), 'worktrees');
	const cwd = await repoWith(tasks, {
		...fast,
		agents: [{profile: 'simulated', count: 1}],
		worktreeDir,
		remote: 'origin',
		...config,
	});
	if (first) {
		initRepoIn(cwd, {'README.md': 'shared\n', '.gitignore': '.jetpack/logs/\n'});
		gitIn(cwd, 'remote', 'add', 'origin', remote);
		gitIn(cwd, 'push', '-q', 'origin', 'main');
		return cwd;
	}

	gitIn(cwd, 'init', '-q', '-b', 'main');
	gitIn(cwd, 'config', 'user.name', 'Second');
	gitIn(cwd, 'config', 'user.email', 'second@example.com');
	gitIn(cwd, 'remote', 'add', 'origin', remote);
	gitIn(cwd, 'fetch', '-q', 'origin', 'main');
	gitIn(cwd, 'reset', '-q', '--hard', 'FETCH_HEAD');
	return cwd;
}

describe('jetpack-tui --headless with a shared remote', () => {
	it('two machines build on each other’s work through the remote; a remote gone mid-run leaves the work in review, accepted once it is back', async () => {
		const remote = await tempRepo();
		gitIn(remote, 'init', '-q', '--bare', '-b', 'main');
		const marker = path.join(await tempRepo(), 'go');
		const first = await machine(
			remote,
			[{id: 'a', title: 'writes a', sim: {ms: 50, writes: {'a.txt': 'a\n'}}}],
			{},
			true,
		);
		const ran = start(first);
		expect(await ran.exited, ran.stderr()).toBe(0);
		expect(gitIn(remote, 'show', 'jetpack/main:a.txt')).toBe('a');

		// The second machine's task builds on the first's work: its worktree starts from the remote.
		const second = await machine(
			remote,
			[{id: 'b', title: 'adds to a', sim: {ms: 50, writes: {'a.txt': 'b\n'}, append: true}}],
			{},
			false,
		);
		const other = start(second);
		expect(await other.exited, other.stderr()).toBe(0);
		expect(gitIn(remote, 'show', 'jetpack/main:a.txt')).toBe('a\nb');
		expect(gitIn(second, 'rev-parse', 'jetpack/main')).toBe(
			gitIn(remote, 'rev-parse', 'jetpack/main'),
		);

		// Back on the first machine, the remote goes away while c's gate holds its merge back.
		appendFileSync(
			path.join(first, '.beads', 'tasks.jsonl'),
			`${JSON.stringify({id: 'c', title: 'writes c', sim: {ms: 50, writes: {'c.txt': 'c\n'}}})}\n`,
		);
		const config = JSON.parse(
			readFileSync(path.join(first, '.jetpack', 'config.json'), 'utf8'),
		) as object;
		writeFileSync(
			path.join(first, '.jetpack', 'config.json'),
			JSON.stringify({
				...config,
				qualityGates: [`while [ ! -e '${marker}' ]; do sleep 0.05; done`],
			}),
		);
		const away = path.join(await tempRepo(), 'away');
		const late = start(first);
		// Its worktree is made from the fetched tip: from here on, only the merge needs the remote.
		await until(() => worktreeOf(first, 'c') !== undefined, 'c’s worktree');
		renameSync(remote, away);
		appendFileSync(marker, '');
		expect(await late.exited, late.stderr()).toBe(0);
		expect(stored(first).get('c')?.status).toBe('review');
		const told = late.lines.find((line) => line.event === 'task.review');
		expect(String(told?.['unmerged'])).toMatch(/^the remote origin could not be reached \(/);
		expect(gitIn(first, 'rev-parse', 'jetpack/tasks/c')).not.toBe('');
		const finished = late.lines.find((line) => line.event === 'run.finished');
		expect(finished?.['review']).toEqual([
			{
				id: 'c',
				why: expect.stringMatching(
					/^jetpack\/tasks\/c \(\+1 −0, 1 file\), not merged: the remote origin could not be reached/,
				) as unknown,
			},
		]);

		// Accepting while the remote is still away: nothing changes, and it says why.
		const early = await runCli(['review', 'c', '--accept'], {cwd: first});
		expect(early.code).toBe(2);
		expect(early.stderr).toMatch(
			/^jetpack-tui: cannot share the integration branch through the remote origin: the remote origin could not be reached \(.*\); check the network and your access \(git fetch origin\), or remove "remote" from \.jetpack\/config\.json to merge on this machine alone\.\n$/,
		);
		expect(stored(first).get('c')?.status).toBe('review');

		renameSync(away, remote);
		const accepted = await runCli(['review', 'c', '--accept'], {cwd: first});
		expect(accepted.code, accepted.stderr).toBe(0);
		expect(stored(first).get('c')?.status).toBe('completed');
		const attempt = stored(first).get('c')?.attempts.at(-1) as {workspace?: object} | undefined;
		expect(attempt?.workspace).not.toHaveProperty('unmerged');
		expect(gitIn(remote, 'show', 'jetpack/main:c.txt')).toBe('c');
		expect(gitIn(remote, 'show', 'jetpack/main:a.txt')).toBe('a\nb');
	});

	it('refuses to start with a remote the repository does not have, or without worktrees (exit 2)', async () => {
		const remote = await tempRepo();
		gitIn(remote, 'init', '-q', '--bare', '-b', 'main');
		const cwd = await machine(
			remote,
			[{id: 'a', title: 'a', sim: {ms: 0}}],
			{remote: 'upstream'},
			true,
		);
		const run = start(cwd);
		expect(await run.exited).toBe(2);
		expect(run.stderr()).toBe(
			'jetpack-tui: .jetpack/config.json: "remote" is "upstream", which is not a remote of this repository (its remotes: origin): add it (git remote add upstream URL) or set "remote" to one of its remotes.\n',
		);
		expect(existsSync(path.join(cwd, '.jetpack', 'workspace.json'))).toBe(false);

		// Nothing would travel between machines without worktrees.
		writeFileSync(
			path.join(cwd, '.jetpack', 'config.json'),
			JSON.stringify({remote: 'origin', workspaces: 'shared'}),
		);
		const shared = start(cwd);
		expect(await shared.exited).toBe(2);
		expect(shared.stderr()).toBe(
			'jetpack-tui: .jetpack/config.json: "remote" shares the integration branch, which needs worktree mode, but "workspaces" is "shared"; remove "remote", or make worktree mode possible.\n',
		);
	});
});

/** The worktree of `taskId`'s attempt, once git lists it. */
function worktreeOf(cwd: string, taskId: string): string | undefined {
	let list: string;
	try {
		list = gitIn(cwd, 'worktree', 'list', '--porcelain');
	} catch {
		// Read while the run's `git worktree add` is halfway (the run itself lists worktrees only
		// under its lock): git fails on the half-made entry ("failed to read …/commondir").
		return undefined;
	}

	return list
		.split('\n')
		.find((line) => line.startsWith('worktree ') && line.endsWith(`/${taskId}-1`));
}
