/**
 * Review mode (PRODUCT.md §12, `merge: "review"`): finished work waits in status `review`, on its
 * task branch, until a person accepts it (the merge queue merges it; the task is completed and its
 * dependents can run) or rejects it (back to the queue with the reason, no retry spent, the
 * rejected work kept for the next attempt). The decisions are pure; the two flows sequence them
 * around the ports, so the CLI and the TUI share them.
 */
import {maxRetriesOf, type RetryPolicy} from './attempts.js';
import {ProblemsFound, UsageError} from './errors.js';
import {backoffSeconds} from './outcome.js';
import type {TaskRepository} from './ports.js';
import {copyWith, sortedTasks, type Attempt, type Task, type TaskTable} from './task.js';
import {
	sharedDiffReason,
	type MergeOutcome,
	type WorkspaceRecord,
	type Workspaces,
} from './workspaces.js';

/** A task waiting for review, as `jetpack-tui review` lists it. */
export interface ReviewEntry {
	readonly id: string;
	readonly title: string;
	readonly branch?: string;
	readonly base?: string;
	readonly head?: string;
	readonly files: number;
	readonly insertions: number;
	readonly deletions: number;
}

const isCount = (value: unknown): value is number =>
	typeof value === 'number' && Number.isInteger(value) && value >= 0;

/**
 * An attempt's `workspace` as stored (kept as an unknown key of the attempt, so anything may be
 * there after a hand edit): the record when it has at least its branch and base.
 */
export function workspaceOf(attempt: Attempt | undefined): WorkspaceRecord | undefined {
	const value = attempt?.['workspace'];
	if (typeof value !== 'object' || value === null) return undefined;
	const field = value as Record<string, unknown>;
	const text = (key: string) =>
		typeof field[key] === 'string' && field[key] !== '' ? (field[key] as string) : undefined;
	const branch = text('branch');
	if (branch === undefined) return undefined;
	const head = text('head');
	const merged = text('merged');
	return {
		branch,
		base: text('base') ?? '',
		...(head === undefined ? {} : {head}),
		merged: merged ?? null,
		...(isCount(field['files']) ? {files: field['files']} : {}),
		...(isCount(field['insertions']) ? {insertions: field['insertions']} : {}),
		...(isCount(field['deletions']) ? {deletions: field['deletions']} : {}),
	};
}

export function reviewEntry(task: Task): ReviewEntry {
	const record = workspaceOf(task.attempts.at(-1));
	return {
		id: task.id,
		title: task.title,
		...(record === undefined
			? {}
			: {
					branch: record.branch,
					base: record.base,
					...(record.head === undefined ? {} : {head: record.head}),
				}),
		files: record?.files ?? 0,
		insertions: record?.insertions ?? 0,
		deletions: record?.deletions ?? 0,
	};
}

/** Every task in status `review`, in id order. */
export function waitingForReview(tasks: TaskTable): ReviewEntry[] {
	return sortedTasks(tasks)
		.filter((task) => task.status === 'review')
		.map((task) => reviewEntry(task));
}

/** `+12 −3, 2 files`. */
export function statPhrase(entry: Pick<ReviewEntry, 'files' | 'insertions' | 'deletions'>): string {
	return `+${entry.insertions} −${entry.deletions}, ${entry.files} file${entry.files === 1 ? '' : 's'}`;
}

/** A task in review and what its last attempt left; else the sentence that says why not. */
export function requireReview(
	tasks: TaskTable,
	id: string,
): {task: Task; attempt: Attempt; record: WorkspaceRecord & {head: string}} {
	const task = tasks.get(id);
	if (task === undefined)
		throw new UsageError(
			`There is no task ${JSON.stringify(id)}; \`jetpack-tui review\` lists the tasks waiting for review.`,
		);
	if (task.status !== 'review')
		throw new UsageError(
			`${task.id} is ${task.status}, not waiting for review; \`jetpack-tui review\` lists the tasks that are.`,
		);
	const attempt = task.attempts.at(-1);
	const record = workspaceOf(attempt);
	if (attempt === undefined || record?.head === undefined)
		throw new UsageError(
			`${task.id} waits for review, but its last attempt kept no committed work to merge: mark it done (\`jetpack-tui task done ${task.id}\`) or run it again (\`jetpack-tui task retry ${task.id}\`).`,
		);
	return {task, attempt, record: {...record, head: record.head}};
}

/** The task's attempt `n` with `change` applied to its `workspace` (and the attempt itself). */
function withAttempt(
	task: Task,
	n: number,
	change: (attempt: Attempt) => Attempt,
): readonly Attempt[] {
	return task.attempts.map((attempt) => (attempt.n === n ? change(attempt) : attempt));
}

/**
 * The task once the merge queue has answered for attempt `n` (accepted in review): merged or
 * nothing → `completed`; a conflict → back to the queue as `conflict`, a retry spent, as an
 * attempt that conflicted in `merge: "auto"` would (PRODUCT.md §12). A task no longer in review
 * (someone rejected or finished it meanwhile) keeps its status; a merge that happened is still
 * noted on its attempt.
 */
export function acceptedTask(
	task: Task,
	n: number,
	outcome: Exclude<MergeOutcome, {readonly kind: 'deferred'}>,
	context: {readonly now: Date; readonly policy: RetryPolicy; readonly branch: string},
): {task: Task; message: string} {
	const stamp = context.now.toISOString();
	const {id} = task;
	const noteMerged = (attempt: Attempt): Attempt =>
		outcome.kind === 'merged' && typeof attempt['workspace'] === 'object'
			? copyWith(attempt, {
					workspace: copyWith(attempt['workspace'] as Record<string, unknown>, {
						merged: outcome.commit,
						unmerged: undefined,
					}),
				})
			: attempt;
	if (task.status !== 'review' || task.attempts.at(-1)?.n !== n) {
		const what =
			outcome.kind === 'merged'
				? `its work was merged into ${context.branch} all the same`
				: outcome.kind === 'conflict'
					? 'its work was not merged (it conflicts)'
					: 'it had nothing to merge';
		return {
			task: {...task, attempts: withAttempt(task, n, noteMerged), updatedAt: stamp},
			message: `${id} changed while it was being accepted (it is ${task.status} now, and left so); ${what}.`,
		};
	}

	const {failureType: _f, lastError: _l, nextAttemptAt: _n, ...rest} = task;
	if (outcome.kind !== 'conflict') {
		const done: Task = {
			...rest,
			attempts: withAttempt(task, n, noteMerged),
			status: 'completed',
			completedAt: stamp,
			updatedAt: stamp,
		};
		return {
			task: done,
			message:
				outcome.kind === 'merged'
					? `Accepted ${id}: merged into ${context.branch} (${outcome.commit.slice(0, 12)}); it is completed, and tasks that depend on it can run.`
					: `Accepted ${id}: it changed nothing, so there was nothing to merge; it is completed.`,
		};
	}

	const files = outcome.files.slice(0, 20).join(', ');
	const lastError = `does not merge into ${context.branch}: conflicts in ${files}`.slice(0, 500);
	const failed = {
		...rest,
		attempts: withAttempt(task, n, (attempt) => copyWith(attempt, {failureType: 'conflict'})),
		failureType: 'conflict' as const,
		lastError,
		updatedAt: stamp,
	};
	const max = maxRetriesOf(task, context.policy);
	if (task.retryCount >= max)
		return {
			task: {...failed, status: 'failed'},
			message: `${id} no longer merges into ${context.branch} (conflicts in ${files}) and has no retries left: it failed; \`jetpack-tui task retry ${id}\` runs it again.`,
		};
	const retryCount = task.retryCount + 1;
	const wait = backoffSeconds(retryCount, context.policy.backoffSeconds);
	return {
		task: {
			...failed,
			status: 'pending',
			retryCount,
			nextAttemptAt: new Date(context.now.getTime() + wait * 1000).toISOString(),
		},
		message: `${id} no longer merges into ${context.branch} (conflicts in ${files}): it goes back to the queue as a conflict, to be redone on the new tip (retry ${retryCount} of ${max}).`,
	};
}

/** Why a review was rejected, as the next attempt's prompt and `task show` give it. */
export const rejectedError = (reason: string) => `rejected in review: ${reason}`;

/**
 * A rejected review: back to the queue (`pending`; the store settles it to `ready`), no retry
 * spent, the reason as its `lastError`. The task branch stays: the next attempt's worktree keeps
 * the rejected work as its `previous` branch, which its prompt names.
 */
export function rejectedTask(
	tasks: TaskTable,
	id: string,
	reason: string,
	now: Date,
): {task: Task; message: string} {
	const why = reason.trim();
	if (why === '')
		throw new UsageError(
			'--reject needs a reason, for the next attempt: `--reject "the tests do not cover the error path"`.',
		);
	const {task, record} = requireReview(tasks, id);
	const {failureType: _f, nextAttemptAt: _n, ...rest} = task;
	return {
		task: {
			...rest,
			status: 'pending',
			lastError: rejectedError(why).slice(0, 1000),
			updatedAt: now.toISOString(),
		},
		message: `Rejected ${task.id}: it goes back to the queue with no retry spent; its next attempt starts from the integration branch and is told your reason and where the rejected work is kept (${record.branch}).`,
	};
}

/**
 * Accepts a task in review: its last attempt's work goes through the merge queue (which holds the
 * merge lock, so this is safe while a run goes on), then one transaction records what came of
 * it. Returns one sentence for the user.
 */
export async function acceptReview(
	repository: TaskRepository,
	workspaces: Workspaces,
	id: string,
	now: Date,
	policy: RetryPolicy,
): Promise<string> {
	const {task, attempt, record} = requireReview(await repository.read(), id);
	if (workspaces.mode === 'shared' || workspaces.branch === undefined)
		throw new UsageError(
			`${task.id}'s work is on branch ${record.branch}, but this repository now runs in the shared folder, where nothing is merged: merge that branch yourself (git merge ${record.branch}), then \`jetpack-tui task done ${task.id}\`.`,
		);
	const outcome = await workspaces.merge(
		{dir: '', branch: record.branch, base: record.base},
		{
			head: record.head,
			files: record.files ?? 0,
			insertions: record.insertions ?? 0,
			deletions: record.deletions ?? 0,
		},
		`Merge ${task.id}: ${task.title}`,
	);
	if (outcome.kind === 'deferred')
		throw new ProblemsFound(
			`${task.id} was not merged: ${outcome.reason}; it stays in review with its work on ${record.branch}, so accept it again once that is fixed.`,
		);
	const {branch} = workspaces;
	return repository.update((tasks) => {
		const current = tasks.get(id);
		if (current === undefined)
			return {
				tasks,
				result: `${id} was deleted while it was being accepted${outcome.kind === 'merged' ? `; its work was merged into ${branch} all the same` : ''}.`,
			};
		const accepted = acceptedTask(current, attempt.n, outcome, {now, policy, branch});
		return {tasks: new Map(tasks).set(id, accepted.task), result: accepted.message};
	});
}

/** Rejects a task in review with `reason`, in one transaction; one sentence for the user. */
export async function rejectReview(
	repository: TaskRepository,
	id: string,
	reason: string,
	now: Date,
): Promise<string> {
	return repository.update((tasks) => {
		const {task, message} = rejectedTask(tasks, id, reason, now);
		return {tasks: new Map(tasks).set(id, task), result: message};
	});
}

/** What `jetpack-tui diff` shows of a task: its last attempt that committed work in a worktree. */
export type DiffSource =
	| {readonly kind: 'attempt'; readonly attempt: number; readonly record: WorkspaceRecord}
	| {readonly kind: 'none'; readonly message: string};

export function diffSource(task: Task): DiffSource {
	const {id} = task;
	if (task.attempts.length === 0)
		return {kind: 'none', message: `${id} has not run yet, so there is nothing to diff.`};
	const inWorktree = task.attempts.filter((attempt) => workspaceOf(attempt) !== undefined);
	if (inWorktree.length === 0)
		return task.attempts.every((attempt) => attempt.endedAt === undefined)
			? {kind: 'none', message: `${id} is running its first attempt; there is nothing to diff yet.`}
			: {kind: 'none', message: `${id} ${sharedDiffReason}.`};
	for (const attempt of [...inWorktree].reverse()) {
		const record = workspaceOf(attempt);
		if (record?.head !== undefined) return {kind: 'attempt', attempt: attempt.n, record};
	}

	const last = inWorktree.at(-1);
	return {
		kind: 'none',
		message: `${id}'s attempts in a worktree ended before their work was committed (the last, #${last?.n ?? 0}, ended as ${last?.failureType ?? 'error'}), so there is nothing to diff; its worktree is kept until the next attempt.`,
	};
}
