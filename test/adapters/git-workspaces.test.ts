/**
 * Worktree mode on real git in temp folders (PRODUCT.md §12): attempts in worktrees of their own,
 * their work committed and merged by the queue (fast-forward, merge, squash, conflict, a branch
 * that moved meanwhile, a merger killed mid-way), and the user's checkout never touched.
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {beforeAll, describe, expect, it} from 'vitest';
import {
	GitWorkspaces,
	type GitWorkspacesOptions,
	listJetpackWork,
	WorkspaceRefused,
	WorkspaceUnavailable,
} from '../../source/adapters/git-workspaces.js';
import {git, gitTooOld, worktreeModeUnsupported} from '../../source/adapters/git.js';
import {isRefComponent, taskBranch, taskIdOfBranch} from '../../source/core/branch-names.js';
import {
	type PreparedWorkspace,
	SharedWorkspaces,
	WorkspaceSetupFailed,
} from '../../source/core/workspaces.js';
import {
	checkoutSnapshot,
	commitAll,
	filesAt,
	gitIn,
	gitRepo,
	isolateGitConfig,
	parentsOf,
	writeFiles,
} from '../helpers/git-repo.js';
import {tempRepo} from '../helpers/temp-repo.js';

beforeAll(() => {
	isolateGitConfig();
});

const tipOf = (repo: string, branch = 'jetpack/main') =>
	gitIn(repo, 'rev-parse', `refs/heads/${branch}`);

const branchExists = (repo: string, branch: string) =>
	gitIn(repo, 'for-each-ref', `refs/heads/${branch}`) !== '';

async function open(repo: string, options: Partial<GitWorkspacesOptions> = {}) {
	return GitWorkspaces.open(repo, {
		runId: 'test',
		mergeStrategy: 'merge',
		worktreeDir: await tempRepo(),
		...options,
	});
}

/** An agent's attempt: `files` written into its worktree, then committed as `<id>: work`. */
async function attempt(
	workspaces: GitWorkspaces,
	taskId: string,
	files: Record<string, string>,
	n = 1,
) {
	const workspace = await workspaces.prepare(taskId, n);
	writeFiles(workspace.dir, files);
	const work = await workspaces.commit(workspace, `${taskId}: work`);
	return {workspace, work};
}

async function mergeAttempt(
	workspaces: GitWorkspaces,
	taskId: string,
	files: Record<string, string>,
) {
	const {workspace, work} = await attempt(workspaces, taskId, files);
	return {workspace, work, outcome: await workspaces.merge(workspace, work, `${taskId}: work`)};
}

describe('GitWorkspaces', () => {
	it('needs git 2.38, which this machine has', async () => {
		expect(await worktreeModeUnsupported()).toBeUndefined();
	});

	it.each([
		[[2, 39, 5], undefined],
		[[2, 38, 0], undefined],
		[[3, 0, 0], undefined],
		[
			[2, 37, 1],
			'git 2.37.1 is older than 2.38, which worktree mode needs (git merge-tree --write-tree), so every agent works in the shared folder; update git to give each agent its own worktree',
		],
		[undefined, 'git is not installed, so every agent works in the shared folder'],
	] as const)('git %j: %j', (version, reason) => {
		expect(gitTooOld(version)).toBe(reason);
	});

	it('judges ref components as git check-ref-format does', async () => {
		const dir = await tempRepo();
		for (const name of [
			'ok',
			'a.b',
			'.a',
			'a.',
			'a..b',
			'a.lock',
			'@',
			'a@{b',
			'a@b',
			'a b',
			'a~b',
			'a^b',
			'a:b',
			'a?b',
			'a*b',
			'a[b',
			'a\\b',
			'é',
			'a%b',
			'-a',
			'a\tb',
		]) {
			const valid = await git(dir, ['check-ref-format', `refs/heads/x/${name}`], {okCodes: [1]});
			expect([name, isRefComponent(name)]).toEqual([name, valid.code === 0]);
		}
	});

	it('fast-forwards a single task, then removes its branch and worktree', async () => {
		const repo = await gitRepo();
		const main = tipOf(repo, 'main');
		const workspaces = await open(repo);
		expect(workspaces.branch).toBe('jetpack/main');
		expect(tipOf(repo)).toBe(main);

		const {workspace, work, outcome} = await mergeAttempt(workspaces, 'bd-1', {
			'one.txt': 'one\nmore\n',
		});
		expect(workspace).toMatchObject({branch: 'jetpack/tasks/bd-1', base: main});
		expect(path.dirname(workspace.dir)).toBe(workspaces.worktreeDir);
		expect(work).toMatchObject({files: 1, insertions: 2, deletions: 0});
		expect(outcome).toEqual({kind: 'merged', commit: work.head});
		expect(tipOf(repo)).toBe(work.head);
		expect(tipOf(repo, 'main')).toBe(main);
		expect(existsSync(workspace.dir)).toBe(false);
		expect(branchExists(repo, 'jetpack/tasks/bd-1')).toBe(false);
		expect(gitIn(repo, 'log', '-1', '--format=%s%n%an', work.head)).toBe('bd-1: work\nRepo Owner');
		expect(JSON.parse(readFileSync(path.join(repo, '.jetpack', 'workspace.json'), 'utf8'))).toEqual(
			{branch: 'jetpack/main', base: 'main'},
		);
	});

	it('merges two tasks made from the same base with a merge commit of two parents', async () => {
		const repo = await gitRepo();
		const workspaces = await open(repo);
		const first = await attempt(workspaces, 'bd-a', {'a.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {'b.txt': 'b\n'});
		expect(first.workspace.base).toBe(second.workspace.base);

		expect(await workspaces.merge(first.workspace, first.work, 'bd-a: work')).toEqual({
			kind: 'merged',
			commit: first.work.head,
		});
		const outcome = await workspaces.merge(second.workspace, second.work, 'bd-b: work');
		expect(outcome.kind).toBe('merged');
		const tip = tipOf(repo);
		expect(parentsOf(repo, tip)).toEqual([first.work.head, second.work.head]);
		expect(filesAt(repo, tip)).toEqual(['README.md', 'a.txt', 'b.txt']);
		expect(gitIn(repo, 'log', '-1', '--format=%s', tip)).toBe('bd-b: work');
		// Nothing left to merge a second time.
		expect(await workspaces.merge(second.workspace, second.work, 'again')).toEqual({
			kind: 'nothing',
		});
	});

	it('squashes each task into one commit with one parent', async () => {
		const repo = await gitRepo();
		const workspaces = await open(repo, {mergeStrategy: 'squash'});
		const first = await workspaces.prepare('bd-a', 1);
		// The agent committed once itself; what it left after is committed by us.
		writeFiles(first.dir, {'a.txt': 'a\n'});
		commitAll(first.dir, 'agent commit');
		writeFiles(first.dir, {'a2.txt': 'a2\n'});
		const firstWork = await workspaces.commit(first, 'bd-a: work');
		const second = await attempt(workspaces, 'bd-b', {'b.txt': 'b\n'});

		const main = tipOf(repo, 'main');
		expect(await workspaces.merge(first, firstWork, 'bd-a: work')).toMatchObject({kind: 'merged'});
		const afterFirst = tipOf(repo);
		expect(parentsOf(repo, afterFirst)).toEqual([main]);
		expect(gitIn(repo, 'log', '-1', '--format=%s', afterFirst)).toBe('bd-a: work');

		await workspaces.merge(second.workspace, second.work, 'bd-b: work');
		const tip = tipOf(repo);
		expect(parentsOf(repo, tip)).toEqual([afterFirst]);
		expect(filesAt(repo, tip)).toEqual(['README.md', 'a.txt', 'a2.txt', 'b.txt']);
		// The same work again (a retried merge) adds no empty commit.
		expect(await workspaces.merge(second.workspace, second.work, 'bd-b: work')).toEqual({
			kind: 'nothing',
		});
		expect(tipOf(repo)).toBe(tip);
	});

	it('reports a conflict with its files, leaves the integration branch, and keeps the work for the next attempt', async () => {
		const repo = await gitRepo({files: {'shared.txt': 'one\n', 'other.txt': 'x\n'}});
		const workspaces = await open(repo);
		const first = await attempt(workspaces, 'bd-a', {'shared.txt': 'from a\n', 'other.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {
			'shared.txt': 'from b\n',
			'other.txt': 'b\n',
		});
		await workspaces.merge(first.workspace, first.work, 'bd-a: work');
		const tip = tipOf(repo);

		expect(await workspaces.merge(second.workspace, second.work, 'bd-b: work')).toEqual({
			kind: 'conflict',
			files: ['other.txt', 'shared.txt'],
		});
		expect(tipOf(repo)).toBe(tip);
		expect(tipOf(repo, 'jetpack/tasks/bd-b')).toBe(second.work.head);
		await workspaces.release(second.workspace, true);
		expect(existsSync(second.workspace.dir)).toBe(true);

		// The next attempt starts from the new tip; the kept work is named for its prompt.
		const next = await workspaces.prepare('bd-b', 2);
		expect(existsSync(second.workspace.dir)).toBe(false);
		expect(next).toMatchObject({base: tip, previous: 'jetpack/attempts/bd-b/1'});
		expect(tipOf(repo, 'jetpack/attempts/bd-b/1')).toBe(second.work.head);
		expect(readFileSync(path.join(next.dir, 'shared.txt'), 'utf8')).toBe('from a\n');
		writeFiles(next.dir, {'shared.txt': 'from a and b\n'});
		const work = await workspaces.commit(next, 'bd-b: work');
		expect((await workspaces.merge(next, work, 'bd-b: work')).kind).toBe('merged');
		expect(branchExists(repo, 'jetpack/attempts/bd-b/1')).toBe(false);
	});

	it('prepares and merges one at a time when runs open, prepare and merge at once', async () => {
		const repo = await gitRepo();
		const worktreeDir = await tempRepo();
		const runs = await Promise.all(Array.from({length: 6}, async () => open(repo, {worktreeDir})));
		const attempts = await Promise.all(
			runs.map(async (run, i) => attempt(run, `bd-${i}`, {[`${i}.txt`]: `${i}\n`})),
		);
		const outcomes = await Promise.all(
			attempts.map(async ({workspace, work}, i) =>
				runs[i]?.merge(workspace, work, `bd-${i}: work`),
			),
		);
		expect(outcomes.map((outcome) => outcome?.kind)).toEqual(Array(6).fill('merged'));
		expect(filesAt(repo, tipOf(repo))).toEqual([
			...Array.from({length: 6}, (_, i) => `${i}.txt`),
			'README.md',
		]);
	});

	it('computes the merge again when the integration branch moved before the swap', async () => {
		const repo = await gitRepo();
		let swaps = 0;
		let moved = '';
		const workspaces = await open(repo, {
			async beforeSwap() {
				swaps++;
				if (swaps > 1) return;
				// Another program commits to the integration branch at the worst moment.
				const tip = tipOf(repo);
				const tree = gitIn(repo, 'rev-parse', `${tip}^{tree}`);
				moved = gitIn(repo, 'commit-tree', tree, '-p', tip, '-m', 'meanwhile');
				gitIn(repo, 'update-ref', 'refs/heads/jetpack/main', moved, tip);
			},
		});
		const {work, outcome} = await mergeAttempt(workspaces, 'bd-1', {'one.txt': '1\n'});
		expect(swaps).toBe(2);
		expect(outcome.kind).toBe('merged');
		expect(parentsOf(repo, tipOf(repo))).toEqual([moved, work.head]);
	});

	it('never touches the user’s checkout: its branch, index, changes and untracked files', async () => {
		const repo = await gitRepo({files: {'tracked.txt': 'v1\n', 'staged.txt': 's1\n'}});
		gitIn(repo, 'checkout', '-q', '-b', 'feature');
		writeFiles(repo, {'feature.txt': 'f\n'});
		commitAll(repo, 'feature work');
		writeFiles(repo, {
			'tracked.txt': 'uncommitted\n',
			'staged.txt': 's2\n',
			'loose/new.txt': 'n\n',
		});
		gitIn(repo, 'add', 'staged.txt');
		const before = checkoutSnapshot(repo);
		const feature = tipOf(repo, 'feature');

		const workspaces = await open(repo);
		expect(workspaces.branch).toBe('jetpack/feature');
		const first = await attempt(workspaces, 'bd-a', {'tracked.txt': 'agent\n', 'a.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {'b.txt': 'b\n'});
		expect(readFileSync(path.join(first.workspace.dir, 'feature.txt'), 'utf8')).toBe('f\n');
		expect(existsSync(path.join(first.workspace.dir, 'loose'))).toBe(false);
		await workspaces.merge(first.workspace, first.work, 'bd-a: work');
		await workspaces.merge(second.workspace, second.work, 'bd-b: work');
		// A second run looks at the base again.
		await open(repo);

		expect(checkoutSnapshot(repo)).toEqual(before);
		expect(gitIn(repo, 'symbolic-ref', 'HEAD')).toBe('refs/heads/feature');
		expect(tipOf(repo, 'feature')).toBe(feature);
		expect(filesAt(repo, tipOf(repo, 'jetpack/feature'))).toEqual([
			'a.txt',
			'b.txt',
			'feature.txt',
			'staged.txt',
			'tracked.txt',
		]);
	});

	it('copes with a worktree removed behind its back', async () => {
		const repo = await gitRepo();
		const workspaces = await open(repo);
		const workspace = await workspaces.prepare('bd-1', 1);
		rmSync(workspace.dir, {recursive: true, force: true});
		await workspaces.release(workspace, false);
		expect(gitIn(repo, 'worktree', 'list', '--porcelain')).not.toContain(workspace.dir);

		const again = await workspaces.prepare('bd-1', 2);
		rmSync(again.dir, {recursive: true, force: true});
		const third = await workspaces.prepare('bd-1', 3);
		writeFiles(third.dir, {'x.txt': 'x\n'});
		const work = await workspaces.commit(third, 'bd-1: work');
		expect((await workspaces.merge(third, work, 'bd-1: work')).kind).toBe('merged');
	});

	it('finishes the next merge after a merger was killed holding the lock, its merge not done', async () => {
		const repo = await gitRepo();
		const worktreeDir = await tempRepo();
		const workspaces = await open(repo, {worktreeDir});
		const tip = tipOf(repo);
		const module = fileURLToPath(new URL('../../dist/adapters/git-workspaces.js', import.meta.url));
		const script = `
			import {writeFileSync} from 'node:fs';
			import path from 'node:path';
			import {GitWorkspaces} from ${JSON.stringify(module)};
			const [repo, worktreeDir] = process.argv.slice(1);
			const workspaces = await GitWorkspaces.open(repo, {
				runId: 'killed', mergeStrategy: 'merge', worktreeDir,
				async beforeSwap() {
					setInterval(() => {}, 1000);
					process.stdout.write('swapping\\n');
					await new Promise(() => {});
				},
			});
			const workspace = await workspaces.prepare('bd-killed', 1);
			writeFileSync(path.join(workspace.dir, 'killed.txt'), 'k\\n');
			const work = await workspaces.commit(workspace, 'bd-killed: work');
			await workspaces.merge(workspace, work, 'bd-killed: work');
		`;
		const child = spawn(
			process.execPath,
			['--input-type=module', '-e', script, repo, worktreeDir],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		await new Promise<void>((resolve, reject) => {
			child.stdout.on('data', (chunk: Buffer) => {
				if (chunk.toString().includes('swapping')) resolve();
			});
			child.on('exit', () => {
				reject(new Error(`the merger ended before its swap: ${stderr}`));
			});
		});
		const exited = new Promise((resolve) => child.on('exit', resolve));
		child.kill('SIGKILL');
		await exited;
		expect(existsSync(path.join(repo, '.beads', 'merge.lock'))).toBe(true);
		expect(tipOf(repo)).toBe(tip);

		const {outcome} = await mergeAttempt(workspaces, 'bd-next', {'next.txt': 'n\n'});
		expect(outcome.kind).toBe('merged');
		expect(filesAt(repo, tipOf(repo))).toEqual(['README.md', 'next.txt']);
		expect(existsSync(path.join(repo, '.beads', 'merge.lock'))).toBe(false);
		// The killed task's work is still on its branch, to be merged by its next attempt.
		const killed = await workspaces.prepare('bd-killed', 2);
		expect(killed.previous).toBe('jetpack/attempts/bd-killed/1');
	});

	it('commits as jetpack-tui when the repository has no identity', async () => {
		const repo = await gitRepo({identity: false});
		const workspaces = await open(repo);
		const first = await attempt(workspaces, 'bd-a', {'a.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {'b.txt': 'b\n'});
		await workspaces.merge(first.workspace, first.work, 'bd-a: work');
		await workspaces.merge(second.workspace, second.work, 'bd-b: work');
		const people = (commit: string) =>
			gitIn(repo, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', commit);
		expect(people(first.work.head)).toBe(
			'jetpack-tui <jetpack-tui@localhost>|jetpack-tui <jetpack-tui@localhost>',
		);
		expect(people(tipOf(repo))).toBe(
			'jetpack-tui <jetpack-tui@localhost>|jetpack-tui <jetpack-tui@localhost>',
		);
	});

	it('runs none of the repository’s hooks and signs nothing', async () => {
		const repo = await gitRepo();
		const marker = path.join(repo, 'hook-ran');
		for (const hook of [
			'pre-commit',
			'commit-msg',
			'post-commit',
			'post-checkout',
			'reference-transaction',
		])
			writeFileSync(
				path.join(repo, '.git', 'hooks', hook),
				`#!/bin/sh\necho ${hook} >> '${marker}'\nexit 1\n`,
				{
					mode: 0o755,
				},
			);
		gitIn(repo, 'config', 'commit.gpgSign', 'true');
		gitIn(repo, 'config', 'user.signingKey', 'NO-SUCH-KEY');

		const workspaces = await open(repo);
		const first = await attempt(workspaces, 'bd-a', {'a.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {'b.txt': 'b\n'});
		await workspaces.merge(first.workspace, first.work, 'bd-a: work');
		expect((await workspaces.merge(second.workspace, second.work, 'bd-b: work')).kind).toBe(
			'merged',
		);
		expect(existsSync(marker)).toBe(false);
	});

	it('never commits .beads/ or .jetpack/ from a worktree, even what the agent committed itself', async () => {
		const repo = await gitRepo({
			files: {
				'.beads/tasks.jsonl': '{"id":"bd-1"}\n',
				'.jetpack/config.json': '{}\n',
				'README.md': 'r\n',
			},
		});
		const workspaces = await open(repo);
		const workspace = await workspaces.prepare('bd-1', 1);
		writeFiles(workspace.dir, {'.beads/tasks.jsonl': 'agent edit\n', 'code.txt': 'c\n'});
		commitAll(workspace.dir, 'agent commit');
		writeFiles(workspace.dir, {
			'.beads/tasks.jsonl': 'later edit\n',
			'.beads/new.jsonl': 'x\n',
			'.jetpack/config.json': '{"agents":[]}\n',
			'.jetpack/logs/a.log': 'log\n',
			'more.txt': 'm\n',
		});
		const work = await workspaces.commit(workspace, 'bd-1: work');
		expect(gitIn(repo, 'diff', '--name-only', workspace.base ?? '', work.head).split('\n')).toEqual(
			['code.txt', 'more.txt'],
		);
		expect(work).toMatchObject({files: 2});
	});

	it('encodes task ids that are not valid ref names, and finds the task from the branch', async () => {
		const repo = await gitRepo();
		const workspaces = await open(repo);
		for (const id of [
			'bd-x.1',
			'ends.lock',
			'two..dots',
			'has space:colon',
			'a/b',
			'déjà',
			'x%41',
		]) {
			const {workspace, work} = await attempt(workspaces, id, {
				[`${id.replace(/\W/g, '_')}.txt`]: id,
			});
			const branch = workspace.branch ?? '';
			expect(branch).toBe(taskBranch(id));
			expect(gitIn(repo, 'check-ref-format', `refs/heads/${branch}`)).toBe('');
			expect(taskIdOfBranch(branch)).toBe(id);
			const listed = await listJetpackWork(repo);
			expect(listed.worktrees.find((entry) => entry.branch === branch)).toMatchObject({
				taskId: id,
				dir: workspace.dir,
			});
			expect(listed.branches).toContainEqual({branch, taskId: id, commit: work.head, kind: 'task'});
			expect((await workspaces.merge(workspace, work, `${id}: work`)).kind).toBe('merged');
		}

		expect(await listJetpackWork(repo)).toEqual({worktrees: [], branches: []});
	});

	it('copies ignored files named in .worktreeinclude into a new worktree', async () => {
		const repo = await gitRepo({
			files: {
				'.gitignore': '.env\nnode_modules/\n*.local\n',
				'.worktreeinclude': '.env\n*.local\n',
			},
		});
		writeFiles(repo, {
			'.env': 'SECRET=1\n',
			'config/dev.local': 'dev\n',
			'node_modules/pkg/index.js': 'x\n',
			'untracked.txt': 'u\n',
		});
		const workspaces = await open(repo);
		const workspace = await workspaces.prepare('bd-1', 1);
		expect(readFileSync(path.join(workspace.dir, '.env'), 'utf8')).toBe('SECRET=1\n');
		expect(readFileSync(path.join(workspace.dir, 'config/dev.local'), 'utf8')).toBe('dev\n');
		expect(existsSync(path.join(workspace.dir, 'node_modules'))).toBe(false);
		expect(existsSync(path.join(workspace.dir, 'untracked.txt'))).toBe(false);
		// Copied, and still ignored: not part of the task's work.
		expect((await workspaces.commit(workspace, 'bd-1: nothing')).files).toBe(0);
	});

	it('runs workspaceSetup in the worktree and ends the attempt with its last lines when it fails', async () => {
		const repo = await gitRepo();
		const good = await open(repo, {workspaceSetup: ['echo ready > setup.out']});
		const workspace = await good.prepare('bd-1', 1);
		expect(readFileSync(path.join(workspace.dir, 'setup.out'), 'utf8')).toBe('ready\n');

		const bad = await open(repo, {
			workspaceSetup: ['true', 'echo installing; echo broken >&2; exit 3'],
		});
		const failure = await bad.prepare('bd-2', 1).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(WorkspaceSetupFailed);
		expect(failure).toMatchObject({
			command: 'echo installing; echo broken >&2; exit 3',
			tail: ['installing', 'broken'],
		});
	});

	it('refuses a detached HEAD unless a branch is named', async () => {
		const repo = await gitRepo();
		gitIn(repo, 'checkout', '-q', '--detach');
		const refused = await open(repo).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(WorkspaceRefused);
		expect((refused as Error).message).toMatch(/HEAD is detached.*set "branch"/);
		const named = await open(repo, {branch: 'overnight'});
		expect(named.branch).toBe('overnight');
		expect(tipOf(repo, 'overnight')).toBe(gitIn(repo, 'rev-parse', 'HEAD'));
	});

	it('refuses an integration branch checked out in a working tree, and names that collide', async () => {
		const repo = await gitRepo();
		await open(repo);
		const elsewhere = path.join(await tempRepo(), 'checkout');
		gitIn(repo, 'worktree', 'add', '-q', elsewhere, 'jetpack/main');
		const refused = await open(repo).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(WorkspaceRefused);
		expect((refused as Error).message).toContain(`jetpack/main is checked out in ${elsewhere}`);
		gitIn(repo, 'worktree', 'remove', elsewhere);

		for (const [branch, said] of [
			['jetpack/tasks', /clashes with jetpack\/tasks\//],
			['bad..name', /not a valid branch name/],
		] as const) {
			const clash = await open(repo, {branch}).catch((error: unknown) => error);
			expect(clash).toBeInstanceOf(WorkspaceRefused);
			expect((clash as Error).message).toMatch(said);
		}

		gitIn(repo, 'branch', 'taken');
		const blocked = await open(repo, {branch: 'taken/inside'}).catch((error: unknown) => error);
		expect(blocked).toBeInstanceOf(WorkspaceRefused);
		expect((blocked as Error).message).toMatch(
			/cannot create the branch taken\/inside.*'refs\/heads\/taken' exists/,
		);
	});

	it('merges new commits of the base branch at open, and refuses with how to resolve a conflict', async () => {
		const repo = await gitRepo({files: {'shared.txt': 'one\n'}});
		const workspaces = await open(repo);
		await mergeAttempt(workspaces, 'bd-1', {'task.txt': 't\n'});
		writeFiles(repo, {'base.txt': 'b\n'});
		// Not `.jetpack/workspace.json`: what a person commits is theirs to choose.
		const base = commitAll(repo, 'on main meanwhile', ['base.txt']);

		await open(repo);
		const tip = tipOf(repo);
		expect(parentsOf(repo, tip)[1]).toBe(base);
		expect(filesAt(repo, tip)).toEqual(['base.txt', 'shared.txt', 'task.txt']);
		// Unchanged base: nothing more to merge.
		await open(repo);
		expect(tipOf(repo)).toBe(tip);

		const again = await open(repo);
		await mergeAttempt(again, 'bd-2', {'shared.txt': 'from the task\n'});
		writeFiles(repo, {'shared.txt': 'from main\n'});
		commitAll(repo, 'conflicting', ['shared.txt']);
		const before = tipOf(repo);
		const refused = await open(repo).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(WorkspaceRefused);
		expect((refused as Error).message).toMatch(
			/new commits on main conflict with jetpack\/main in shared.txt: merge main into jetpack\/main yourself/,
		);
		expect(tipOf(repo)).toBe(before);
	});

	it('keeps to the integration branch it made after the user switches branches', async () => {
		const repo = await gitRepo();
		await open(repo);
		gitIn(repo, 'checkout', '-q', '-b', 'elsewhere');
		expect((await open(repo)).branch).toBe('jetpack/main');
		gitIn(repo, 'branch', '-D', 'jetpack/main');
		expect((await open(repo)).branch).toBe('jetpack/elsewhere');
	});

	it('is unavailable outside git and in a repository with no commit', async () => {
		const plain = await tempRepo();
		await expect(open(plain)).rejects.toThrow(WorkspaceUnavailable);
		const empty = await gitRepo({empty: true});
		await expect(open(empty)).rejects.toThrow(/no commit yet/);
	});

	it('gives agents the store’s folder inside the worktree when the store is in a subfolder', async () => {
		const repo = await gitRepo({files: {'app/README.md': 'app\n', 'lib/x.txt': 'x\n'}});
		const app = path.join(repo, 'app');
		mkdirSync(path.join(app, '.beads'));
		const workspaces = await open(app);
		const {workspace, work} = await attempt(workspaces, 'bd-1', {
			'new.txt': 'n\n',
			'.beads/t.jsonl': 'x\n',
		});
		expect(path.basename(workspace.dir)).toBe('app');
		expect(filesAt(repo, work.head)).toEqual(['app/README.md', 'app/new.txt', 'lib/x.txt']);
		await workspaces.release(workspace as PreparedWorkspace, false);
		expect(existsSync(path.dirname(workspace.dir))).toBe(false);
	});

	it('diffs an attempt against its base, then its merge against the tip it merged into', async () => {
		const repo = await gitRepo({files: {'shared.txt': 'one\n'}});
		const workspaces = await open(repo);
		const first = await attempt(workspaces, 'bd-a', {'a.txt': 'a\n'});
		const second = await attempt(workspaces, 'bd-b', {'shared.txt': 'one\ntwo\n'});
		const record = (work: {head: string}, base: string, merged: string | null = null) => ({
			branch: 'b',
			base,
			head: work.head,
			merged,
		});
		const base = first.workspace.base ?? '';
		const unmerged = await workspaces.diff(record(second.work, base), {color: false});
		expect(unmerged).toContain('+++ b/shared.txt\n@@ -1 +1,2 @@\n one\n+two\n');
		expect(unmerged).not.toContain('a.txt');
		expect(await workspaces.diff(record(second.work, base), {color: false, stat: true})).toMatch(
			/shared\.txt \| 1 \+\n 1 file changed, 1 insertion\(\+\)\n$/,
		);
		expect(await workspaces.diff(record(second.work, base), {color: true})).toContain(
			'\u001B[32m+\u001B[m\u001B[32mtwo',
		);

		// a fast-forwards (its head is the merge); b gets a merge commit with a's work as first parent.
		const a = await workspaces.merge(first.workspace, first.work, 'bd-a: work');
		const b = await workspaces.merge(second.workspace, second.work, 'bd-b: work');
		if (a.kind !== 'merged' || b.kind !== 'merged') throw new Error('not merged');
		expect(await workspaces.diff(record(first.work, base, a.commit), {color: false})).toContain(
			'+++ b/a.txt',
		);
		const merged = await workspaces.diff(record(second.work, base, b.commit), {color: false});
		expect(merged).toContain('+++ b/shared.txt');
		expect(merged).not.toContain('a.txt');
		// Nothing committed, or a commit git no longer has: one sentence, no diff.
		await expect(workspaces.diff({branch: 'b', base}, {color: false})).rejects.toThrow(
			'the attempt on b recorded no commit of its work, so there is nothing to diff.',
		);
		await expect(
			workspaces.diff({branch: 'b', base, head: 'f'.repeat(40)}, {color: false}),
		).rejects.toThrow(/no longer in the repository/);
		expect(await new SharedWorkspaces(repo).diff()).toMatch(/ran in the shared folder/);
	});
});
