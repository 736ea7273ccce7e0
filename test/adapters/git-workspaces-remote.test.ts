/**
 * The integration branch shared through a git remote (PRODUCT.md §12, §15), on real git: a bare
 * repository in a temp folder as the remote and clones of it as the machines. Start, merges that
 * race from two machines (a rejected push fetched and merged again), a conflict across machines,
 * a remote that refuses or disappears mid-run: never a commit lost.
 */
import {chmodSync, existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {
	GitWorkspaces,
	type GitWorkspacesOptions,
	RemoteUnreachable,
	WorkspaceRefused,
} from '../../source/adapters/git-workspaces.js';
import {ConfigError} from '../../source/core/errors.js';
import {
	commitAll,
	filesAt,
	gitIn,
	isolateGitConfig,
	parentsOf,
	sharedRemote,
	writeFiles,
} from '../helpers/git-repo.js';
import {tempRepo} from '../helpers/temp-repo.js';

beforeAll(() => {
	isolateGitConfig();
});

const branch = 'jetpack/main';
const tipOf = (repo: string, name = branch) => gitIn(repo, 'rev-parse', `refs/heads/${name}`);
const hasBranch = (repo: string, name: string) =>
	gitIn(repo, 'for-each-ref', `refs/heads/${name}`) !== '';
const holds = (repo: string, ancestor: string, descendant: string) => {
	try {
		gitIn(repo, 'merge-base', '--is-ancestor', ancestor, descendant);
		return true;
	} catch {
		return false;
	}
};

async function open(repo: string, options: Partial<GitWorkspacesOptions> = {}) {
	return GitWorkspaces.open(repo, {
		runId: 'test',
		mergeStrategy: 'merge',
		worktreeDir: await tempRepo(),
		remote: 'origin',
		...options,
	});
}

/** An agent's attempt on one machine: `files` written into its worktree and committed. */
async function attempt(workspaces: GitWorkspaces, taskId: string, files: Record<string, string>) {
	const workspace = await workspaces.prepare(taskId, 1);
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
	return {workspace, work, outcome: await workspaces.merge(workspace, work, `Merge ${taskId}`)};
}

describe('GitWorkspaces with a shared remote', () => {
	it('refuses a remote the repository does not have, naming the key and the fix', async () => {
		const {machines} = await sharedRemote(1);
		const [machine = ''] = machines;
		await expect(open(machine, {remote: 'upstream'})).rejects.toThrow(
			new ConfigError(
				'.jetpack/config.json: "remote" is "upstream", which is not a remote of this repository (its remotes: origin): add it (git remote add upstream URL) or set "remote" to one of its remotes.',
			),
		);
	});

	it('makes the branch on the remote at the first start; each machine starts from the work the other merged', async () => {
		const {remote, machines} = await sharedRemote();
		const [first = '', second = ''] = machines;
		const a = await open(first);
		expect(tipOf(remote)).toBe(tipOf(first, 'main'));
		const one = await mergeAttempt(a, 'bd-1', {'one.txt': '1\n'});
		expect(one.outcome.kind).toBe('merged');
		expect(tipOf(remote)).toBe(tipOf(first));
		expect(filesAt(remote, tipOf(remote))).toContain('one.txt');

		const b = await open(second);
		// B had no integration branch: it takes the remote's, not one of its own from main.
		expect(tipOf(second)).toBe(tipOf(remote));
		const two = await attempt(b, 'bd-2', {'two.txt': '2\n'});
		expect(existsSync(path.join(two.workspace.dir, 'one.txt'))).toBe(true);
		expect((await b.merge(two.workspace, two.work, 'Merge bd-2')).kind).toBe('merged');

		// A's next worktree starts from the remote's tip, and its local branch follows it.
		const three = await a.prepare('bd-3', 1);
		expect(readFileSync(path.join(three.dir, 'two.txt'), 'utf8')).toBe('2\n');
		expect(three.base).toBe(tipOf(remote));
		expect(tipOf(first)).toBe(tipOf(remote));
		await a.release(three, false);
	});

	it('a push that lost the race to the other machine fetches, merges onto its merge, and pushes again', async () => {
		const {remote, machines} = await sharedRemote();
		const [first = '', second = ''] = machines;
		const b = await open(second);
		let otherMerge = '';
		let swaps = 0;
		const a = await open(first, {
			async beforeSwap() {
				swaps++;
				if (swaps > 1) return;
				// The other machine merges between this one's fetch and its push.
				const other = await mergeAttempt(b, 'bd-b', {'b.txt': 'b\n'});
				expect(other.outcome.kind).toBe('merged');
				otherMerge = tipOf(remote);
			},
		});
		const {work, outcome} = await mergeAttempt(a, 'bd-a', {'a.txt': 'a\n'});
		expect(swaps).toBe(2);
		expect(outcome).toEqual({kind: 'merged', commit: tipOf(remote)});
		expect(parentsOf(remote, tipOf(remote))).toEqual([otherMerge, work.head]);
		expect(filesAt(remote, tipOf(remote))).toEqual(['README.md', 'a.txt', 'b.txt']);
		expect(tipOf(first)).toBe(tipOf(remote));
		expect(hasBranch(first, 'jetpack/tasks/bd-a')).toBe(false);
	});

	it('merges from two machines at once all land on the remote, none lost', async () => {
		const {remote, machines} = await sharedRemote();
		const [first = '', second = ''] = machines;
		const a = await open(first);
		const b = await open(second);
		const attempts = await Promise.all(
			[
				...['a1', 'a2', 'a3'].map((id) => ({on: a, id})),
				...['b1', 'b2', 'b3'].map((id) => ({on: b, id})),
			].map(async ({on, id}) => ({on, ...(await attempt(on, id, {[`${id}.txt`]: `${id}\n`}))})),
		);
		const outcomes = await Promise.all(
			attempts.map(async ({on, workspace, work}) => on.merge(workspace, work, 'Merge')),
		);
		expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(6).fill('merged'));
		const tip = tipOf(remote);
		for (const {work} of attempts) expect(holds(remote, work.head, tip)).toBe(true);
		expect(filesAt(remote, tip)).toEqual([
			'README.md',
			'a1.txt',
			'a2.txt',
			'a3.txt',
			'b1.txt',
			'b2.txt',
			'b3.txt',
		]);
	});

	it('work that conflicts with what the other machine merged is a conflict, its branch kept', async () => {
		const {remote, machines} = await sharedRemote(2, {'shared.txt': 'base\n'});
		const [first = '', second = ''] = machines;
		const a = await open(first);
		const b = await open(second);
		const mine = await attempt(a, 'bd-a', {'shared.txt': 'from a\n'});
		const theirs = await mergeAttempt(b, 'bd-b', {'shared.txt': 'from b\n'});
		expect(theirs.outcome.kind).toBe('merged');
		const before = tipOf(remote);
		expect(await a.merge(mine.workspace, mine.work, 'Merge bd-a')).toEqual({
			kind: 'conflict',
			files: ['shared.txt'],
		});
		expect(tipOf(remote)).toBe(before);
		expect(tipOf(first, 'jetpack/tasks/bd-a')).toBe(mine.work.head);
		// Its next attempt starts from the remote's tip, the other machine's work in it.
		const next = await a.prepare('bd-a', 2);
		expect(readFileSync(path.join(next.dir, 'shared.txt'), 'utf8')).toBe('from b\n');
		expect(next.previous).toBe('jetpack/attempts/bd-a/1');
		expect(tipOf(first, 'jetpack/attempts/bd-a/1')).toBe(mine.work.head);
		await a.release(next, false);
	});

	it('a remote that disappears mid-run: the merge waits with its work kept, and goes through once it is back', async () => {
		const {remote, machines} = await sharedRemote(1);
		const [machine = ''] = machines;
		const a = await open(machine);
		const {workspace, work} = await attempt(a, 'bd-1', {'one.txt': '1\n'});
		const away = path.join(await tempRepo(), 'away');
		renameSync(remote, away);

		const outcome = await a.merge(workspace, work, 'Merge bd-1');
		expect(outcome.kind).toBe('deferred');
		expect(outcome.kind === 'deferred' && outcome.reason).toMatch(
			/^the remote origin could not be reached \(.*does not appear to be a git repository/,
		);
		expect(tipOf(machine, 'jetpack/tasks/bd-1')).toBe(work.head);
		expect(tipOf(machine)).toBe(tipOf(machine, 'main'));
		// No new worktree starts from what may be stale; no run starts.
		await expect(a.prepare('bd-2', 1)).rejects.toThrow(RemoteUnreachable);
		await expect(a.prepare('bd-2', 1)).rejects.toThrow(
			/^cannot fetch jetpack\/main from the remote origin, so the attempt cannot start from the shared work \(the remote origin could not be reached/,
		);
		await expect(open(machine)).rejects.toThrow(WorkspaceRefused);
		await expect(open(machine)).rejects.toThrow(
			/^cannot share the integration branch through the remote origin: the remote origin could not be reached \(.*\); check the network and your access \(git fetch origin\), or remove "remote" from \.jetpack\/config\.json to merge on this machine alone\.$/,
		);

		renameSync(away, remote);
		// As `review --accept` does: the kept branch, merged now.
		const later = await a.merge(
			{dir: '', branch: workspace.branch, base: workspace.base},
			work,
			'Merge bd-1',
		);
		expect(later).toEqual({kind: 'merged', commit: tipOf(remote)});
		expect(filesAt(remote, tipOf(remote))).toContain('one.txt');
		expect(hasBranch(machine, 'jetpack/tasks/bd-1')).toBe(false);
	});

	it('a push the remote refuses (a hook) waits too, saying what the remote said', async () => {
		const {remote, machines} = await sharedRemote(1);
		const [machine = ''] = machines;
		const a = await open(machine);
		const hook = path.join(remote, 'hooks', 'pre-receive');
		writeFileSync(hook, '#!/bin/sh\necho "branch is protected" >&2\nexit 1\n');
		chmodSync(hook, 0o755);
		const {work, outcome} = await mergeAttempt(a, 'bd-1', {'one.txt': '1\n'});
		expect(outcome.kind === 'deferred' && outcome.reason).toMatch(
			/^the remote origin refused the push to jetpack\/main \(\[remote rejected\] \(pre-receive hook declined\): remote: branch is protected/,
		);
		expect(tipOf(machine, 'jetpack/tasks/bd-1')).toBe(work.head);
	});

	it('work merged on this machine before "remote" was set is merged onto the remote’s branch at start', async () => {
		const {remote, machines} = await sharedRemote();
		const [first = '', second = ''] = machines;
		const alone = await open(first, {remote: undefined});
		const local = await mergeAttempt(alone, 'bd-1', {'one.txt': '1\n'});
		expect(local.outcome.kind).toBe('merged');
		await open(second);
		writeFiles(second, {'main.txt': 'm\n'});
		commitAll(second, 'more on main', ['main.txt']);
		// B's main moved: the next start of B merges it in and pushes.
		await open(second);
		expect(filesAt(remote, tipOf(remote))).toEqual(['README.md', 'main.txt']);

		await open(first);
		const tip = tipOf(remote);
		expect(filesAt(remote, tip)).toEqual(['README.md', 'main.txt', 'one.txt']);
		expect(holds(first, local.work.head, tip)).toBe(true);
		expect(tipOf(first)).toBe(tip);
	});
});
