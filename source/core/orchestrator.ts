/**
 * The run: free agents take runnable tasks at once, attempts end as PRODUCT.md §4 says, retries
 * back off, infra failures pause a profile, and a shutdown puts every task back. One object owns
 * all mutable run state; the headless printer and the TUI read it through `subscribe()` and
 * `getSnapshot()` and steer it through its commands.
 */
import {
	agentToken,
	blankScreen,
	CommandNotFound,
	type AgentExit,
	type AgentLauncher,
	type AgentProcess,
	type Disposable,
	type Screen,
	type ScreenSource,
} from './agent-ports.js';
import type {Config} from './config.js';
import {buildGraph, isRunnable, runnableTasks} from './graph.js';
import {
	backoffSeconds,
	canRetry,
	classifyAttempt,
	type Classified,
	type StopReason,
} from './outcome.js';
import type {Clock, TaskRepository} from './ports.js';
import {expandArgs, type AgentSlot, type Profile} from './profiles.js';
import {buildPrompt} from './prompt.js';
import {schedule} from './scheduler.js';
import type {Attempt, ClaimedBy, Task, TaskTable} from './task.js';
import {
	decide,
	defaultLimitBytes,
	firstLookMs,
	initialWatchdogState,
	nextSampleMs,
	type AgentMemory,
	type ProcessStats,
	type WatchdogState,
} from './watchdog.js';

export interface Timers {
	setTimeout(callback: () => void, ms: number): Disposable;
	setInterval(callback: () => void, ms: number): Disposable;
}

/** Runs the configured quality gates in the repo; resolves with the failing gate, if any. */
export interface GateRunner {
	run(
		commands: readonly string[],
	): Promise<{readonly command: string; readonly tail: readonly string[]} | undefined>;
}

export type Level = 'info' | 'warn' | 'error';

export type RunEvent =
	| {
			readonly type: 'run.started';
			readonly agents: number;
			readonly runnable: number;
			readonly recovered: number;
	  }
	| {
			readonly type: 'task.claimed';
			readonly task: string;
			readonly agent: string;
			readonly attempt: number;
			readonly title: string;
	  }
	| {
			readonly type: 'task.completed';
			readonly task: string;
			readonly agent: string;
			readonly seconds: number;
	  }
	| {
			readonly type: 'task.retry';
			readonly task: string;
			readonly agent: string;
			readonly failureType: string;
			readonly message: string;
			readonly retryInSeconds: number;
			readonly retry: number;
	  }
	| {
			readonly type: 'task.failed';
			readonly task: string;
			readonly agent: string;
			readonly failureType: string;
			readonly message: string;
	  }
	| {
			readonly type: 'task.released';
			readonly task: string;
			readonly agent: string;
			readonly message: string;
	  }
	| {
			readonly type: 'agent.stopping';
			readonly task: string;
			readonly agent: string;
			readonly reason: StopReason;
	  }
	| {
			readonly type: 'agent.recycled';
			readonly task: string;
			readonly agent: string;
			readonly rssMb: number;
			readonly limitMb: number;
	  }
	| {
			readonly type: 'agent.memory';
			readonly task: string;
			readonly agent: string;
			readonly rssMb: number;
			readonly limitMb: number;
	  }
	| {readonly type: 'memory.low'; readonly availableMb: number; readonly reserveMb: number}
	| {readonly type: 'memory.ok'; readonly availableMb: number}
	| {readonly type: 'run.warning'; readonly message: string}
	| {
			readonly type: 'profile.paused';
			readonly profile: string;
			readonly reason: string;
			readonly seconds: number;
	  }
	| {readonly type: 'profile.resumed'; readonly profile: string}
	| {readonly type: 'tasks.unassignable'; readonly tasks: readonly string[]}
	| {readonly type: 'run.stopping'; readonly immediate: boolean}
	| {readonly type: 'run.finished'; readonly reason: FinishReason};

export type FinishReason = 'done' | 'interrupted' | 'all-paused' | 'max-hours';

export interface StampedEvent {
	readonly time: string;
	readonly level: Level;
	readonly event: RunEvent;
}

export interface AgentView {
	readonly name: string;
	readonly profile: string;
	readonly state: 'idle' | 'running' | 'stopping' | 'paused';
	/** Removed from the pool (`-` in the TUI): it takes no new task and goes when this one ends. */
	readonly leaving?: boolean;
	readonly task?: string;
	readonly title?: string;
	readonly startedAt?: string;
	readonly pid?: number;
	/** The agent's whole process tree, as last sampled, and its limit. */
	readonly rssMb?: number;
	readonly limitMb?: number;
}

export interface Snapshot {
	readonly runId: string;
	readonly startedAt: string;
	readonly agents: readonly AgentView[];
	readonly paused: readonly {
		readonly profile: string;
		readonly reason: string;
		readonly until: string;
	}[];
	readonly finished?: FinishReason;
	/** Agent-busy milliseconds so far, for utilisation. */
	readonly busyMs: number;
	/** New claims held back while the machine is short of memory. */
	readonly memoryLow: boolean;
	/** Our own process, for the status bar. */
	readonly self?: {readonly rssMb: number; readonly heapMb: number};
}

export interface OrchestratorOptions {
	readonly repository: TaskRepository;
	readonly launcher: AgentLauncher;
	readonly gates: GateRunner;
	readonly clock: Clock;
	readonly timers: Timers;
	readonly config: Config;
	readonly slots: readonly AgentSlot[];
	readonly run: ClaimedBy;
	readonly cwd: string;
	/** Where attempt n of a task logs: `.jetpack/logs/<taskId>/<n>.log`. */
	readonly logFile: (taskId: string, attempt: number) => string;
	readonly terminalSize?: {readonly cols: number; readonly rows: number};
	/** The memory watchdog: a sampler and the figures it decides on (PRODUCT.md §6). */
	readonly memory?: {
		readonly stats: ProcessStats;
		readonly sampleMs: number;
		readonly reservePercent: number;
		/** An agent's limit; undefined: a fair share of the machine. */
		readonly limitMb: (slot: AgentSlot) => number | undefined;
	};
	/** Extra environment for agents (JETPACK_WORK_DIR, so `jetpack-tui task done` finds the store). */
	readonly env?: Readonly<Record<string, string>>;
}

interface Running {
	readonly taskId: string;
	readonly title: string;
	readonly tags: readonly string[];
	readonly attempt: number;
	readonly process: AgentProcess;
	readonly startedAt: number;
	readonly timeoutMs: number;
	lastOutputAt: number;
	stopReason?: StopReason;
	/** What the agent had said when we decided to stop it, before it answers our signals. */
	tailAtStop?: readonly string[];
	readonly disposables: Disposable[];
}

interface Breaker {
	consecutive: number;
	pausedUntil: number;
	pauses: number;
	reason: string;
}

const tickMs = 1000;
/** How many events the snapshot keeps for a late subscriber; the event log on disk has them all. */
const keptEvents = 200;

export class Orchestrator {
	readonly #o: OrchestratorOptions;
	readonly #running = new Map<string, Running>();
	readonly #breakers = new Map<string, Breaker>();
	readonly #listeners = new Set<(event: StampedEvent) => void>();
	readonly #snapshotListeners = new Set<() => void>();
	readonly #recent: StampedEvent[] = [];
	/** Which agent works on which task, while it does. */
	readonly #agentBy = new Map<string, string>();
	/** The pool: `+`/`-` in the TUI grow and shrink it while the run goes on. */
	readonly #slots: AgentSlot[];
	readonly #leaving = new Set<string>();
	/** Each agent's pane size, which its next process starts with. */
	readonly #sizes = new Map<string, {cols: number; rows: number}>();
	readonly #feeds = new Map<string, AgentFeed>();
	readonly #startedAt: number;
	#snapshot: Snapshot;
	#stopping = false;
	#finished: FinishReason | undefined;
	#scheduling = false;
	#again = false;
	#tick: Disposable | undefined;
	#busyMs = 0;
	#unassignableTold = '';
	#lastWarning = '';
	/** Attempt results the store could not take yet (a mistake in the file, a full disk): retried every tick. */
	readonly #unrecorded: Array<() => Promise<void>> = [];
	#memoryState: WatchdogState = initialWatchdogState;
	#memoryTimer: Disposable | undefined;
	/** A sample is being taken (it awaits /proc): it schedules the next one itself. */
	#sampling = false;
	#lookSoon = false;
	/** Agents whose next attempt is being claimed and launched: busy, though not running yet. */
	readonly #starting = new Set<string>();
	#trees = new Map<string, AgentMemory>();
	#lastSample: {at: number; sizes: Map<string, number>} = {at: 0, sizes: new Map()};
	/**
	 * When time alone could make a task runnable (a backoff ends): the tick schedules only then,
	 * or after `idleLookMs`, instead of re-reading a large store every second.
	 */
	#wakeAt = 0;
	#self: {rssMb: number; heapMb: number} | undefined;
	#done: (reason: FinishReason) => void = () => undefined;
	readonly finished: Promise<FinishReason>;

	constructor(options: OrchestratorOptions) {
		this.#o = options;
		this.#slots = [...options.slots];
		this.#startedAt = options.clock.now().getTime();
		this.#snapshot = this.#makeSnapshot();
		this.finished = new Promise((resolve) => {
			this.#done = resolve;
		});
	}

	/** Starts scheduling; `recovered` is how many tasks were returned from a run that is gone. */
	async start(recovered = 0): Promise<void> {
		const tasks = await this.#o.repository.read();
		// Stopped while the store was read (a quick `q`): no timers that would outlive the run.
		if (this.#stopping || this.#finished !== undefined) return;
		this.#emit('info', {
			type: 'run.started',
			agents: this.#slots.length,
			runnable: runnableTasks(buildGraph(tasks), this.#o.clock.now()).length,
			recovered,
		});
		this.#tick = this.#o.timers.setInterval(() => {
			this.#onTick();
		}, tickMs);
		if (this.#o.memory !== undefined) this.#scheduleSample(this.#o.memory.sampleMs);
		this.notifyStoreChanged();
	}

	/** Something outside changed the store (the CLI, a person): look again for work. */
	notifyStoreChanged(): void {
		void this.#schedule();
	}

	/** Something the user should know that did not come from the run itself (a store notice). */
	report(message: string): void {
		this.#emit('warn', {type: 'run.warning', message});
	}

	subscribe(listener: () => void): () => void {
		this.#snapshotListeners.add(listener);
		return () => this.#snapshotListeners.delete(listener);
	}

	onEvent(listener: (event: StampedEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	getSnapshot(): Snapshot {
		return this.#snapshot;
	}

	recentEvents(): readonly StampedEvent[] {
		return this.#recent;
	}

	/**
	 * Stops claiming. Graceful: running agents get `graceSeconds` to finish, then are stopped;
	 * immediate: they are stopped now. Either way their tasks go back to the queue.
	 */
	async shutdown(options: {
		readonly immediate: boolean;
		readonly reason?: FinishReason;
		/** Let running agents finish (up to the grace time) before stopping them; default yes. */
		readonly drain?: boolean;
	}): Promise<void> {
		const reason = options.reason ?? 'interrupted';
		if (this.#stopping && !options.immediate) return;
		this.#stopping = true;
		this.#emit('warn', {type: 'run.stopping', immediate: options.immediate});
		const grace = this.#o.config.graceSeconds * 1000;
		if (!options.immediate && options.drain !== false && this.#running.size > 0) {
			await Promise.race([this.#allIdle(), this.#sleep(grace)]);
		}

		await Promise.all(
			[...this.#running.values()].map(async (run) => {
				run.stopReason ??= 'shutdown';
				await run.process.stop(grace, {immediate: options.immediate}).catch(() => undefined);
			}),
		);
		await this.#allIdle();
		this.#finish(reason);
	}

	/** Stops the agent working on `taskId` (the task goes back to the queue, no retry spent). */
	async stopTask(taskId: string): Promise<void> {
		const run = this.#running.get(taskId);
		if (run === undefined) return;
		run.stopReason = 'user';
		this.#emit('info', {
			type: 'agent.stopping',
			task: taskId,
			agent: this.#agentOf(taskId) ?? '',
			reason: 'user',
		});
		await run.process.stop(this.#o.config.graceSeconds * 1000);
	}

	/** Why we stop it, and what it had said by then (before it answers our signals). */
	#markStopping(run: Running, reason: StopReason): void {
		run.stopReason = reason;
		run.tailAtStop = run.process.tail(20);
	}

	/** Stops an agent for using too much memory (the watchdog's call): `oom`, a retry spent. */
	async recycle(taskId: string, rssMb: number, limitMb: number, immediate: boolean): Promise<void> {
		const run = this.#running.get(taskId);
		if (run === undefined || run.stopReason !== undefined) return;
		this.#markStopping(run, 'oom');
		this.#emit('warn', {
			type: 'agent.recycled',
			task: taskId,
			agent: this.#agentOf(taskId) ?? '',
			rssMb,
			limitMb,
		});
		await run.process.stop(2000, {immediate});
	}

	/** The running agent processes, for the watchdog and the panes. */
	runningProcesses(): ReadonlyMap<string, AgentProcess> {
		return new Map([...this.#running].map(([taskId, run]) => [taskId, run.process]));
	}

	/** What the agent's pane shows: its running process's screen, or the last one's. */
	agentScreen(agent: string): ScreenSource | undefined {
		if (!this.#slots.some((slot) => slot.name === agent)) return undefined;
		return this.#feed(agent);
	}

	/** The pane's size: the running process and its emulator now, the next process from its start. */
	resizeAgent(agent: string, cols: number, rows: number): void {
		const size = {cols: Math.max(2, Math.floor(cols)), rows: Math.max(1, Math.floor(rows))};
		const last = this.#sizes.get(agent);
		if (last?.cols === size.cols && last.rows === size.rows) return;
		this.#sizes.set(agent, size);
		this.#processOf(agent)?.resize(size.cols, size.rows);
	}

	/** Keys typed into an attached pane, as the terminal sent them. */
	writeToAgent(agent: string, data: string): void {
		this.#processOf(agent)?.write(data);
	}

	/** A person's recycle: the agent is stopped and its task goes back to the queue, no retry spent. */
	async recycleAgent(agent: string): Promise<void> {
		const taskId = this.#taskOf(agent);
		if (taskId !== undefined) await this.stopTask(taskId);
	}

	/** One more agent, of the same profile as the last one in the pool; its name. */
	addAgent(): string | undefined {
		if (this.#stopping || this.#finished !== undefined) return undefined;
		const leaving = [...this.#leaving].at(-1);
		if (leaving !== undefined) {
			// Taking back a removal is what a quick `-` then `+` means.
			this.#leaving.delete(leaving);
			this.#publish();
			void this.#schedule();
			return leaving;
		}

		const profile: Profile | undefined = this.#slots.at(-1)?.profile ?? this.#o.slots[0]?.profile;
		if (profile === undefined) return undefined;
		let n = 1;
		while (this.#slots.some((slot) => slot.name === `${profile.name}-${n}`)) n++;
		const name = `${profile.name}-${n}`;
		this.#slots.push({name, profile});
		this.#publish();
		void this.#schedule();
		return name;
	}

	/**
	 * One agent fewer: an idle one goes now; if all are busy, the last one takes no new task and
	 * goes when its task ends, so no work is cut short. The pool never drops below one agent.
	 */
	removeAgent(): string | undefined {
		const staying = this.#slots.filter((slot) => !this.#leaving.has(slot.name));
		if (staying.length <= 1) return undefined;
		const idle = staying.findLast(
			(slot) => this.#taskOf(slot.name) === undefined && !this.#starting.has(slot.name),
		);
		const slot = idle ?? staying.at(-1);
		if (slot === undefined) return undefined;
		if (idle === undefined) this.#leaving.add(slot.name);
		else this.#dropSlot(slot.name);
		this.#publish();
		return slot.name;
	}

	#dropSlot(agent: string): void {
		const index = this.#slots.findIndex((slot) => slot.name === agent);
		if (index !== -1) this.#slots.splice(index, 1);
		this.#leaving.delete(agent);
		this.#feeds.delete(agent);
		this.#sizes.delete(agent);
	}

	#taskOf(agent: string): string | undefined {
		for (const [taskId, name] of this.#agentBy)
			if (name === agent && this.#running.has(taskId)) return taskId;
		return undefined;
	}

	#processOf(agent: string): AgentProcess | undefined {
		const taskId = this.#taskOf(agent);
		return taskId === undefined ? undefined : this.#running.get(taskId)?.process;
	}

	#feed(agent: string): AgentFeed {
		let feed = this.#feeds.get(agent);
		if (feed === undefined) {
			feed = new AgentFeed();
			this.#feeds.set(agent, feed);
		}

		return feed;
	}

	#scheduleSample(ms: number): void {
		// One sampling loop only: a new schedule replaces the one waiting.
		this.#memoryTimer?.dispose();
		this.#memoryTimer = this.#o.timers.setTimeout(() => {
			this.#sampling = true;
			this.#sampleMemory()
				.finally(() => {
					this.#sampling = false;
				})
				.catch((error: unknown) => {
					this.#emit('error', {
						type: 'task.released',
						task: '',
						agent: '',
						message: `memory sampling failed: ${(error as Error).message}`,
					});
					this.#scheduleSample(this.#o.memory?.sampleMs ?? 2000);
				});
		}, ms);
	}

	async #sampleMemory(): Promise<void> {
		const memory = this.#o.memory;
		if (memory === undefined || this.#finished !== undefined) return;
		const roots = new Map([...this.#running].map(([taskId, run]) => [taskId, run.process.pid]));
		const sample = await memory.stats.sample(roots);
		const now = this.#o.clock.now().getTime();
		const fair = defaultLimitBytes(sample.totalBytes, this.#slots.length, memory.reservePercent);
		const agents: AgentMemory[] = [...roots.keys()].map((taskId) => {
			const slot = this.#slots.find((candidate) => candidate.name === this.#agentOf(taskId));
			const limitMb = slot === undefined ? undefined : memory.limitMb(slot);
			return {
				taskId,
				rssBytes: sample.trees.get(taskId) ?? 0,
				limitBytes: limitMb === undefined ? fair : limitMb * 1_048_576,
			};
		});
		this.#trees = new Map(agents.map((agent) => [agent.taskId, agent]));
		this.#self = {
			rssMb: Math.round(sample.selfRssBytes / 1_048_576),
			heapMb: Math.round(sample.selfHeapBytes / 1_048_576),
		};
		const {actions, state} = decide(
			{agents, availableBytes: sample.availableBytes, totalBytes: sample.totalBytes},
			this.#memoryState,
			memory.reservePercent,
		);
		this.#memoryState = state;
		for (const action of actions) {
			switch (action.type) {
				case 'warn': {
					this.#emit('warn', {
						type: 'agent.memory',
						task: action.taskId,
						agent: this.#agentOf(action.taskId) ?? '',
						rssMb: action.rssMb,
						limitMb: action.limitMb,
					});
					break;
				}

				case 'recycle': {
					void this.recycle(action.taskId, action.rssMb, action.limitMb, action.immediate);
					break;
				}

				case 'hold-claims': {
					this.#emit('warn', {
						type: 'memory.low',
						availableMb: action.availableMb,
						reserveMb: action.reserveMb,
					});
					break;
				}

				case 'resume-claims': {
					this.#emit('info', {type: 'memory.ok', availableMb: action.availableMb});
					void this.#schedule();
					break;
				}
			}
		}

		const next = nextSampleMs(
			memory.sampleMs,
			this.#lastSample.sizes,
			agents,
			now - this.#lastSample.at,
		);
		this.#lastSample = {
			at: now,
			sizes: new Map(agents.map((agent) => [agent.taskId, agent.rssBytes])),
		};
		this.#publish();
		// An agent started during this sample gets its early look now.
		this.#scheduleSample(this.#lookSoon ? Math.min(next, firstLookMs) : next);
		this.#lookSoon = false;
	}

	#agentOf(taskId: string): string | undefined {
		return this.#agentBy.get(taskId);
	}

	async #allIdle(): Promise<void> {
		while (this.#running.size > 0) await this.#sleep(50);
	}

	async #sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			this.#o.timers.setTimeout(resolve, ms);
		});
	}

	#onTick(): void {
		const now = this.#o.clock.now().getTime();
		const stallMs = this.#o.config.stallMinutes * 60_000;
		for (const [taskId, run] of this.#running) {
			if (run.stopReason !== undefined) continue;
			const reason: StopReason | undefined =
				now - run.startedAt > run.timeoutMs
					? 'timeout'
					: now - run.lastOutputAt > stallMs
						? 'stalled'
						: undefined;
			if (reason === undefined) continue;
			this.#markStopping(run, reason);
			this.#emit('warn', {
				type: 'agent.stopping',
				task: taskId,
				agent: this.#agentOf(taskId) ?? '',
				reason,
			});
			void run.process.stop(this.#o.config.graceSeconds * 1000);
		}

		for (const [profile, breaker] of this.#breakers) {
			if (breaker.pausedUntil !== 0 && breaker.pausedUntil <= now) {
				breaker.pausedUntil = 0;
				this.#emit('info', {type: 'profile.resumed', profile});
				this.#wakeAt = 0;
			}
		}

		void this.#retryUnrecorded();
		// Backoffs end with time alone; everything else (an exit, a store change, a resumed
		// profile or memory) schedules by itself.
		if (now >= this.#wakeAt) void this.#schedule();
	}

	#paused(profile: string): boolean {
		return (this.#breakers.get(profile)?.pausedUntil ?? 0) > this.#o.clock.now().getTime();
	}

	/** Coalesced: one pass at a time, and one more if something changed meanwhile. */
	async #schedule(): Promise<void> {
		if (this.#scheduling) {
			this.#again = true;
			return;
		}

		this.#scheduling = true;
		try {
			do {
				this.#again = false;
				await this.#schedulePass();
			} while (this.#again && !this.#stopping);
		} catch (error) {
			this.#warnOnce(error, 'cannot schedule');
		} finally {
			this.#scheduling = false;
		}
	}

	/** The same trouble (a mistake in the store, say) is told once, not every second. */
	#warnOnce(error: unknown, what: string): void {
		// Keyed by the trouble itself: scheduling and recording fail on the same broken file.
		const {message} = error as Error;
		if (message === this.#lastWarning) return;
		this.#lastWarning = message;
		this.#emit('error', {type: 'run.warning', message: `${what}: ${message}`});
	}

	async #schedulePass(): Promise<void> {
		if (this.#stopping || this.#finished !== undefined || this.#memoryState.holding) return;
		const tasks = await this.#o.repository.read();
		const now = this.#o.clock.now();
		this.#wakeAt = nextWake(tasks, now.getTime());
		const graph = buildGraph(tasks);
		const busy = new Set([...this.#running.keys()].map((taskId) => this.#agentOf(taskId)));
		const free = this.#slots.filter(
			(slot) =>
				!busy.has(slot.name) && !this.#paused(slot.profile.name) && !this.#leaving.has(slot.name),
		);
		const {assignments, unassignable} = schedule({
			graph,
			now,
			free,
			pool: this.#slots,
			runningTags: [...this.#running.values()].map((run) => run.tags),
			taskLimits: this.#o.config.taskLimits,
			running: new Set(this.#running.keys()),
		});
		const told = unassignable.join(' ');
		if (told !== '' && told !== this.#unassignableTold)
			this.#emit('warn', {type: 'tasks.unassignable', tasks: unassignable});
		this.#unassignableTold = told;
		for (const {taskId, agent} of assignments) {
			// A shutdown may come while this pass awaits the store: start nothing after it.
			if (this.#stopping) return;
			// `-` may have removed the agent (or marked it leaving) while this pass awaited.
			const slot = this.#slots.find((candidate) => candidate.name === agent);
			if (slot === undefined || this.#leaving.has(agent)) continue;
			this.#starting.add(agent);
			try {
				await this.#startAttempt(taskId, slot);
			} finally {
				this.#starting.delete(agent);
				// Marked leaving while it started, and nothing came of the start: it goes now.
				if (this.#leaving.has(agent) && this.#taskOf(agent) === undefined) {
					this.#dropSlot(agent);
					this.#publish();
				}
			}
		}

		if (this.#running.size === 0 && this.#unrecorded.length === 0)
			this.#checkEnd(tasks, graph, now);
	}

	/** The run ends when nothing runs and nothing will become runnable by waiting. */
	#checkEnd(tasks: TaskTable, graph: ReturnType<typeof buildGraph>, now: Date): void {
		// A task no agent of the pool has the skills for does not keep the run going.
		const runnable = runnableTasks(graph, now).filter((task) =>
			this.#slots.some((slot) =>
				task.requiredSkills.every((skill) => slot.profile.skills.includes(skill)),
			),
		);
		const pausedAll = this.#slots.every((slot) => this.#paused(slot.profile.name));
		if (runnable.length > 0) {
			if (pausedAll) this.#finish('all-paused');
			return;
		}

		const waiting = [...tasks.values()].some(
			(task) =>
				(task.status === 'pending' || task.status === 'ready') &&
				task.nextAttemptAt !== undefined &&
				Date.parse(task.nextAttemptAt) > now.getTime() &&
				isRunnable({...task, nextAttemptAt: undefined}, graph, now),
		);
		if (!waiting) this.#finish('done');
	}

	#finish(reason: FinishReason): void {
		if (this.#finished !== undefined) return;
		this.#finished = reason;
		this.#stopping = true;
		this.#tick?.dispose();
		this.#memoryTimer?.dispose();
		this.#emit(reason === 'done' ? 'info' : 'warn', {type: 'run.finished', reason});
		this.#done(reason);
	}

	async #startAttempt(taskId: string, slot: AgentSlot): Promise<void> {
		const now = this.#o.clock.now();
		const run = this.#o.run;
		// The claim is a transaction: the task must still be runnable as the file is now.
		const claimed = await this.#o.repository.update((tasks) => {
			const task = tasks.get(taskId);
			if (
				task === undefined ||
				this.#running.has(taskId) ||
				!isRunnable(task, buildGraph(tasks), now)
			)
				return {tasks, result: undefined};
			const n = task.attempts.length + 1;
			const attempt: Attempt = {
				n,
				agent: slot.name,
				startedAt: now.toISOString(),
				log: this.#o.logFile(taskId, n),
			};
			const next: Task = {
				...task,
				status: 'in_progress',
				claimedBy: run,
				assignedAgent: slot.name,
				startedAt: now.toISOString(),
				updatedAt: now.toISOString(),
				attempts: [...task.attempts, attempt],
			};
			return {tasks: new Map(tasks).set(taskId, next), result: {task: next, tasks}};
		});
		if (claimed === undefined) return;
		const {task, tasks} = claimed;
		const attempt = task.attempts.length;
		if (this.#stopping) {
			// Claimed as the shutdown began: give it back untouched.
			await this.#o.repository.update((current) => {
				const held = current.get(taskId);
				if (held?.claimedBy?.runId !== run.runId) return {tasks: current, result: undefined};
				const {claimedBy, assignedAgent, ...rest} = held;
				return {
					tasks: new Map(current).set(taskId, {
						...rest,
						status: 'pending',
						attempts: held.attempts.filter((a) => a.n !== attempt),
					}),
					result: undefined,
				};
			});
			return;
		}

		this.#agentBy.set(taskId, slot.name);
		this.#emit('info', {
			type: 'task.claimed',
			task: taskId,
			agent: slot.name,
			attempt,
			title: task.title,
		});
		const size = this.#sizes.get(slot.name) ?? this.#o.terminalSize ?? {cols: 120, rows: 40};
		let process: AgentProcess;
		try {
			process = this.#o.launcher.launch({
				command: slot.profile.command,
				args: expandArgs(slot.profile.args, {
					prompt: buildPrompt(task, tasks),
					id: task.id,
					title: task.title,
				}),
				cwd: this.#o.cwd,
				env: {...this.#o.env, JETPACK_TASK_ID: task.id, JETPACK_AGENT: slot.name},
				cols: size.cols,
				rows: size.rows,
				logFile: this.#o.logFile(taskId, attempt),
				token: agentToken(this.#o.run.runId, slot.name, task.id, attempt),
			});
		} catch (error) {
			// An agent that cannot even start is the profile's problem, not the task's.
			const message =
				error instanceof CommandNotFound
					? `${error.command}: command not found on PATH`
					: `${slot.profile.command} could not start: ${(error as Error).message}`;
			await this.#endAttempt(
				taskId,
				slot,
				attempt,
				now.getTime(),
				{outcome: 'infra', message},
				{exitCode: null, signal: null},
			);
			return;
		}

		const started = this.#o.clock.now().getTime();
		const entry: Running = {
			taskId,
			title: task.title,
			tags: task.tags,
			attempt,
			process,
			startedAt: started,
			lastOutputAt: started,
			timeoutMs: task.estimatedMinutes * this.#o.config.timeoutFactor * 60_000,
			disposables: [],
		};
		this.#running.set(taskId, entry);
		if (this.#o.memory !== undefined) {
			// A new agent may leak fast from its first second: look at it soon, not at the next interval.
			if (this.#sampling) this.#lookSoon = true;
			else this.#scheduleSample(firstLookMs);
		}

		entry.disposables.push(
			this.#feed(slot.name).show(process),
			process.onOutput(() => {
				entry.lastOutputAt = this.#o.clock.now().getTime();
			}),
			process.onExit((exit) => {
				this.#onExit(entry, slot, exit).catch((error: unknown) => {
					// Whatever went wrong recording it, the agent is gone: free its slot and go on.
					if (this.#running.get(entry.taskId) === entry) this.#running.delete(entry.taskId);
					this.#agentBy.delete(entry.taskId);
					if (this.#leaving.has(slot.name)) this.#dropSlot(slot.name);
					this.#emit('error', {
						type: 'task.released',
						task: entry.taskId,
						agent: slot.name,
						message: `could not record the attempt: ${(error as Error).message}`,
					});
					void this.#schedule();
				});
			}),
		);
		this.#publish();
	}

	async #onExit(entry: Running, slot: AgentSlot, exit: AgentExit): Promise<void> {
		for (const disposable of entry.disposables) disposable.dispose();
		const endedAt = this.#o.clock.now().getTime();
		let classified = classifyAttempt({
			exit,
			stopReason: entry.stopReason,
			ranMs: endedAt - entry.startedAt,
			tail: entry.tailAtStop ?? entry.process.tail(20),
		});
		if (classified.outcome === 'completed' && this.#o.config.qualityGates.length > 0) {
			const failed = await this.#o.gates.run(this.#o.config.qualityGates);
			if (failed !== undefined)
				classified = {
					outcome: 'quality',
					message:
						`quality gate \`${failed.command}\` failed: ${failed.tail.slice(-3).join(' / ')}`.slice(
							0,
							500,
						),
				};
		}

		this.#busyMs += endedAt - entry.startedAt;
		const outcome = classified;
		const record = async () =>
			this.#endAttempt(entry.taskId, slot, entry.attempt, entry.startedAt, outcome, exit);
		try {
			await record();
		} catch (error) {
			// The store cannot take it now (a person's mistake in the file, a full disk): keep the
			// result and try again every tick, so nothing the agent did is lost.
			this.#unrecorded.push(record);
			this.#warnOnce(error, `cannot record ${entry.taskId} yet`);
		} finally {
			if (this.#running.get(entry.taskId) === entry) this.#running.delete(entry.taskId);
			if (this.#leaving.has(slot.name)) this.#dropSlot(slot.name);
			this.#publish();
			void this.#schedule();
		}
	}

	async #retryUnrecorded(): Promise<void> {
		while (this.#unrecorded.length > 0) {
			const record = this.#unrecorded[0] as () => Promise<void>;
			try {
				await record();
			} catch (error) {
				this.#warnOnce(error, 'cannot record an attempt yet');
				return;
			}

			this.#unrecorded.shift();
			this.#lastWarning = '';
			void this.#schedule();
		}
	}

	/** Records the attempt on its task, in one transaction, and says what happened. */
	async #endAttempt(
		taskId: string,
		slot: AgentSlot,
		attempt: number,
		startedAt: number,
		classified: Classified,
		exit: AgentExit,
	): Promise<void> {
		const now = this.#o.clock.now();
		const stamp = now.toISOString();
		const {message} = classified;
		const backoff = this.#o.config.retryBackoffSeconds;
		let outcome = classified.outcome;
		let outside: Task['status'] | undefined;
		const result = await this.#o.repository.update((tasks) => {
			const task = tasks.get(taskId);
			if (task === undefined) return {tasks, result: undefined};
			outcome = classified.outcome;
			outside = undefined;
			// Infra costs no retry, but not forever: a task that keeps "failing the agent" is the task's problem.
			const infraBefore = task.attempts.filter((a) => a.n !== attempt).reverse();
			const streak = infraBefore.findIndex((a) => a.failureType !== 'infra');
			// (Every profile may fail on it that many times: then it is no longer the agents' fault.)
			const cap =
				this.#o.config.infraFailuresToPause *
				new Set(this.#slots.map((candidate) => candidate.profile.name)).size;
			if (outcome === 'infra' && (streak === -1 ? infraBefore.length : streak) >= cap)
				outcome = 'error';
			const attempts = task.attempts.map((a) =>
				a.n === attempt
					? {
							...a,
							endedAt: stamp,
							exitCode: exit.exitCode,
							signal: exit.signal,
							...(outcome === 'completed' ? {} : {failureType: outcome}),
						}
					: a,
			);
			const ours =
				task.status === 'in_progress' &&
				task.claimedBy?.runId === this.#o.run.runId &&
				task.attempts.at(-1)?.n === attempt;
			// Changed meanwhile: the agent ran `task done` or `task fail` itself, or a person blocked,
			// finished or released it. Their word stands, except that finished work put back in the
			// queue is finished all the same; the attempt is recorded either way.
			const released = task.status === 'pending' || task.status === 'ready';
			if (!ours && !(released && outcome === 'completed')) {
				outside = task.status;
				return {
					tasks: new Map(tasks).set(taskId, {...task, attempts, updatedAt: stamp}),
					result: task,
				};
			}

			const {claimedBy, assignedAgent, ...rest} = task;
			let next: Task;
			if (outcome === 'completed') {
				const {failureType, lastError, nextAttemptAt, ...clean} = rest;
				// Done by hand meanwhile (`jetpack-tui task done`) is done all the same.
				next = {
					...clean,
					attempts,
					status: 'completed',
					completedAt: task.completedAt ?? stamp,
					updatedAt: stamp,
				};
			} else if (outcome === 'killed' || outcome === 'infra') {
				next = {
					...rest,
					attempts,
					// Ours and in progress, so it goes back to the queue.
					status: 'pending',
					lastError: message,
					failureType: outcome,
					updatedAt: stamp,
				};
			} else {
				const retryCount = task.retryCount + 1;
				const again = canRetry(task);
				next = again
					? {
							...rest,
							attempts,
							status: 'pending',
							retryCount,
							failureType: outcome,
							lastError: message,
							nextAttemptAt: new Date(
								now.getTime() + backoffSeconds(retryCount, backoff) * 1000,
							).toISOString(),
							updatedAt: stamp,
						}
					: {
							...rest,
							attempts,
							status: 'failed',
							retryCount,
							failureType: outcome,
							lastError: message,
							updatedAt: stamp,
						};
			}

			return {tasks: new Map(tasks).set(taskId, next), result: next};
		});
		this.#agentBy.delete(taskId);
		this.#noteProfile(slot, outcome === 'infra', message);
		if (result === undefined) return;
		const agent = slot.name;
		if (outside !== undefined) {
			this.#emit(outside === 'completed' ? 'info' : 'warn', {
				type: 'task.released',
				task: taskId,
				agent,
				message: `the attempt ended (${outcome}); the task was set ${outside} meanwhile, which stands`,
			});
			return;
		}

		if (outcome === 'completed')
			this.#emit('info', {
				type: 'task.completed',
				task: taskId,
				agent,
				seconds: Math.round((now.getTime() - startedAt) / 1000),
			});
		else if (outcome === 'killed' || outcome === 'infra')
			this.#emit('warn', {
				type: 'task.released',
				task: taskId,
				agent,
				message: `${outcome}: ${message}`,
			});
		else if (result.status === 'failed')
			this.#emit('error', {
				type: 'task.failed',
				task: taskId,
				agent,
				failureType: outcome,
				message,
			});
		else
			this.#emit('warn', {
				type: 'task.retry',
				task: taskId,
				agent,
				failureType: outcome,
				message,
				retry: result.retryCount,
				retryInSeconds: backoffSeconds(result.retryCount, backoff),
			});
	}

	/** Only infra failures count toward a profile's pause; anything else resets the count. */
	#noteProfile(slot: AgentSlot, infra: boolean, message: string): void {
		const name = slot.profile.name;
		const breaker = this.#breakers.get(name) ?? {
			consecutive: 0,
			pausedUntil: 0,
			pauses: 0,
			reason: '',
		};
		this.#breakers.set(name, breaker);
		if (!infra) {
			breaker.consecutive = 0;
			breaker.pauses = 0;
			return;
		}

		breaker.consecutive++;
		breaker.reason = message;
		if (breaker.consecutive < this.#o.config.infraFailuresToPause) return;
		breaker.consecutive = 0;
		const seconds = Math.min(60 * 2 ** breaker.pauses, 3600);
		breaker.pauses++;
		breaker.pausedUntil = this.#o.clock.now().getTime() + seconds * 1000;
		this.#emit('error', {type: 'profile.paused', profile: name, reason: message, seconds});
	}

	#emit(level: Level, event: RunEvent): void {
		const stamped: StampedEvent = {time: this.#o.clock.now().toISOString(), level, event};
		this.#recent.push(stamped);
		if (this.#recent.length > keptEvents) this.#recent.splice(0, this.#recent.length - keptEvents);
		for (const listener of this.#listeners) listener(stamped);
		this.#publish();
	}

	#publish(): void {
		this.#snapshot = this.#makeSnapshot();
		for (const listener of this.#snapshotListeners) listener();
	}

	#makeSnapshot(): Snapshot {
		const now = this.#o.clock.now().getTime();
		const byAgent = new Map(
			[...this.#running.values()].map((run) => [this.#agentOf(run.taskId), run]),
		);
		const agents = this.#slots.map((slot): AgentView => {
			const run = byAgent.get(slot.name);
			if (run === undefined)
				return {
					name: slot.name,
					profile: slot.profile.name,
					state: this.#paused(slot.profile.name) ? 'paused' : 'idle',
				};
			return {
				name: slot.name,
				profile: slot.profile.name,
				state: run.stopReason === undefined ? 'running' : 'stopping',
				...(this.#leaving.has(slot.name) ? {leaving: true} : {}),
				task: run.taskId,
				title: run.title,
				startedAt: new Date(run.startedAt).toISOString(),
				pid: run.process.pid,
				...memoryOf(this.#trees.get(run.taskId)),
			};
		});
		const paused = [...this.#breakers]
			.filter(([, breaker]) => breaker.pausedUntil > now)
			.map(([profile, breaker]) => ({
				profile,
				reason: breaker.reason,
				until: new Date(breaker.pausedUntil).toISOString(),
			}));
		return {
			runId: this.#o.run.runId,
			startedAt: new Date(this.#startedAt).toISOString(),
			agents,
			paused,
			finished: this.#finished,
			busyMs: this.#busyMs,
			memoryLow: this.#memoryState.holding,
			self: this.#self,
		};
	}
}

function memoryOf(tree: AgentMemory | undefined): {rssMb?: number; limitMb?: number} {
	if (tree === undefined) return {};
	return {
		rssMb: Math.round(tree.rssBytes / 1_048_576),
		limitMb: Math.round(tree.limitBytes / 1_048_576),
	};
}

/** A store the file watcher missed a change to is still looked at this often. */
const idleLookMs = 10_000;

/** The earliest moment a waiting task's backoff ends, or the idle look, whichever comes first. */
function nextWake(tasks: TaskTable, now: number): number {
	let wake = now + idleLookMs;
	for (const task of tasks.values()) {
		if (task.nextAttemptAt === undefined || (task.status !== 'pending' && task.status !== 'ready'))
			continue;
		const at = Date.parse(task.nextAttemptAt);
		if (at > now && at < wake) wake = at;
	}

	return wake;
}

/**
 * One pane's source, stable for the agent's life in the pool: it follows each new process, and
 * keeps the last one's final screen on show until the next starts.
 */
class AgentFeed implements ScreenSource {
	readonly #listeners = new Set<() => void>();
	#process: AgentProcess | undefined;

	/** Shows `process` from now on; the returned subscription ends with the attempt. */
	show(process: AgentProcess): Disposable {
		this.#process = process;
		const subscription = process.onScreen(() => {
			this.#changed();
		});
		this.#changed();
		return subscription;
	}

	screen(): Screen {
		return this.#process?.screen() ?? blankScreen;
	}

	onScreen(listener: () => void): Disposable {
		this.#listeners.add(listener);
		return {dispose: () => this.#listeners.delete(listener)};
	}

	#changed(): void {
		for (const listener of this.#listeners) listener();
	}
}
