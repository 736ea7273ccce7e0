/**
 * The memory watchdog's loop (PRODUCT.md §6): samples the agents' process trees through the
 * `ProcessStats` port, at an interval that shortens when an agent grows fast or has just started,
 * and hands what `decide()` says to the run (warn, recycle, hold or resume claims). The decisions
 * are watchdog.ts's; this only keeps time and state.
 */
import type {Disposable} from './agent-ports.js';
import type {Clock} from './ports.js';
import {
	decide,
	defaultLimitBytes,
	firstLookMs,
	initialWatchdogState,
	nextSampleMs,
	type AgentMemory,
	type ProcessStats,
	type WatchdogAction,
	type WatchdogState,
} from './watchdog.js';

export interface MemoryWatchOptions {
	readonly stats: ProcessStats;
	readonly sampleMs: number;
	readonly reservePercent: number;
	readonly clock: Clock;
	readonly setTimeout: (callback: () => void, ms: number) => Disposable;
	/**
	 * The running agents now: task id → the agent's pid, its attempt and its limit (undefined: a
	 * fair share). The watchdog keeps its state per attempt: a retry is a new agent to it.
	 */
	readonly agents: () => ReadonlyMap<
		string,
		{readonly pid: number; readonly attempt: number; readonly limitMb?: number}
	>;
	/** How many agents share the machine, for the fair share. */
	readonly poolSize: () => number;
	/** What the watchdog decided, about the task (not the attempt) it names. */
	readonly act: (action: WatchdogAction) => void;
	/** A sample could not be taken; the next is tried at the usual interval. */
	readonly failed: (error: Error) => void;
	/** New figures are in (for the snapshot). */
	readonly sampled: () => void;
}

export class MemoryWatch {
	readonly #o: MemoryWatchOptions;
	#state: WatchdogState = initialWatchdogState;
	#timer: Disposable | undefined;
	/** A sample is being taken (it awaits the sampler): it schedules the next one itself. */
	#sampling = false;
	#lookSoon = false;
	#stopped = false;
	/** By attempt key (`taskId#attempt`). */
	#trees = new Map<string, AgentMemory>();
	/** The attempt key of each task's running agent, and back, as of the last sample. */
	#keys = new Map<string, string>();
	#tasks = new Map<string, string>();
	#last: {at: number; sizes: Map<string, number>} = {at: 0, sizes: new Map()};
	#self: {rssMb: number; heapMb: number} | undefined;

	constructor(options: MemoryWatchOptions) {
		this.#o = options;
	}

	/** Also after `stop()`: a finished run that resumes watches again. */
	start(): void {
		this.#stopped = false;
		this.#schedule(this.#o.sampleMs);
	}

	stop(): void {
		this.#stopped = true;
		this.#timer?.dispose();
	}

	/** A new agent may leak fast from its first second: it is looked at soon, not at the next interval. */
	agentStarted(): void {
		if (this.#sampling) this.#lookSoon = true;
		else this.#schedule(firstLookMs);
	}

	/** New claims are held back: the machine is under its memory reserve. */
	get holding(): boolean {
		return this.#state.holding;
	}

	/** The agent's tree as last sampled, in MB, with its limit. */
	figures(taskId: string): {rssMb?: number; limitMb?: number} {
		const key = this.#keys.get(taskId);
		const tree = key === undefined ? undefined : this.#trees.get(key);
		if (tree === undefined) return {};
		return {rssMb: mb(tree.rssBytes), limitMb: mb(tree.limitBytes)};
	}

	/** Our own process, for the status bar. */
	get self(): {readonly rssMb: number; readonly heapMb: number} | undefined {
		return this.#self;
	}

	#schedule(ms: number): void {
		if (this.#stopped) return;
		// One sampling loop only: a new schedule replaces the one waiting.
		this.#timer?.dispose();
		this.#timer = this.#o.setTimeout(() => {
			this.#sampling = true;
			this.#sample()
				.finally(() => {
					this.#sampling = false;
				})
				.catch((error: unknown) => {
					this.#o.failed(error as Error);
					this.#schedule(this.#o.sampleMs);
				});
		}, ms);
	}

	async #sample(): Promise<void> {
		const running = [...this.#o.agents()].map(([taskId, agent]) => ({
			...agent,
			taskId,
			key: `${taskId}#${agent.attempt}`,
		}));
		const sample = await this.#o.stats.sample(
			new Map(running.map((agent) => [agent.key, agent.pid])),
		);
		if (this.#stopped) return;
		this.#keys = new Map(running.map((agent) => [agent.taskId, agent.key]));
		this.#tasks = new Map(running.map((agent) => [agent.key, agent.taskId]));
		const now = this.#o.clock.now().getTime();
		const fair = defaultLimitBytes(sample.totalBytes, this.#o.poolSize(), this.#o.reservePercent);
		// The watchdog's `taskId` is the attempt key here; actions are told by task again below.
		const agents: AgentMemory[] = running.map(({key, limitMb}) => ({
			taskId: key,
			rssBytes: sample.trees.get(key) ?? 0,
			limitBytes: limitMb === undefined ? fair : limitMb * 1_048_576,
		}));
		this.#trees = new Map(agents.map((agent) => [agent.taskId, agent]));
		this.#self = {rssMb: mb(sample.selfRssBytes), heapMb: mb(sample.selfHeapBytes)};
		const {actions, state} = decide(
			{agents, availableBytes: sample.availableBytes, totalBytes: sample.totalBytes},
			this.#state,
			this.#o.reservePercent,
		);
		this.#state = state;
		for (const action of actions)
			this.#o.act(
				'taskId' in action
					? {...action, taskId: this.#tasks.get(action.taskId) ?? action.taskId}
					: action,
			);
		const next = nextSampleMs(this.#o.sampleMs, this.#last.sizes, agents, now - this.#last.at);
		this.#last = {at: now, sizes: new Map(agents.map((agent) => [agent.taskId, agent.rssBytes]))};
		this.#o.sampled();
		// An agent started during this sample gets its early look now.
		this.#schedule(this.#lookSoon ? Math.min(next, firstLookMs) : next);
		this.#lookSoon = false;
	}
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);
