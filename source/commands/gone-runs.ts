/**
 * Runs that are gone (PRODUCT.md §9) may have left agents at work on the tasks they held: a run
 * killed with SIGKILL stops nothing. Whoever puts those tasks back (a new run, `recover`) stops
 * those processes first, so no task ever runs twice at once.
 */
import {stopAgentsOfRun} from '../adapters/agent-processes.js';
import type {ClaimedBy, Task, TaskTable} from '../core/task.js';

/**
 * Stops what the agents of gone runs left running: the run whose file this one replaced, and every
 * run that holds a task and is judged gone. How many processes that was.
 */
export async function stopAgentsOfGoneRuns(
	tasks: TaskTable,
	isGone: (claim: ClaimedBy | undefined, task: Task) => boolean,
	replacedRun: string | undefined,
	graceMs: number,
): Promise<number> {
	const runs = new Set(replacedRun === undefined ? [] : [replacedRun]);
	for (const task of tasks.values())
		if (task.claimedBy !== undefined && isGone(task.claimedBy, task))
			runs.add(task.claimedBy.runId);
	let stopped = 0;
	for (const run of runs) stopped += await stopAgentsOfRun(run, {graceMs});
	return stopped;
}
