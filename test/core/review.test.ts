/**
 * Review mode's decisions (PRODUCT.md §12) as table tests on plain tasks, and its two flows over
 * an in-memory store: with workspaces the test decides, and with real git in a temp repository.
 */
import {existsSync} from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {GitWorkspaces} from '../../source/adapters/git-workspaces.js';
import {UsageError} from '../../source/core/errors.js';
import {buildPrompt} from '../../source/core/prompt.js';
import {
	acceptedTask,
	acceptReview,
	diffSource,
	rejectedTask,
	rejectReview,
	requireReview,
	waitingForReview,
	workspaceOf,
} from '../../source/core/review.js';
import {newTask, type Attempt, type Task, type TaskTable} from '../../source/core/task.js';
import {SharedWorkspaces, type MergeOutcome} from '../../source/core/workspaces.js';
import {FakeWorkspaces} from '../helpers/fake-workspaces.js';
import {gitIn, gitRepo, isolateGitConfig, writeFiles} from '../helpers/git-repo.js';
import {FakeClock, InMemoryTaskRepository} from '../helpers/in-memory-repository.js';
import {tempRepo} from '../helpers/temp-repo.js';

const now = new Date('2026-11-29T10:00:00.000Z');
const policy = {maxRetries: 2, backoffSeconds: [30, 60]};
const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((task) => [task.id, task]));
const workspace = {
	branch: 'jetpack/tasks/a',
	base: 'b1',
	head: 'h1',
	merged: null,
	files: 2,
	insertions: 12,
	deletions: 3,
};
const attempt = (n: number, fields: Partial<Attempt> = {}): Attempt => ({
	n,
	agent: 'sim-1',
	startedAt: now.toISOString(),
	endedAt: now.toISOString(),
	exitCode: 0,
	...fields,
});

/** Task `a` waiting for review on its attempt 2, after one retry. */
function inReview(fields: Partial<Task> = {}): Task {
	return newTask({
		id: 'a',
		title: 'Add the parser',
		status: 'review',
		retryCount: 1,
		attempts: [attempt(1, {failureType: 'error', exitCode: 1}), attempt(2, {workspace})],
		...fields,
	});
}

beforeAll(() => {
	isolateGitConfig();
});

describe('reading what an attempt left', () => {
	it.each([
		['a full record', {workspace}, workspace],
		[
			'a failed attempt’s (no head)',
			{workspace: {branch: 'x', base: 'b', merged: null}},
			{branch: 'x', base: 'b', merged: null},
		],
		[
			'counts that are not counts dropped',
			{workspace: {branch: 'x', base: 'b', head: 'h', files: -1, insertions: 'many'}},
			{branch: 'x', base: 'b', head: 'h', merged: null},
		],
		['no branch', {workspace: {base: 'b'}}, undefined],
		['not an object', {workspace: 'jetpack/tasks/a'}, undefined],
		['none (shared mode)', {}, undefined],
	] as const)('%s', (_name, fields, expected) => {
		expect(workspaceOf(attempt(1, fields))).toEqual(expected);
	});

	it('lists the tasks in review, in id order, with their branch and stat', () => {
		const tasks = table(
			inReview({id: 'b'}),
			newTask({id: 'c', title: 'Pending'}),
			inReview({id: 'a', attempts: [attempt(1)]}),
		);
		expect(waitingForReview(tasks)).toEqual([
			{id: 'a', title: 'Add the parser', files: 0, insertions: 0, deletions: 0},
			{
				id: 'b',
				title: 'Add the parser',
				branch: 'jetpack/tasks/a',
				base: 'b1',
				head: 'h1',
				files: 2,
				insertions: 12,
				deletions: 3,
			},
		]);
	});

	it.each([
		[
			'an unknown id',
			'zz',
			'There is no task "zz"; `jetpack-tui review` lists the tasks waiting for review.',
		],
		[
			'a task not in review',
			'p',
			'p is pending, not waiting for review; `jetpack-tui review` lists the tasks that are.',
		],
		[
			'a task in review with no committed work',
			'n',
			'n waits for review, but its last attempt kept no committed work to merge: mark it done (`jetpack-tui task done n`) or run it again (`jetpack-tui task retry n`).',
		],
	])('refuses %s in one sentence (exit 2)', (_name, id, message) => {
		const tasks = table(
			newTask({id: 'p', title: 'P'}),
			inReview({id: 'n', attempts: [attempt(1, {workspace: {branch: 'x', base: 'b'}})]}),
		);
		expect(() => requireReview(tasks, id)).toThrow(new UsageError(message));
	});
});

describe('accepting', () => {
	const context = {now, policy, branch: 'jetpack/main'};
	it.each<
		[string, Exclude<MergeOutcome, {kind: 'deferred'}>, Partial<Task>, Partial<Task>, string]
	>([
		[
			'merged: completed, the merge noted on the attempt',
			{kind: 'merged', commit: 'c0ffee00c0ffee00'},
			{},
			{status: 'completed', completedAt: now.toISOString(), retryCount: 1},
			'Accepted a: merged into jetpack/main (c0ffee00c0ff); it is completed, and tasks that depend on it can run.',
		],
		[
			'nothing to merge: completed',
			{kind: 'nothing'},
			{},
			{status: 'completed'},
			'Accepted a: it changed nothing, so there was nothing to merge; it is completed.',
		],
		[
			'a conflict: back to the queue, a retry spent, with backoff',
			{kind: 'conflict', files: ['x.ts', 'y.ts']},
			{},
			{
				status: 'pending',
				retryCount: 2,
				failureType: 'conflict',
				lastError: 'does not merge into jetpack/main: conflicts in x.ts, y.ts',
				nextAttemptAt: '2026-11-29T10:01:00.000Z',
			},
			'a no longer merges into jetpack/main (conflicts in x.ts, y.ts): it goes back to the queue as a conflict, to be redone on the new tip (retry 2 of 2).',
		],
		[
			'a conflict with no retries left: failed',
			{kind: 'conflict', files: ['x.ts']},
			{retryCount: 2},
			{status: 'failed', retryCount: 2, failureType: 'conflict'},
			'a no longer merges into jetpack/main (conflicts in x.ts) and has no retries left: it failed; `jetpack-tui task retry a` runs it again.',
		],
		[
			'rejected meanwhile: left as it is, the merge noted',
			{kind: 'merged', commit: 'c0ffee00'},
			{status: 'pending'},
			{status: 'pending'},
			'a changed while it was being accepted (it is pending now, and left so); its work was merged into jetpack/main all the same.',
		],
	])('%s', (_name, outcome, before, after, message) => {
		const accepted = acceptedTask(inReview(before), 2, outcome, context);
		expect(accepted.message).toBe(message);
		expect(accepted.task).toMatchObject(after);
		const merged = outcome.kind === 'merged' ? outcome.commit : null;
		expect(accepted.task.attempts[1]?.['workspace']).toEqual({...workspace, merged});
		if (outcome.kind === 'conflict')
			expect(accepted.task.attempts[1]?.failureType).toBe('conflict');
		if (after.status === 'completed') {
			expect(accepted.task.lastError).toBeUndefined();
			expect(accepted.task.failureType).toBeUndefined();
		}
	});
});

describe('rejecting', () => {
	it('sends the task back with the reason, no retry spent, no backoff', () => {
		const task = inReview({nextAttemptAt: now.toISOString(), failureType: 'error'});
		const rejected = rejectedTask(table(task), 'a', '  the tests miss the error path ', now);
		expect(rejected.task).toMatchObject({
			status: 'pending',
			retryCount: 1,
			lastError: 'rejected in review: the tests miss the error path',
		});
		expect(rejected.task.failureType).toBeUndefined();
		expect(rejected.task.nextAttemptAt).toBeUndefined();
		expect(rejected.task.attempts).toEqual(task.attempts);
		expect(rejected.message).toBe(
			'Rejected a: it goes back to the queue with no retry spent; its next attempt starts from the integration branch and is told your reason and where the rejected work is kept (jetpack/tasks/a).',
		);
	});

	it.each([
		['', '--reject needs a reason'],
		['   ', '--reject needs a reason'],
	])('refuses an empty reason %j', (reason, message) => {
		expect(() => rejectedTask(table(inReview()), 'a', reason, now)).toThrow(message);
	});

	it('hands the reason to the next attempt’s prompt, with the branch keeping the rejected work', () => {
		const {task} = rejectedTask(table(inReview({retryCount: 0})), 'a', 'use the lexer', now);
		const prompt = buildPrompt(task, table(task), {previousBranch: 'jetpack/attempts/a/2'});
		expect(prompt).toContain('An earlier attempt was sent back: rejected in review: use the lexer');
		expect(prompt).toContain('git branch jetpack/attempts/a/2');
	});
});

describe('what `diff` shows', () => {
	it.each<[string, Attempt[], ReturnType<typeof diffSource>]>([
		['never ran', [], {kind: 'none', message: 'a has not run yet, so there is nothing to diff.'}],
		[
			'its first attempt still running',
			[attempt(1, {endedAt: undefined})],
			{kind: 'none', message: 'a is running its first attempt; there is nothing to diff yet.'},
		],
		[
			'ran in the shared folder',
			[attempt(1)],
			{
				kind: 'none',
				message:
					'a ran in the shared folder, where no diff of its own is kept (agents there change the repository folder directly).',
			},
		],
		[
			'the last attempt that committed work, not a later one that failed',
			[
				attempt(1, {workspace}),
				attempt(2, {failureType: 'error', workspace: {branch: 'x', base: 'b2'}}),
				attempt(3, {endedAt: undefined}),
			],
			{kind: 'attempt', attempt: 1, record: workspace},
		],
		[
			'worktree attempts that committed nothing',
			[attempt(1, {failureType: 'timeout', workspace: {branch: 'x', base: 'b'}})],
			{
				kind: 'none',
				message:
					"a's attempts in a worktree ended before their work was committed (the last, #1, ended as timeout), so there is nothing to diff; its worktree is kept until the next attempt.",
			},
		],
	])('%s', (_name, attempts, expected) => {
		expect(diffSource(inReview({attempts}))).toEqual(expected);
	});
});

describe('the flows', () => {
	async function storeWith(...tasks: Task[]) {
		const repository = new InMemoryTaskRepository(new FakeClock(now.getTime()));
		await repository.update(() => ({tasks: table(...tasks), result: undefined}));
		return repository;
	}

	it('accepts through the merge queue with the task’s merge message, then completes it; its dependent becomes ready', async () => {
		const dependent = newTask({id: 'd', title: 'D', dependencies: ['a']});
		const repository = await storeWith(inReview(), dependent);
		const workspaces = new FakeWorkspaces();
		const said = await acceptReview(repository, workspaces, 'a', now, policy);
		expect(said).toMatch(/^Accepted a: merged into jetpack\/main/);
		expect(workspaces.calls).toEqual(['merge jetpack/tasks/a h1']);
		const tasks = await repository.read();
		expect(tasks.get('a')?.status).toBe('completed');
		expect(tasks.get('d')?.status).toBe('ready');
	});

	it('refuses before merging when the task is not in review, or the repository runs shared', async () => {
		const repository = await storeWith(inReview(), newTask({id: 'p', title: 'P'}));
		const workspaces = new FakeWorkspaces();
		await expect(acceptReview(repository, workspaces, 'p', now, policy)).rejects.toThrow(
			'p is ready, not waiting for review',
		);
		await expect(
			acceptReview(repository, new SharedWorkspaces('/repo'), 'a', now, policy),
		).rejects.toThrow(/now runs in the shared folder.*git merge jetpack\/tasks\/a/);
		expect(workspaces.calls).toEqual([]);
		expect((await repository.read()).get('a')?.status).toBe('review');
	});

	it('rejects in one transaction', async () => {
		const repository = await storeWith(inReview());
		expect(await rejectReview(repository, 'a', 'why', now)).toMatch(/^Rejected a/);
		expect((await repository.read()).get('a')).toMatchObject({
			status: 'ready',
			lastError: 'rejected in review: why',
			retryCount: 1,
		});
		await expect(rejectReview(repository, 'a', 'again', now)).rejects.toThrow(
			'a is ready, not waiting for review',
		);
	});

	it('with real git: a rejected attempt’s work kept for the next, an accepted one merged and its branch gone, a conflict sent back', async () => {
		const repo = await gitRepo({files: {'shared.txt': 'one\n'}});
		const workspaces = await GitWorkspaces.open(repo, {
			runId: 'test',
			mergeStrategy: 'merge',
			worktreeDir: await tempRepo(),
		});
		/** An attempt as the orchestrator leaves one in review: committed, kept, not merged. */
		async function review(id: string, n: number, files: Record<string, string>): Promise<Task> {
			const prepared = await workspaces.prepare(id, n);
			writeFiles(prepared.dir, files);
			const work = await workspaces.commit(prepared, `${id}: work`);
			await workspaces.release(prepared, true);
			const record = {branch: prepared.branch, base: prepared.base, ...work, merged: null};
			return newTask({
				id,
				title: `Task ${id}`,
				status: 'review',
				attempts: Array.from({length: n}, (_, i) =>
					attempt(i + 1, i + 1 === n ? {workspace: record} : {}),
				),
			});
		}

		// a and b change one line from one base: whichever is accepted second conflicts.
		const repository = await storeWith(
			await review('a', 1, {'shared.txt': 'one\na\n'}),
			await review('b', 1, {'shared.txt': 'one\nb\n'}),
			await review('c', 1, {'c.txt': 'c\n'}),
		);
		await rejectReview(repository, 'c', 'say why', now);
		// The next attempt starts from the tip and is handed the rejected work.
		const next = await workspaces.prepare('c', 2);
		expect(next.previous).toBe('jetpack/attempts/c/1');
		expect(gitIn(repo, 'show', 'jetpack/attempts/c/1:c.txt')).toBe('c');
		expect(existsSync(path.join(next.dir, 'c.txt'))).toBe(false);
		await workspaces.release(next, false);

		expect(await acceptReview(repository, workspaces, 'b', now, policy)).toMatch(
			/^Accepted b: merged into jetpack\/main/,
		);
		expect(gitIn(repo, 'show', 'jetpack/main:shared.txt')).toBe('one\nb');
		expect(gitIn(repo, 'log', '-1', '--format=%s', 'jetpack/main')).toBe('b: work');
		expect(gitIn(repo, 'branch', '--list', 'jetpack/tasks/b')).toBe('');
		const b = (await repository.read()).get('b');
		expect(b?.status).toBe('completed');
		expect(workspaceOf(b?.attempts[0])?.merged).toBe(gitIn(repo, 'rev-parse', 'jetpack/main'));

		const tip = gitIn(repo, 'rev-parse', 'jetpack/main');
		expect(await acceptReview(repository, workspaces, 'a', now, policy)).toBe(
			'a no longer merges into jetpack/main (conflicts in shared.txt): it goes back to the queue as a conflict, to be redone on the new tip (retry 1 of 2).',
		);
		expect(gitIn(repo, 'rev-parse', 'jetpack/main')).toBe(tip);
		expect(gitIn(repo, 'show', 'jetpack/tasks/a:shared.txt')).toBe('one\na');
		expect((await repository.read()).get('a')).toMatchObject({
			status: 'pending',
			failureType: 'conflict',
			retryCount: 1,
		});
	});
});
