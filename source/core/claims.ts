/**
 * Tasks held by a run that no longer exists go back to the queue with no retry spent
 * (PRODUCT.md §9). Whether a run is gone is the caller's judgement (pid, host, heartbeat).
 */
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
