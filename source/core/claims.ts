/**
 * Tasks held by a run that no longer exists go back to the queue with no retry spent
 * (PRODUCT.md §9). Whether a run is gone is the caller's judgement (pid, host, heartbeat).
 */
import {recordAttempt} from './attempts.js';
import type {Change} from './ports.js';
import type {ClaimedBy, Task, TaskTable} from './task.js';

export function releaseDeadClaims(
	tasks: TaskTable,
	isGone: (claim: ClaimedBy | undefined, task: Task) => boolean,
	now: Date,
): Change<string[]> {
	const released: Task[] = [];
	for (const task of tasks.values()) {
		if (task.status !== 'claimed' && task.status !== 'in_progress') continue;
		if (!isGone(task.claimedBy, task)) continue;
		const {claimedBy: _claimedBy, assignedAgent: _assignedAgent, ...rest} = task;
		released.push({...rest, status: 'pending', updatedAt: now.toISOString()});
	}

	if (released.length === 0) return {tasks, result: []};
	const next = new Map(tasks);
	for (const task of released) next.set(task.id, task);
	return {tasks: next, result: released.map((task) => task.id)};
}

/**
 * On a shared store (PRODUCT.md §15): tasks held by a run whose lease lapsed go back to the queue,
 * their attempt closed as `killed` (no retry spent), so a late result of that run is refused (it
 * names an attempt that has ended). `live` holds the runs whose lease holds.
 */
export function releaseLapsedClaims(
	tasks: TaskTable,
	live: ReadonlySet<string>,
	now: Date,
): Change<string[]> {
	let table = tasks;
	const released: string[] = [];
	for (const task of tasks.values()) {
		if (task.status !== 'claimed' && task.status !== 'in_progress') continue;
		const runId = task.claimedBy?.runId;
		if (runId !== undefined && live.has(runId)) continue;
		const open = task.attempts.at(-1);
		if (runId !== undefined && open !== undefined && open.endedAt === undefined) {
			const change = recordAttempt(
				table,
				{
					taskId: task.id,
					attempt: open.n,
					runId,
					outcome: 'killed',
					message: `the lease of run ${runId}${task.claimedBy?.host === undefined ? '' : ` on ${task.claimedBy.host}`} lapsed; another run took the task over`,
					exit: {exitCode: null, signal: null},
					endedAt: now,
				},
				{maxRetries: 0, backoffSeconds: [0]},
			);
			if (change.result.kind === 'released') {
				table = change.tasks;
				released.push(task.id);
				continue;
			}
		}

		const dead = releaseDeadClaims(table, (_claim, held) => held.id === task.id, now);
		table = dead.tasks;
		released.push(...dead.result);
	}

	return {tasks: table, result: released};
}
