/**
 * The orchestrator with a worktree per attempt (PRODUCT.md §12), through fake workspaces: where
 * the agent works, what happens to its work on success, a conflict, a failure, a failed setup.
 */
import {describe, expect, it} from 'vitest';
import {newTask, type Task} from '../../source/core/task.js';
import {describeEvent} from '../../source/text/event-line.js';
import {settle} from '../helpers/fake-agents.js';
import {FakeWorkspaces} from '../helpers/fake-workspaces.js';
import {setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

describe('Orchestrator with a worktree per attempt', () => {
	it('runs the agent and its gates in its worktree, commits and merges its work, and records it', async () => {
		const workspaces = new FakeWorkspaces();
		const run = await setup([t('a')], {
			slots: [slot('s-1'), slot('s-2')],
			workspaces,
			config: {qualityGates: ['npm test']},
		});
		const agent = run.launcher.on('a');
		expect(agent.launch.cwd).toBe('/worktrees/a-1');
		expect(agent.launch.env).toMatchObject({JETPACK_WORKTREE: '/worktrees/a-1', JETPACK_SLOT: '1'});
		agent.exit({exitCode: 0, signal: null});
		await settle();
		expect(run.gates.dirs).toEqual(['/worktrees/a-1']);
		expect(workspaces.calls).toEqual([
			'prepare a 1',
			'commit /worktrees/a-1 a: task a',
			'merge jetpack/tasks/a head1',
		]);
		const task = await run.task('a');
		expect(task.status).toBe('completed');
		expect(task.attempts[0]?.['workspace']).toEqual({
			branch: 'jetpack/tasks/a',
			base: 'base1',
			head: 'head1',
			merged: 'merge-of-head1',
			files: 2,
			insertions: 12,
			deletions: 3,
		});
	});

	it('ends an attempt whose work conflicts as conflict: a retry spent, the files and the kept branch named for the next attempt, its worktree kept', async () => {
		const workspaces = new FakeWorkspaces();
		workspaces.merges.push({kind: 'conflict', files: ['src/a.ts', 'README.md']});
		const run = await setup([t('a')], {slots: [slot('s-1')], workspaces});
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		const task = await run.task('a');
		expect(task).toMatchObject({status: 'pending', failureType: 'conflict', retryCount: 1});
		expect(task.lastError).toBe(
			'does not merge into jetpack/main: conflicts in src/a.ts, README.md',
		);
		expect(task.attempts[0]?.['workspace']).toMatchObject({merged: null, head: 'head1'});
		expect(workspaces.calls.at(-1)).toBe('release /worktrees/a-1 (kept)');
		// The next attempt is told.
		await run.timers.advance(31_000);
		const prompt = run.launcher.on('a').launch.args.join(' ');
		expect(prompt).toContain('conflicts in src/a.ts, README.md');
		expect(prompt).toContain("The previous attempt's work is on git branch jetpack/attempts/a/1");
	});

	it('keeps a failed attempt’s worktree for inspection, and never commits or merges it', async () => {
		const workspaces = new FakeWorkspaces();
		const run = await setup([t('a')], {slots: [slot('s-1')], workspaces});
		run.launcher.on('a').exit({exitCode: 1, signal: null});
		await settle();
		expect(workspaces.calls).toEqual(['prepare a 1', 'release /worktrees/a-1 (kept)']);
		expect((await run.task('a')).attempts[0]?.['workspace']).toEqual({
			branch: 'jetpack/tasks/a',
			base: 'base1',
			merged: null,
		});
	});

	it('ends an attempt whose setup fails as the task’s error, and one whose worktree cannot be made as infra', async () => {
		const workspaces = new FakeWorkspaces();
		workspaces.setupFails.add('a');
		workspaces.brokenFor.add('b');
		const run = await setup([t('a'), t('b')], {slots: [slot('s-1'), slot('s-2')], workspaces});
		await settle();
		expect(await run.task('a')).toMatchObject({
			failureType: 'error',
			retryCount: 1,
			lastError: 'workspace setup `npm ci` failed: npm ERR! missing',
		});
		expect(await run.task('b')).toMatchObject({
			failureType: 'infra',
			retryCount: 0,
			lastError: 'could not make its worktree: No space left on device',
		});
		expect(run.launcher.agents).toHaveLength(0);
	});

	it('runs every agent in the repository folder in shared mode, with nothing to merge', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')]});
		expect(run.launcher.on('a').launch.cwd).toBe('/repo');
		expect(run.launcher.on('a').launch.env['JETPACK_WORKTREE']).toBeUndefined();
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		expect((await run.task('a')).attempts[0]?.['workspace']).toBeUndefined();
	});

	it('puts finished work in review instead of merging it, with merge: "review", worktree and branch kept; its dependents wait', async () => {
		const workspaces = new FakeWorkspaces();
		const run = await setup([t('a'), t('b', {dependencies: ['a']})], {
			slots: [slot('s-1')],
			workspaces,
			config: {merge: 'review'},
		});
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		expect(workspaces.calls).toEqual([
			'prepare a 1',
			'commit /worktrees/a-1 a: task a',
			'release /worktrees/a-1 (kept)',
		]);
		const task = await run.task('a');
		expect(task.status).toBe('review');
		expect(task.claimedBy).toBeUndefined();
		expect(task.attempts[0]?.['workspace']).toMatchObject({head: 'head1', merged: null});
		expect(run.events.find((e) => e.event.type === 'task.review')?.event).toMatchObject({
			task: 'a',
			branch: 'jetpack/tasks/a',
			files: 2,
			insertions: 12,
			deletions: 3,
		});
		// Nothing else can run: b waits for a's review, and the run ends.
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.launcher.agents).toHaveLength(1);
	});

	it('keeps work the shared remote could not take, in review with its branch (merge: "auto"), and says why in one line', async () => {
		const workspaces = new FakeWorkspaces();
		workspaces.merges.push({
			kind: 'deferred',
			reason:
				"the remote origin could not be reached ('/gone' does not appear to be a git repository)",
		});
		const run = await setup([t('a'), t('b', {dependencies: ['a']})], {
			slots: [slot('s-1')],
			workspaces,
		});
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		expect(workspaces.calls.slice(-2)).toEqual([
			'merge jetpack/tasks/a head1',
			'release /worktrees/a-1 (kept)',
		]);
		const task = await run.task('a');
		expect(task).toMatchObject({status: 'review', retryCount: 0});
		expect(task.attempts[0]?.['workspace']).toMatchObject({
			head: 'head1',
			merged: null,
			unmerged:
				"the remote origin could not be reached ('/gone' does not appear to be a git repository)",
		});
		const told = run.events.find((e) => e.event.type === 'task.review');
		expect(told?.level).toBe('warn');
		expect(told === undefined ? '' : describeEvent(told.event)).toBe(
			"done but not merged: the remote origin could not be reached ('/gone' does not appear to be a git repository); its work is kept on jetpack/tasks/a and the task waits in review: jetpack-tui review a --accept once that is fixed",
		);
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.launcher.agents).toHaveLength(1);
	});

	it('answers a review from the TUI: the diff, an accept that merges and frees the dependents, a reject that sends it back', async () => {
		const workspaces = new FakeWorkspaces();
		const run = await setup([t('a'), t('b', {dependencies: ['a']}), t('c')], {
			slots: [slot('s-1')],
			workspaces,
			config: {merge: 'review'},
		});
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		run.launcher.on('c').exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.orchestrator.reviewDiff('a')).toContain('jetpack/tasks/a');
		await expect(run.orchestrator.reviewDiff('b')).rejects.toThrow('b has not run yet');
		const accepted = await run.orchestrator.acceptReview('a');
		expect(accepted.ok).toBe(true);
		expect(workspaces.calls).toContain('merge jetpack/tasks/a head1');
		expect((await run.task('a')).status).toBe('completed');
		await settle();
		// b depended on a: it runs now.
		expect(run.launcher.on('b')).toBeDefined();
		const rejected = await run.orchestrator.rejectReview('c', 'the tests miss the error path');
		expect(rejected).toMatchObject({ok: true});
		const sentBack = await run.task('c');
		expect(sentBack).toMatchObject({
			retryCount: 0,
			lastError: 'rejected in review: the tests miss the error path',
		});
		// Back in the queue: taken again at once, or about to be.
		expect(['ready', 'in_progress']).toContain(sentBack.status);
		expect(await run.orchestrator.acceptReview('c')).toMatchObject({ok: false});
	});

	it('starts no agent for a task whose worktree was being made when a shutdown began: the task goes back untouched and the run ends', async () => {
		const workspaces = new FakeWorkspaces();
		let made = (): void => {};
		const held = new Promise<void>((resolve) => {
			made = resolve;
		});
		const prepare = workspaces.prepare.bind(workspaces);
		workspaces.prepare = async (taskId, attempt) => {
			await held;
			return prepare(taskId, attempt);
		};
		const run = await setup([t('a')], {slots: [slot('s-1')], workspaces});
		expect(await run.task('a')).toMatchObject({status: 'in_progress'});
		// Nothing is running yet, so the shutdown ends at once; the worktree is made after.
		await run.orchestrator.shutdown({immediate: false});
		made();
		await settle();
		expect(run.launcher.agents).toEqual([]);
		expect(workspaces.calls).toEqual(['prepare a 1', 'release /worktrees/a-1']);
		expect(await run.task('a')).toMatchObject({status: 'ready', attempts: [], retryCount: 0});
	});
});
