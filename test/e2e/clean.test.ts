/**
 * `jetpack-tui clean` end to end (PRODUCT.md §12): worktrees and branches made by the real
 * GitWorkspaces in a real repository, the built CLI run over them; what a live run or a person
 * still needs stays, the rest goes, and --dry-run removes nothing.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {GitWorkspaces} from '../../source/adapters/git-workspaces.js';
import {runCli} from '../helpers/cli.js';
import {gitIn, gitRepo, isolateGitConfig, writeFiles} from '../helpers/git-repo.js';
import {tempRepo} from '../helpers/temp-repo.js';

beforeAll(() => {
	isolateGitConfig();
});

const branches = (repo: string) =>
	gitIn(
		repo,
		'for-each-ref',
		'--format=%(refname:short)',
		'refs/heads/jetpack/tasks',
		'refs/heads/jetpack/attempts',
	)
		.split('\n')
		.filter(Boolean)
		.sort();

const worktrees = (repo: string) =>
	gitIn(repo, 'worktree', 'list', '--porcelain')
		.split('\n')
		.filter((line) => line.startsWith('branch refs/heads/jetpack/tasks/'))
		.map((line) => line.slice('branch refs/heads/'.length))
		.sort();

/** A process id that was ours and is gone: a claim naming it belongs to a dead run. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

interface Fixture {
	readonly repo: string;
	readonly folders: Record<string, string>;
}

/**
 * A repository after a few runs: each task's worktree and branches as GitWorkspaces leaves them,
 * and the store saying where each task stands.
 */
async function afterSomeRuns(): Promise<Fixture> {
	const repo = await gitRepo();
	writeFileSync(path.join(repo, '.gitignore'), '.beads/\n.jetpack/\n');
	gitIn(repo, 'add', '.gitignore');
	gitIn(repo, 'commit', '-q', '-m', 'ignore');
	const worktreeDir = await tempRepo();
	mkdirSync(path.join(repo, '.beads'));
	mkdirSync(path.join(repo, '.jetpack'));
	writeFileSync(path.join(repo, '.jetpack', 'config.json'), JSON.stringify({worktreeDir}));
	const workspaces = await GitWorkspaces.open(repo, {
		runId: 'earlier',
		mergeStrategy: 'merge',
		worktreeDir,
	});
	const folders: Record<string, string> = {};
	/** An attempt that wrote `file` (or nothing), committed, and whose worktree was kept. */
	const kept = async (taskId: string, n: number, file?: string) => {
		const workspace = await workspaces.prepare(taskId, n);
		if (file !== undefined) writeFiles(workspace.dir, {[file]: `${taskId} ${n}\n`});
		await workspaces.commit(workspace, `${taskId}: attempt ${n}`);
		await workspaces.release(workspace, true);
		folders[taskId] = workspace.dir;
	};

	await kept('failed', 1, 'failed.txt');
	// Two attempts: the first one's work is kept as jetpack/attempts/done/1.
	await kept('done', 1, 'done.txt');
	await kept('done', 2, 'done.txt');
	await kept('review', 1, 'review.txt');
	await kept('live', 1, 'live.txt');
	await kept('dead', 1, 'dead.txt');
	await kept('vanished', 1, 'vanished.txt');
	// Changed nothing: its branch sits where the integration branch is.
	await kept('idle', 1);
	// Its folder deleted by hand: git still lists it until pruned.
	await kept('deleted', 1, 'deleted.txt');
	rmSync(folders['deleted'] ?? '', {recursive: true, force: true});

	const now = new Date().toISOString();
	const tasks = [
		{id: 'failed', title: 'failed', status: 'failed'},
		{id: 'done', title: 'done', status: 'completed'},
		{id: 'review', title: 'waits for a person', status: 'review'},
		{
			id: 'live',
			title: 'held by a live run',
			status: 'in_progress',
			startedAt: now,
			claimedBy: {runId: 'live-run', pid: process.pid, host: os.hostname()},
		},
		{
			id: 'dead',
			title: 'held by a run that is gone',
			status: 'in_progress',
			startedAt: now,
			claimedBy: {runId: 'dead-run', pid: deadPid(), host: os.hostname()},
		},
		{id: 'idle', title: 'changed nothing', status: 'pending'},
		{id: 'deleted', title: 'folder deleted', status: 'completed'},
	];
	writeFileSync(
		path.join(repo, '.beads', 'tasks.jsonl'),
		tasks.map((task) => `${JSON.stringify(task)}\n`).join(''),
	);
	return {repo, folders};
}

describe('jetpack-tui clean', () => {
	it('with --dry-run says what it would remove and removes nothing', async () => {
		const {repo, folders} = await afterSomeRuns();
		const before = {branches: branches(repo), worktrees: worktrees(repo)};
		const result = await runCli(['clean', '--dry-run'], {cwd: repo});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toMatch(/^Would remove 5 worktrees and 5 branches, .* of disk to free:/);
		expect(result.stdout).toContain('Nothing was removed (--dry-run)');
		expect({branches: branches(repo), worktrees: worktrees(repo)}).toEqual(before);
		for (const id of ['failed', 'done', 'vanished', 'dead', 'idle'])
			expect(existsSync(folders[id] ?? ''), id).toBe(true);
	});

	it('removes what no run needs, keeps a live run’s and a review’s work and unmerged work of unfinished tasks, and prunes', async () => {
		const {repo, folders} = await afterSomeRuns();
		expect(branches(repo)).toEqual([
			'jetpack/attempts/done/1',
			'jetpack/tasks/dead',
			'jetpack/tasks/deleted',
			'jetpack/tasks/done',
			'jetpack/tasks/failed',
			'jetpack/tasks/idle',
			'jetpack/tasks/live',
			'jetpack/tasks/review',
			'jetpack/tasks/vanished',
		]);
		const result = await runCli(['clean', '--json'], {cwd: repo});
		expect(result.code, result.stderr).toBe(0);
		const report = JSON.parse(result.stdout) as {
			dryRun: boolean;
			removed: Array<{kind: string; taskId: string; bytes?: number}>;
			kept: Array<{kind: string; name: string; why: string}>;
			pruned: string[];
			bytesFreed: number;
		};
		expect(report.dryRun).toBe(false);
		// The work a live run holds and the work waiting for a person, worktree and branch.
		expect(worktrees(repo)).toEqual(['jetpack/tasks/live', 'jetpack/tasks/review']);
		for (const id of ['live', 'review']) expect(existsSync(folders[id] ?? ''), id).toBe(true);
		for (const id of ['failed', 'done', 'vanished', 'dead', 'idle'])
			expect(existsSync(folders[id] ?? ''), id).toBe(false);
		// Unmerged work of tasks that will run again stays, the rest goes.
		expect(branches(repo)).toEqual([
			'jetpack/tasks/dead',
			'jetpack/tasks/failed',
			'jetpack/tasks/live',
			'jetpack/tasks/review',
		]);
		const removed = report.removed.map((item) => `${item.kind} ${item.taskId}`).sort();
		expect(removed).toEqual([
			'branch deleted',
			'branch done',
			'branch done',
			'branch idle',
			'branch vanished',
			'worktree dead',
			'worktree done',
			'worktree failed',
			'worktree idle',
			'worktree vanished',
		]);
		expect(report.bytesFreed).toBeGreaterThan(0);
		expect(report.pruned.join('\n')).toContain('deleted');
		const why = Object.fromEntries(
			report.kept.map((item) => [`${item.kind} ${item.name}`, item.why]),
		);
		expect(why['branch jetpack/tasks/review']).toContain('waits for review');
		expect(why['branch jetpack/tasks/live']).toContain('live run');
		expect(why['branch jetpack/tasks/failed']).toContain('unmerged work of failed');
		// The integration branch and the user's branch are never clean's.
		expect(
			gitIn(
				repo,
				'for-each-ref',
				'--format=%(refname:short)',
				'refs/heads/main',
				'refs/heads/jetpack/main',
			),
		).toBe('jetpack/main\nmain');

		const again = await runCli(['clean'], {cwd: repo});
		expect(again.code, again.stderr).toBe(0);
		expect(again.stdout).not.toContain('Removed');
		expect(again.stdout).toContain('Kept 6 items:');
	});

	it('outside git says there is nothing to clean', async () => {
		const dir = await tempRepo();
		const result = await runCli(['clean'], {cwd: dir});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('is not in a git work tree');
		expect(result.stdout).toContain('nothing to clean');
	});
});
