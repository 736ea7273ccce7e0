/**
 * The rules that decide a task's fate around one attempt (PRODUCT.md §3, §4), as pure
 * transactions on the task table: claim a runnable task, record how an attempt ended, give back a
 * claim that never started. The orchestrator sequences them and emits events; it decides nothing
 * here itself.
 */
import type {AgentExit} from './agent-ports.js';
import {isRunnable, type Graph} from './graph.js';
import type {Outcome} from './outcome.js';
import {backoffSeconds} from './outcome.js';
import type {Change} from './ports.js';
import {copyWith, type Attempt, type ClaimedBy, type Task, type TaskTable} from './task.js';
import type {Usage} from './clis/detector.js';
import type {WorkspaceRecord} from './workspaces.js';

export interface ClaimInput {
	readonly taskId: string;
	readonly agent: string;
	readonly run: ClaimedBy;
	readonly now: Date;
	/** Where the attempt's output goes, by its number. */
	readonly log: (attempt: number) => string;
	/** Cycles as the scheduling pass saw them: edges do not change between a pass and its claims. */
	readonly inCycle: ReadonlySet<string>;
}

/**
 * Takes `taskId` for a new attempt if it is still runnable as the table is now; the claimed task,
 * or undefined when someone else changed it first.
 */
export function claimTask(tasks: TaskTable, input: ClaimInput): Change<Task | undefined> {
	const task = tasks.get(input.taskId);
	const graph: Pick<Graph, 'tasks' | 'inCycle'> = {tasks, inCycle: input.inCycle};
	if (task === undefined || !isRunnable(task, graph as Graph, input.now))
		return {tasks, result: undefined};
	const stamp = input.now.toISOString();
	const n = task.attempts.length + 1;
	const attempt: Attempt = {n, agent: input.agent, startedAt: stamp, log: input.log(n)};
	const next: Task = {
		...task,
		status: 'in_progress',
		claimedBy: input.run,
		assignedAgent: input.agent,
		startedAt: stamp,
		updatedAt: stamp,
		attempts: [...task.attempts, attempt],
	};
	return {tasks: new Map(tasks).set(task.id, next), result: next};
}

/** A claim made as a shutdown began: the task goes back untouched, as if never claimed. */
export function unclaimTask(
	tasks: TaskTable,
	taskId: string,
	runId: string,
	attempt: number,
): Change<undefined> {
	const held = tasks.get(taskId);
	if (held?.claimedBy?.runId !== runId || held.attempts.at(-1)?.n !== attempt)
		return {tasks, result: undefined};
	const {claimedBy: _claimedBy, assignedAgent: _assignedAgent, ...rest} = held;
	return {
		tasks: new Map(tasks).set(taskId, {
			...rest,
			status: 'pending',
			attempts: held.attempts.filter((a) => a.n !== attempt),
		}),
		result: undefined,
	};
}

export interface AttemptRecord {
	readonly taskId: string;
	readonly attempt: number;
	readonly runId: string;
	readonly outcome: Outcome;
	readonly message: string;
	readonly exit: AgentExit;
	/** When the attempt ended: a result written late still says when it happened. */
	readonly endedAt: Date;
	/** What the CLI reported it spent (structured profiles), kept on the attempt. */
	readonly usage?: Usage;
	/** Its worktree's branch, commits and diff stat (worktree mode). */
	readonly workspace?: WorkspaceRecord;
	/** Done, and its work waits for a person to accept it (`merge: "review"`). */
	readonly review?: boolean;
}

export interface RetryPolicy {
	/** For tasks without their own `maxRetries`: the config's. */
	readonly maxRetries: number;
	readonly backoffSeconds: readonly number[];
}

/** What recording did to the task, for the event the orchestrator writes. */
export type Recorded =
	| {readonly kind: 'completed'; readonly task: Task}
	/** Done; its work waits for a person's review (status `review`). */
	| {readonly kind: 'review'; readonly task: Task}
	/** Back to the queue with no retry spent (`killed`, `infra`, `rate_limited`, `needs_input`). */
	| {readonly kind: 'released'; readonly task: Task}
	| {readonly kind: 'retry'; readonly task: Task; readonly retryInSeconds: number}
	| {readonly kind: 'failed'; readonly task: Task}
	/** Someone set the task's status meanwhile (the agent's own `task done`, a person); it stands. */
	| {readonly kind: 'outside'; readonly task: Task}
	/** Already recorded (a result written twice) or the task is gone: nothing changed. */
	| {readonly kind: 'none'};

/**
 * Ends that are not the task's fault: a stop by a person or a shutdown, a CLI that cannot work, a
 * usage limit, a question nobody answered (PRODUCT.md §4, §13).
 */
const noRetrySpent: ReadonlySet<Outcome> = new Set([
	'killed',
	'infra',
	'rate_limited',
	'needs_input',
]);

/** The retries a task may spend: its own `maxRetries`, else the config's. */
export function maxRetriesOf(task: Task, policy: Pick<RetryPolicy, 'maxRetries'>): number {
	return task.maxRetries ?? policy.maxRetries;
}

/**
 * Records how attempt `record.attempt` of a task ended, in one transaction. Idempotent: an attempt
 * that already has its end is left alone, so a result retried after a failed write can never be
 * applied twice.
 */
export function recordAttempt(
	tasks: TaskTable,
	record: AttemptRecord,
	policy: RetryPolicy,
): Change<Recorded> {
	const task = tasks.get(record.taskId);
	const entry = task?.attempts.find((a) => a.n === record.attempt);
	if (task === undefined || entry === undefined || entry.endedAt !== undefined)
		return {tasks, result: {kind: 'none'}};
	const {outcome, message} = record;
	const stamp = record.endedAt.toISOString();
	const attempts = task.attempts.map((a) =>
		a.n === record.attempt
			? copyWith(a, {
					endedAt: stamp,
					exitCode: record.exit.exitCode,
					signal: record.exit.signal,
					...(outcome === 'completed' ? {} : {failureType: outcome}),
					...(record.usage === undefined ? {} : {usage: record.usage}),
					...(record.workspace === undefined ? {} : {workspace: record.workspace}),
				})
			: a,
	);
	const ours =
		task.status === 'in_progress' &&
		task.claimedBy?.runId === record.runId &&
		task.attempts.at(-1)?.n === record.attempt;
	// Changed meanwhile: the agent ran `task done` or `task fail` itself, or a person blocked,
	// finished or released it. Their word stands, except that finished work put back in the
	// queue is finished all the same; the attempt is recorded either way.
	const released = task.status === 'pending' || task.status === 'ready';
	const set = (next: Task) => new Map(tasks).set(task.id, next);
	if (!ours && !(released && outcome === 'completed')) {
		const next = copyWith(task, {attempts, updatedAt: stamp});
		return {tasks: set(next), result: {kind: 'outside', task: next}};
	}

	const {claimedBy: _claimedBy, assignedAgent: _assignedAgent, ...rest} = task;
	if (outcome === 'completed' && record.review === true) {
		const {failureType: _f, lastError: _l, nextAttemptAt: _n, ...clean} = rest;
		const next: Task = copyWith(clean, {attempts, status: 'review', updatedAt: stamp});
		return {tasks: set(next), result: {kind: 'review', task: next}};
	}

	if (outcome === 'completed') {
		const {failureType: _f, lastError: _l, nextAttemptAt: _n, ...clean} = rest;
		// Done by hand meanwhile (`jetpack-tui task done`) is done all the same.
		const next: Task = copyWith(clean, {
			attempts,
			status: 'completed',
			completedAt: task.completedAt ?? stamp,
			updatedAt: stamp,
		});
		return {tasks: set(next), result: {kind: 'completed', task: next}};
	}

	const failed = copyWith(rest, {
		attempts,
		failureType: outcome,
		lastError: message,
		updatedAt: stamp,
	});
	if (noRetrySpent.has(outcome)) {
		// None is the task's fault: back to the queue, no retry spent, in this run or any other.
		const next: Task = copyWith(failed, {status: 'pending'});
		return {tasks: set(next), result: {kind: 'released', task: next}};
	}

	// A retry loop must not spend without bound: over its budget, a task is not tried again.
	if (outcome === 'budget' || task.retryCount >= maxRetriesOf(task, policy)) {
		// Out of retries: `retryCount` stays the number of retries spent.
		const next: Task = copyWith(failed, {status: 'failed'});
		return {tasks: set(next), result: {kind: 'failed', task: next}};
	}

	const retryCount = task.retryCount + 1;
	const retryInSeconds = backoffSeconds(retryCount, policy.backoffSeconds);
	const next: Task = copyWith(failed, {
		status: 'pending',
		retryCount,
		nextAttemptAt: new Date(record.endedAt.getTime() + retryInSeconds * 1000).toISOString(),
	});
	return {tasks: set(next), result: {kind: 'retry', task: next, retryInSeconds}};
}
