/**
 * The memory watchdog's decisions (PRODUCT.md §6), on figures the sampler measured: warn an agent
 * over 90% of its limit, recycle it over 100% (at once over 120%), hold new claims while the
 * machine is under its reserve, and recycle the largest agent under half the reserve. Pure: the
 * same figures always give the same actions.
 */

export interface AgentMemory {
	readonly taskId: string;
	/** Resident memory of the agent's whole process tree. */
	readonly rssBytes: number;
	readonly limitBytes: number;
}

export interface MemorySample {
	readonly agents: readonly AgentMemory[];
	readonly availableBytes: number;
	readonly totalBytes: number;
}

export type WatchdogAction =
	| {
			readonly type: 'warn';
			readonly taskId: string;
			readonly rssMb: number;
			readonly limitMb: number;
	  }
	| {
			readonly type: 'recycle';
			readonly taskId: string;
			readonly rssMb: number;
			readonly limitMb: number;
			readonly immediate: boolean;
			readonly why: 'agent' | 'machine';
	  }
	| {readonly type: 'hold-claims'; readonly availableMb: number; readonly reserveMb: number}
	| {readonly type: 'resume-claims'; readonly availableMb: number};

export interface WatchdogState {
	/** Agents already warned; warned again only after dropping back below the re-arm level. */
	readonly warned: ReadonlySet<string>;
	/** Agents already being recycled: not asked twice. */
	readonly recycling: ReadonlySet<string>;
	/** Of those, the ones recycled for passing their own limit (not for the machine's sake). */
	readonly overLimit: ReadonlySet<string>;
	/** Of those, the ones already asked to be killed at once. */
	readonly killing: ReadonlySet<string>;
	readonly holding: boolean;
}

export const initialWatchdogState: WatchdogState = {
	warned: new Set(),
	recycling: new Set(),
	overLimit: new Set(),
	killing: new Set(),
	holding: false,
};

const warnAt = 0.9;
const rearmAt = 0.85;
const killAt = 1.2;
/** Claims come back only once memory is clearly back, not at the first sample over the line. */
const resumeFactor = 1.2;
const mb = (bytes: number) => Math.round(bytes / 1_048_576);

export function decide(
	sample: MemorySample,
	state: WatchdogState,
	reservePercent: number,
): {actions: WatchdogAction[]; state: WatchdogState} {
	const actions: WatchdogAction[] = [];
	const warned = new Set(state.warned);
	const present = new Set(sample.agents.map((agent) => agent.taskId));
	const recycling = new Set([...state.recycling].filter((taskId) => present.has(taskId)));
	const overLimit = new Set([...state.overLimit].filter((taskId) => recycling.has(taskId)));
	const killing = new Set([...state.killing].filter((taskId) => recycling.has(taskId)));
	for (const taskId of warned) if (!present.has(taskId)) warned.delete(taskId);

	for (const agent of sample.agents) {
		const share = agent.rssBytes / agent.limitBytes;
		const figures = {
			taskId: agent.taskId,
			rssMb: mb(agent.rssBytes),
			limitMb: mb(agent.limitBytes),
		};
		// An agent recycled for its size is killed whole, never shrinks back: one this far under
		// its limit is the task's next attempt, started before a sample saw the task go.
		if (overLimit.has(agent.taskId) && share < rearmAt) {
			overLimit.delete(agent.taskId);
			killing.delete(agent.taskId);
			recycling.delete(agent.taskId);
		}

		if (share > 1 && !recycling.has(agent.taskId)) {
			recycling.add(agent.taskId);
			overLimit.add(agent.taskId);
			if (share > killAt) killing.add(agent.taskId);
			actions.push({type: 'recycle', ...figures, immediate: share > killAt, why: 'agent'});
		} else if (share > killAt && recycling.has(agent.taskId) && !killing.has(agent.taskId)) {
			// Still growing through the grace of its stop (it ignores SIGINT, or the machine is too
			// busy to let it exit): no more grace.
			killing.add(agent.taskId);
			actions.push({type: 'recycle', ...figures, immediate: true, why: 'agent'});
		} else if (share > warnAt && !warned.has(agent.taskId)) {
			warned.add(agent.taskId);
			actions.push({type: 'warn', ...figures});
		} else if (share < rearmAt) warned.delete(agent.taskId);
	}

	const reserve = (sample.totalBytes * reservePercent) / 100;
	let holding = state.holding;
	if (!holding && sample.availableBytes < reserve) {
		holding = true;
		actions.push({
			type: 'hold-claims',
			availableMb: mb(sample.availableBytes),
			reserveMb: mb(reserve),
		});
	} else if (holding && sample.availableBytes > reserve * resumeFactor) {
		holding = false;
		actions.push({type: 'resume-claims', availableMb: mb(sample.availableBytes)});
	}

	// Under half the reserve the machine itself is at risk: give back the largest agent's memory,
	// one agent at a time (the next sample sees whether that was enough).
	if (sample.availableBytes < reserve / 2 && recycling.size === 0) {
		const largest = [...sample.agents].sort((a, b) => b.rssBytes - a.rssBytes)[0];
		if (largest !== undefined) {
			recycling.add(largest.taskId);
			actions.push({
				type: 'recycle',
				taskId: largest.taskId,
				rssMb: mb(largest.rssBytes),
				limitMb: mb(largest.limitBytes),
				immediate: false,
				why: 'machine',
			});
		}
	}

	return {actions, state: {warned, recycling, overLimit, killing, holding}};
}

/** A fair share of the machine for each agent when no limit is configured: RAM less the reserve, split. */
export function defaultLimitBytes(
	totalBytes: number,
	agents: number,
	reservePercent: number,
): number {
	return Math.floor((totalBytes * (1 - reservePercent / 100)) / Math.max(agents, 1));
}

/** How soon a new agent is looked at, before its rate of growth is known. */
export const firstLookMs = 250;

/** What the sampler measures in one go. */
export interface TreeSample {
	/** Resident bytes of each agent's whole process tree, by the key it was asked for. */
	readonly trees: ReadonlyMap<string, number>;
	readonly availableBytes: number;
	readonly totalBytes: number;
	readonly selfRssBytes: number;
	readonly selfHeapBytes: number;
}

export interface ProcessStats {
	/** Measures the trees rooted at the given pids (keyed by task id), and the machine. */
	sample(roots: ReadonlyMap<string, number>): Promise<TreeSample>;
}

/**
 * When to sample next: the configured interval, sooner when an agent's growth since the last
 * sample would take it past its limit before then (a leak of 200 MB/s is caught in time).
 */
export function nextSampleMs(
	intervalMs: number,
	previous: ReadonlyMap<string, number>,
	current: readonly AgentMemory[],
	elapsedMs: number,
): number {
	let next = intervalMs;
	for (const agent of current) {
		const before = previous.get(agent.taskId);
		// A new agent's growth is not known yet: look again soon.
		if (before === undefined) next = Math.min(next, firstLookMs);
		if (before === undefined || elapsedMs <= 0) continue;
		const rate = (agent.rssBytes - before) / elapsedMs;
		if (rate <= 0) continue;
		const untilLimit = (agent.limitBytes - agent.rssBytes) / rate;
		next = Math.min(next, Math.max(100, untilLimit / 2));
	}

	return next;
}
