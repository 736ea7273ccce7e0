/**
 * How long the rest of the run takes with the agents of this pool. The graph's own ETA counts
 * `estimatedMinutes`, what a person would take; the simulated agent of `--demo` takes its `sim.ms`
 * (or the estimate divided by JETPACK_SIM_SPEED), and the status bar should say so.
 */
import type {Graph} from './graph.js';
import type {AgentSlot, SelfCommand} from './profiles.js';
import {parseSim} from './sim.js';
import {isEpic, type Task} from './task.js';

/** Minutes an agent of the pool takes on a task. */
export type TaskMinutes = (task: Task) => number;

// An epic is never run: its children carry its work.
export const estimatedMinutes: TaskMinutes = (task) => (isEpic(task) ? 0 : task.estimatedMinutes);

/** What the simulated agent takes at `speed`: its `sim.ms`, else the estimate divided by the speed. */
export function simulatedMinutes(speed: number): TaskMinutes {
	return (task) => {
		if (isEpic(task)) return 0;
		const plan = parseSim(task.extra['sim'], task, speed);
		// A `sim` it cannot follow ends the agent at once; the estimate over the speed is near enough.
		return 'error' in plan ? task.estimatedMinutes / speed : plan.ms / 60_000;
	};
}

/** Whether a slot runs this program's simulated agent (the `simulated` profile). */
export function isSimulated(slot: AgentSlot, self: SelfCommand): boolean {
	const {command, args} = slot.profile;
	return (
		command === self.command &&
		self.args.every((arg, index) => args[index] === arg) &&
		args[self.args.length] === 'simulate'
	);
}

/**
 * What the pool takes on a task: the simulated agent's time when every agent is simulated (the
 * demo), else the estimate. `speed` is JETPACK_SIM_SPEED as the agents will read it.
 */
export function poolMinutes(
	slots: readonly AgentSlot[],
	self: SelfCommand,
	speed: number,
): TaskMinutes {
	return slots.length > 0 && slots.every((slot) => isSimulated(slot, self))
		? simulatedMinutes(speed)
		: estimatedMinutes;
}

/**
 * The lower bound on finishing everything with `agents` agents, each task taking `minutesOf`:
 * max(longest chain of unfinished work, the work left shared among the agents). The same bound as
 * graph.ts's `etaMinutes`, which it equals with `estimatedMinutes`.
 */
export function etaMinutesWith(graph: Graph, agents: number, minutesOf: TaskMinutes): number {
	// Chains run through every task not completed and not on a cycle, as the graph's critical path.
	const chainEnd = new Map<string, number>();
	let longest = 0;
	for (const layer of graph.layers) {
		for (const id of layer) {
			const task = graph.tasks.get(id);
			if (task === undefined || task.status === 'completed') continue;
			let start = 0;
			for (const dep of task.dependencies) start = Math.max(start, chainEnd.get(dep) ?? 0);
			const end = start + minutesOf(task);
			chainEnd.set(id, end);
			longest = Math.max(longest, end);
		}
	}

	let work = 0;
	// Failed tasks and tasks that can never run as the graph stands are not work the agents will do.
	for (const task of graph.tasks.values()) {
		if (task.status !== 'completed' && task.status !== 'failed' && !graph.stuck.has(task.id))
			work += minutesOf(task);
	}

	return Math.max(longest, work / Math.max(agents, 1));
}
