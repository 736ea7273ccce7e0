/**
 * Which runnable task goes to which free agent (PRODUCT.md §5): priority first, then the longest
 * remaining path (the task whose dependents form the longest chain), then age; a task with
 * `requiredSkills` goes to an agent whose profile lists them all, else to a generalist (a profile
 * that lists no skills); `taskLimits` caps concurrent tasks per tag; a retry prefers an agent of
 * another profile.
 */
import {runnableTasks, type Graph} from './graph.js';
import type {AgentSlot} from './profiles.js';
import type {Priority, Task} from './task.js';

export interface Assignment {
	readonly taskId: string;
	readonly agent: string;
}

export interface SchedulingInput {
	readonly graph: Graph;
	readonly now: Date;
	/** Agents free to take a task now (not running, profile not paused). */
	readonly free: readonly AgentSlot[];
	/** Every agent of the pool, to tell a task no agent could ever take from one that waits. */
	readonly pool: readonly AgentSlot[];
	/** Tags of the tasks running now, one entry per running task. */
	readonly runningTags: readonly (readonly string[])[];
	readonly taskLimits: Readonly<Record<string, number>>;
	/** Tasks an agent of this run is on already, whatever the file says meanwhile. */
	readonly running?: ReadonlySet<string>;
}

export interface SchedulingResult {
	readonly assignments: readonly Assignment[];
	/** Runnable tasks no agent of the pool can take: no generalist, and no specialist with them all. */
	readonly unassignable: readonly string[];
	/**
	 * Runnable tasks beyond the assignments that a free agent could take, in scheduling order (at
	 * most `maxSpares`): on a shared store another run may take an assigned task first, and the
	 * claim then takes the next of these in the same transaction instead of waiting for a wake-up.
	 */
	readonly spares: readonly string[];
}

/** Bounds the spares a claim is offered: enough for every agent of a run to lose a race or two. */
export const maxSpares = 32;

const priorityRank: Record<Priority, number> = {critical: 0, high: 1, medium: 2, low: 3};

/** The order among runnable tasks; exported for tests and the TUI's "critical path" sort. */
export function compareForScheduling(graph: Graph): (a: Task, b: Task) => number {
	const remaining = graph.remaining;
	return (a, b) =>
		priorityRank[a.priority] - priorityRank[b.priority] ||
		(remaining.get(b.id) ?? 0) - (remaining.get(a.id) ?? 0) ||
		// ISO-8601 stamps order as plain strings; a locale's collation would cost a sort of thousands.
		compareText(a.createdAt ?? '', b.createdAt ?? '') ||
		compareText(a.id, b.id);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const hasSkills = (slot: AgentSlot, task: Task) =>
	task.requiredSkills.every((skill) => slot.profile.skills.includes(skill));

/**
 * Whether this agent may ever take this task (PRODUCT.md §5): its profile lists every skill the
 * task requires, or it lists none at all and so is a generalist. The scheduler still hands a
 * skilled task to a free specialist before a generalist; the end-of-run check uses this alone.
 */
export function canTakeTask(slot: AgentSlot, task: Task): boolean {
	return slot.profile.skills.length === 0 || hasSkills(slot, task);
}

export function schedule(input: SchedulingInput): SchedulingResult {
	const runnable = runnableTasks(input.graph, input.now)
		.filter((task) => !input.running?.has(task.id))
		.sort(compareForScheduling(input.graph));
	const unassignable = runnable
		.filter((task) => !input.pool.some((slot) => canTakeTask(slot, task)))
		.map((task) => task.id);
	const running = new Map<string, number>();
	for (const tags of input.runningTags)
		for (const tag of tags) running.set(tag, (running.get(tag) ?? 0) + 1);
	const free = [...input.free];
	const assignments: Assignment[] = [];
	for (const task of runnable) {
		if (free.length === 0) break;
		const overLimit = task.tags.some((tag) => {
			const limit = input.taskLimits[tag];
			return limit !== undefined && (running.get(tag) ?? 0) >= limit;
		});
		if (overLimit) continue;
		// A specialist with every skill the task needs before a generalist; among those, the least
		// specialised, so a skilled agent stays free for skilled work.
		const able = free
			.filter((slot) => canTakeTask(slot, task))
			.sort(
				(a, b) =>
					Number(!hasSkills(a, task)) - Number(!hasSkills(b, task)) ||
					a.profile.skills.length - b.profile.skills.length,
			);
		if (able.length === 0) continue;
		// A task that failed before goes, where it can, to another kind of agent.
		const lastProfile = task.attempts.at(-1)?.agent.replace(/-\d+$/, '');
		const slot =
			able.find((candidate) => candidate.profile.name !== lastProfile) ?? (able[0] as AgentSlot);
		free.splice(free.indexOf(slot), 1);
		for (const tag of task.tags) running.set(tag, (running.get(tag) ?? 0) + 1);
		assignments.push({taskId: task.id, agent: slot.name});
	}

	const assigned = new Set(assignments.map((assignment) => assignment.taskId));
	const spares: string[] = [];
	for (const task of runnable) {
		if (spares.length >= maxSpares || input.free.length === 0) break;
		if (!assigned.has(task.id) && input.free.some((slot) => canTakeTask(slot, task)))
			spares.push(task.id);
	}

	return {assignments, unassignable, spares};
}
