/**
 * The run: free agents take runnable tasks at once, attempts end as PRODUCT.md §4 says, retries
 * back off, infra failures pause a profile, and a shutdown puts every task back. One object owns
 * all mutable run state; the headless printer and the TUI read it through `subscribe()` and
 * `getSnapshot()` and steer it through its commands.
 */
import {
	agentToken,
	CommandNotFound,
	type AgentExit,
	type AgentLauncher,
	type AgentProcess,
	type Disposable,
	type Screen,
	type ScreenSource,
} from './agent-ports.js';
import type {Config} from './config.js';
import {buildGraph, isRunnable, runnableTasks, type Graph} from './graph.js';
import {
	claimTask,
	recordAttempt,
	unclaimTask,
	type AttemptRecord,
	type Recorded,
} from './attempts.js';
import {closedBreaker, decide as decideBreaker, isPaused, type BreakerState} from './breaker.js';
import {classifyAttempt, type Classified, type StopReason} from './outcome.js';
import {absorb, heard, judge, type Watch} from './attempt-watch.js';
import type {CliDetector, Finding, Usage} from './clis/detector.js';
import {detectorFor} from './clis/registry.js';
import type {PauseKind} from './breaker.js';
import {
	SharedWorkspaces,
	WorkspaceSetupFailed,
	type PreparedWorkspace,
	type WorkspaceRecord,
	type Workspaces,
} from './workspaces.js';
import type {Change, Clock, TaskRepository} from './ports.js';
import {expandArgs, type AgentSlot, type Profile} from './profiles.js';
import {buildPrompt} from './prompt.js';
import {canTakeTask, schedule} from './scheduler.js';
import type {ClaimedBy, Task, TaskStatus, TaskTable} from './task.js';
import type {Outcome} from './outcome.js';
import {acceptReview, diffSource, rejectReview} from './review.js';
import {freshBudget, judgeBudget, overTaskBudget, type BudgetState} from './budget.js';
import {priced, spendOf} from './cost.js';
import {MemoryWatch} from './memory-watch.js';
import type {ProcessStats, WatchdogAction} from './watchdog.js';
import {AgentFeed} from './agent-feed.js';

export interface Timers {
	setTimeout(callback: () => void, ms: number): Disposable;
	setInterval(callback: () => void, ms: number): Disposable;
}

/** Runs the configured quality gates in the repo; resolves with the failing gate, if any. */
export interface GateRunner {
	/** `signal` aborted: the gate running is stopped, with all it started, and it counts as failed. */
	run(
		commands: readonly string[],
		signal?: AbortSignal,
		/** Where they run: the attempt's worktree; the repository by default. */
		cwd?: string,
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
	/** Where this run's agents work: their own worktrees merged into `branch`, or the shared folder. */
	| {
			readonly type: 'run.workspaces';
			readonly mode: 'worktree' | 'shared';
			readonly branch?: string;
			readonly message: string;
	  }
	/** A run that had finished with nothing to do has work again (a retry, a new task). */
	| {readonly type: 'run.resumed'; readonly runnable: number}
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
	/** The watchdog could not measure (it tries again at the next interval). */
	| {readonly type: 'memory.unavailable'; readonly message: string}
	| {readonly type: 'run.warning'; readonly message: string}
	/** A person changed a task from the TUI (retry, priority, block, done, edit, new). */
	| {
			readonly type: 'task.changed';
			readonly task: string;
			readonly change: string;
			readonly by: 'tui';
	  }
	| {
			readonly type: 'profile.paused';
			readonly profile: string;
			/** `limit`: a usage limit, waited out; `infra`: the CLI cannot work (a person's to fix). */
			readonly kind: PauseKind;
			readonly reason: string;
			readonly seconds: number;
			/** When it takes tasks again (ISO). */
			readonly until: string;
	  }
	/** Done; its work waits for a person to accept it (`merge: "review"`). */
	| {
			readonly type: 'task.review';
			readonly task: string;
			readonly agent: string;
			readonly branch: string;
			readonly files: number;
			readonly insertions: number;
			readonly deletions: number;
			/**
			 * Why finished work that would have merged at once waits instead (`merge: "auto"`, the
			 * shared remote unreachable or refusing): one line.
			 */
			readonly unmerged?: string;
	  }
	/** `alertPercent` of the budget is spent. */
	| {readonly type: 'budget.alert'; readonly spentUsd: number; readonly budgetUsd: number}
	/** The budget is spent: no new attempt starts; the running ones finish. */
	| {readonly type: 'budget.exhausted'; readonly spentUsd: number; readonly budgetUsd: number}
	/** A question is on the agent's screen and nothing has come for `inputWaitSeconds`. */
	| {
			readonly type: 'agent.waiting';
			readonly task: string;
			readonly agent: string;
			readonly question: string;
	  }
	| {readonly type: 'profile.resumed'; readonly profile: string}
	| {readonly type: 'tasks.unassignable'; readonly tasks: readonly string[]}
	| {readonly type: 'run.stopping'; readonly immediate: boolean}
	| {readonly type: 'run.finished'; readonly reason: FinishReason};

export type FinishReason =
	| 'done'
	| 'interrupted'
	| 'all-paused'
	| 'max-hours'
	| 'lost-run'
	/** The budget is spent (PRODUCT.md §14): no new attempt started, the running ones finished. */
	| 'budget';

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
	/** The question on its screen while it waits for a person. */
	readonly waiting?: string;
	/** What its CLI has reported spending in this attempt. */
	readonly usage?: Usage;
	/** The task branch its worktree is on (worktree mode). */
	readonly branch?: string;
}

export interface Snapshot {
	readonly runId: string;
	readonly startedAt: string;
	readonly agents: readonly AgentView[];
	readonly paused: readonly {
		readonly profile: string;
		readonly kind: PauseKind;
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
	/** What this run's agents have spent, and its budget if one is set. */
	readonly cost: {readonly usd: number; readonly estimated: boolean; readonly budgetUsd?: number};
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
	/** Whether this run still holds the repository (one run per repo): asked before each claim. */
	readonly holdsRun?: () => Promise<boolean>;
	/** Where attempts work (PRODUCT.md §12); the repository folder itself by default. */
	readonly workspaces?: Workspaces;
	/** Where agents work, in one line, told at the start of the run (`run.workspaces`). */
	readonly workspacesNote?: string;
	/**
	 * The model a profile's CLI uses where its events do not say (codex: its `-m` or its
	 * config.toml), so what it spends in tokens can be priced.
	 */
	readonly modelOf?: (profile: Profile) => string | undefined;
	/**
	 * The store is shared with runs in other folders or on other machines (PRODUCT.md §15): a task
	 * another run holds is waited for (its run may finish it, or lapse and hand it over), not
	 * taken for the end of the work.
	 */
	readonly shared?: boolean;
	/**
	 * The entries of `.jetpack/learnings.md`, oldest first (PRODUCT.md §16), read for each prompt
	 * so that what an agent learned reaches the agents started after it.
	 */
	readonly learnings?: () => Promise<readonly string[]>;
}

interface Running {
	readonly taskId: string;
	readonly title: string;
	readonly tags: readonly string[];
	readonly attempt: number;
	readonly process: AgentProcess;
	readonly startedAt: number;
	/**
	 * Its clocks (deadline, last output, a question's wait: moved on by any time the orchestrator
	 * itself was stopped) and what its CLI has said.
	 */
	watch: Watch;
	/** Its CLI's detector, and whether the CLI runs in its structured mode. */
	readonly detector: CliDetector;
	readonly structured: boolean;
	/** Its worktree (or the shared folder). */
	readonly workspace: PreparedWorkspace;
	stopReason?: StopReason;
	/** Its quality gates, while they run after the agent's success. */
	gates?: AbortController;
	/** What the agent had said when we decided to stop it, before it answers our signals. */
	tailAtStop?: readonly string[];
	readonly disposables: Disposable[];
}

/** An attempt's result, kept until the store has taken it. */
interface PendingResult {
	readonly record: AttemptRecord;
	readonly agent: string;
	readonly startedAt: number;
}

/** A result waiting for the transaction of results under way to end, and its writer's answer. */
interface QueuedResult {
	readonly pending: PendingResult;
	readonly written: () => void;
	readonly failed: (error: unknown) => void;
}

const tickMs = 1000;
/**
 * A tick this late means the orchestrator itself was stopped or starved (SIGSTOP, a suspended
 * laptop): that time never counts against an agent.
 */
const frozenAfterMs = 3 * tickMs;
/** How many events the snapshot keeps for a late subscriber; the event log on disk has them all. */
const keptEvents = 200;

export class Orchestrator {
	readonly #o: OrchestratorOptions;
	readonly #running = new Map<string, Running>();
	readonly #breakers = new Map<string, BreakerState>();
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
	/** A shutdown was asked for: nothing starts the run again after it. */
	#shutdownAsked = false;
	#scheduling = false;
	#again = false;
	#tick: Disposable | undefined;
	#busyMs = 0;
	#unassignableTold = '';
	#lastWarning = '';
	/** Attempt results the store could not take yet (a mistake in the file, a full disk), oldest first. */
	readonly #unrecorded: PendingResult[] = [];
	#flushing: Promise<boolean> | undefined;
	/** Results that came while a transaction of results was under way: they go in the next one. */
	readonly #queued: QueuedResult[] = [];
	#writingQueued = false;
	/** Waiting for the last running agent to end (`#allIdle`). */
	readonly #idleWaiters = new Set<() => void>();
	#lastTickAt = 0;
	#graphOf: {readonly tasks: TaskTable; readonly graph: Graph} | undefined;
	/** Another run took `.jetpack/run.json`: this one claims nothing more. */
	#lostRun = false;
	readonly #memory: MemoryWatch | undefined;
	/** Agents whose next attempt is being claimed and launched: busy, though not running yet. */
	readonly #starting = new Set<string>();
	/**
	 * When time alone could make a task runnable (a backoff ends): the tick schedules only then,
	 * or after `idleLookMs`, instead of re-reading a large store every second.
	 */
	#wakeAt = 0;
	#done: (reason: FinishReason) => void = () => undefined;
	#finishedPromise: Promise<FinishReason> = this.#nextFinish();

	readonly #workspaces: Workspaces;
	/** What this run's finished attempts spent (their CLIs' figures, or our estimates). */
	#spentUsd = 0;
	#spentEstimated = false;
	/** What every run on the store has spent, as last read (only with `budget.totalUsd`). */
	#storeSpentUsd = 0;
	#budget: BudgetState = freshBudget;

	constructor(options: OrchestratorOptions) {
		this.#o = options;
		this.#workspaces = options.workspaces ?? new SharedWorkspaces(options.cwd);
		this.#slots = [...options.slots];
		this.#startedAt = options.clock.now().getTime();
		const {memory} = options;
		this.#memory =
			memory &&
			new MemoryWatch({
				...memory,
				clock: options.clock,
				setTimeout: (callback, ms) => options.timers.setTimeout(callback, ms),
				agents: () =>
					new Map(
						[...this.#running].map(([taskId, run]) => {
							const slot = this.#slots.find(
								(candidate) => candidate.name === this.#agentOf(taskId),
							);
							return [
								taskId,
								{pid: run.process.pid, attempt: run.attempt, limitMb: slot && memory.limitMb(slot)},
							];
						}),
					),
				poolSize: () => this.#slots.length,
				act: (action) => {
					this.#onMemory(action);
				},
				failed: (error) => {
					this.#emit('error', {
						type: 'memory.unavailable',
						message: `memory sampling failed: ${error.message}`,
					});
				},
				sampled: () => {
					this.#publish();
				},
			});
		this.#snapshot = this.#makeSnapshot();
	}

	/** How the run ended; a run that resumes (`resume()`) is told by the promise of its next end. */
	get finished(): Promise<FinishReason> {
		return this.#finishedPromise;
	}

	#nextFinish(): Promise<FinishReason> {
		return new Promise((resolve) => {
			this.#done = resolve;
		});
	}

	/** Starts scheduling; `recovered` is how many tasks were returned from a run that is gone. */
	async start(recovered = 0): Promise<void> {
		const tasks = await this.#o.repository.read();
		// Stopped while the store was read (a quick `q`): no timers that would outlive the run.
		if (this.#stopping || this.#finished !== undefined) return;
		if (this.#o.workspacesNote !== undefined)
			this.#emit('info', {
				type: 'run.workspaces',
				mode: this.#workspaces.mode,
				...(this.#workspaces.branch === undefined ? {} : {branch: this.#workspaces.branch}),
				message: this.#o.workspacesNote,
			});
		this.#emit('info', {
			type: 'run.started',
			agents: this.#slots.length,
			runnable: runnableTasks(buildGraph(tasks), this.#o.clock.now()).length,
			recovered,
		});
		this.#startLoops();
	}

	/**
	 * A run that finished with nothing left to do starts again if the store has work for it now
	 * (the TUI's retry or new task after the end); true if it did. A run stopped, lost or ended
	 * any other way stays ended.
	 */
	async resume(): Promise<boolean> {
		const ended = () => this.#finished !== 'done' || this.#shutdownAsked;
		if (ended()) return false;
		const tasks = await this.#o.repository.read();
		const now = this.#o.clock.now();
		const graph = buildGraph(tasks);
		if (this.#endReason(tasks, graph, now) !== undefined) return false;
		// Another run may hold the repository by now: this one has ended for good.
		if (this.#o.holdsRun !== undefined && !(await this.#o.holdsRun())) return false;
		// A quit, or another resume, may have come while the store was read.
		if (ended()) return false;
		this.#finished = undefined;
		this.#stopping = false;
		this.#lastTickAt = 0;
		this.#unassignableTold = '';
		this.#finishedPromise = this.#nextFinish();
		this.#emit('info', {type: 'run.resumed', runnable: this.#takeable(graph, now).length});
		this.#startLoops();
		return true;
	}

	#startLoops(): void {
		this.#tick = this.#o.timers.setInterval(() => {
			this.#onTick();
		}, tickMs);
		this.#memory?.start();
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

	/** A change a person made to `task` from the TUI, for the run's log (`change`: what, in words). */
	recordChange(task: string, change: string): void {
		this.#emit('info', {type: 'task.changed', task, change, by: 'tui'});
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
		this.#shutdownAsked = true;
		if (this.#stopping && !options.immediate) return;
		this.#stopping = true;
		this.#emit('warn', {type: 'run.stopping', immediate: options.immediate});
		const grace = this.#o.config.graceSeconds * 1000;
		if (!options.immediate && options.drain !== false && this.#running.size > 0) {
			// The grace timer goes as soon as the agents are done: it must not hold the process.
			let timer: Disposable | undefined;
			await Promise.race([
				this.#allIdle(),
				new Promise<void>((resolve) => {
					timer = this.#o.timers.setTimeout(resolve, grace);
				}),
			]);
			timer?.dispose();
		}

		await Promise.all(
			[...this.#running.values()].map(async (run) => {
				run.stopReason ??= 'shutdown';
				// An agent already done may be in its quality gates: a stop at once stops them too.
				if (options.immediate) run.gates?.abort();
				await run.process.stop(grace, {immediate: options.immediate}).catch(() => undefined);
			}),
		);
		await this.#allIdle();
		// Results the store could not take yet get the grace time too; what is left after it is
		// the caller's to keep (`unrecordedResults`), never dropped.
		await this.#drainUnrecorded(options.immediate ? 0 : grace);
		this.#finish(reason);
	}

	/** Attempt results the store has not taken yet: kept by the caller past the run's end. */
	unrecordedResults(): readonly AttemptRecord[] {
		return this.#unrecorded.map((pending) => pending.record);
	}

	/**
	 * Another run holds the repository now (`.jetpack/run.json` names it): claim nothing more, and
	 * let the agents at work finish their tasks, whose results are still ours to record.
	 */
	lostRun(message: string): void {
		if (this.#lostRun || this.#finished !== undefined) return;
		this.#lostRun = true;
		this.#emit('error', {type: 'run.warning', message});
		void this.shutdown({immediate: false, reason: 'lost-run', drain: true});
	}

	async #drainUnrecorded(ms: number): Promise<void> {
		const until = this.#o.clock.now().getTime() + ms;
		while (!(await this.#flushUnrecorded()) && this.#o.clock.now().getTime() < until)
			await this.#sleep(Math.min(1000, ms));
	}

	/** The diff of a task's work, coloured as git prints it, for the review view; throws when there is none. */
	async reviewDiff(taskId: string): Promise<string> {
		const task = (await this.#o.repository.read()).get(taskId);
		if (task === undefined) throw new Error(`there is no task ${taskId}`);
		const source = diffSource(task);
		if (source.kind === 'none') throw new Error(source.message);
		return this.#workspaces.diff(source.record, {color: true});
	}

	/**
	 * A person accepts a task's work from the review view: it is merged by the queue, and the task
	 * completed (or, if it no longer merges, back to the queue as a conflict: not ok).
	 */
	async acceptReview(taskId: string): Promise<{ok: boolean; message: string}> {
		const policy = {
			maxRetries: this.#o.config.maxRetries,
			backoffSeconds: this.#o.config.retryBackoffSeconds,
		};
		return this.#answerReview(
			taskId,
			async () =>
				acceptReview(this.#o.repository, this.#workspaces, taskId, this.#o.clock.now(), policy),
			(status) => status === 'completed',
		);
	}

	/** A person sends a task's work back with a reason: to the queue, no retry spent. */
	async rejectReview(taskId: string, reason: string): Promise<{ok: boolean; message: string}> {
		return this.#answerReview(
			taskId,
			async () => rejectReview(this.#o.repository, taskId, reason, this.#o.clock.now()),
			(status) => status === 'pending' || status === 'ready',
		);
	}

	/** An answer to a review, told in the log; `ok` by the status it left the task in. */
	async #answerReview(
		taskId: string,
		answer: () => Promise<string>,
		ok: (status: TaskStatus | undefined) => boolean,
	): Promise<{ok: boolean; message: string}> {
		try {
			const message = await answer();
			const status = (await this.#o.repository.read()).get(taskId)?.status;
			this.recordChange(taskId, message);
			// Accepted work frees its dependents; rejected work is to do again.
			void this.resume().then(async () => this.#schedule());
			return {ok: ok(status), message};
		} catch (error) {
			return {ok: false, message: (error as Error).message};
		}
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
		run.gates?.abort();
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
		if (run === undefined) return;
		if (run.stopReason !== undefined) {
			// Past 120% while its recycle's grace runs: the watchdog's second word is to kill it now.
			if (run.stopReason === 'oom' && immediate)
				await run.process.stop(0, {immediate: true}).catch(() => undefined);
			return;
		}

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

	/** What the watchdog decided, done. */
	#onMemory(action: WatchdogAction): void {
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

	#agentOf(taskId: string): string | undefined {
		return this.#agentBy.get(taskId);
	}

	async #allIdle(): Promise<void> {
		if (this.#running.size === 0) return;
		await new Promise<void>((resolve) => {
			this.#idleWaiters.add(resolve);
		});
	}

	/** The attempt's agent is gone and its result recorded (or kept): its slot is free. */
	#ended(entry: Running): void {
		if (this.#running.get(entry.taskId) === entry) this.#running.delete(entry.taskId);
		if (this.#running.size > 0) return;
		for (const resolve of this.#idleWaiters) resolve();
		this.#idleWaiters.clear();
	}

	async #sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			this.#o.timers.setTimeout(resolve, ms);
		});
	}

	#onTick(): void {
		const now = this.#o.clock.now().getTime();
		const late = this.#lastTickAt === 0 ? 0 : now - this.#lastTickAt - tickMs;
		this.#lastTickAt = now;
		const frozen = late > frozenAfterMs - tickMs ? late : 0;
		const stallMs = this.#o.config.stallMinutes * 60_000;
		for (const [taskId, run] of this.#running) {
			if (frozen > 0) run.watch = movedOn(run.watch, frozen);
			if (run.stopReason !== undefined) continue;
			const reason = this.#overdue(taskId, run, now, stallMs);
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
			const {state, action} = decideBreaker(
				breaker,
				{type: 'tick'},
				now,
				this.#o.config.infraFailuresToPause,
			);
			this.#breakers.set(profile, state);
			if (action?.type === 'resume') {
				this.#emit('info', {type: 'profile.resumed', profile});
				this.#wakeAt = 0;
			}
		}

		if (this.#unrecorded.length > 0) void this.#flushUnrecorded();
		// Backoffs end with time alone; everything else (an exit, a store change, a resumed
		// profile or memory) schedules by itself.
		if (now >= this.#wakeAt) void this.#schedule();
	}

	/** Why a running agent must be stopped now, if it must; tells when it begins to wait for a person. */
	#overdue(taskId: string, run: Running, now: number, stallMs: number): StopReason | undefined {
		const {config} = this.#o;
		const verdict = judge(
			run.watch,
			now,
			{
				stallMs,
				inputWaitMs: config.inputWaitSeconds * 1000,
				needsInputMs: config.inputWaitMinutes * 60_000,
			},
			{
				structured: run.structured,
				screen: () => run.detector.detect(screenText(run.process.screen()), new Date(now)),
				reconnecting: () =>
					run.detector.detect(run.process.tail(1), new Date(now))?.kind === 'offline',
			},
		);
		const wasWaiting = run.watch.waiting !== undefined;
		run.watch = verdict.watch;
		if (verdict.startedWaiting === true && run.watch.waiting !== undefined)
			this.#emit('warn', {
				type: 'agent.waiting',
				task: taskId,
				agent: this.#agentOf(taskId) ?? '',
				question: run.watch.waiting.message,
			});
		else if (wasWaiting !== (run.watch.waiting !== undefined)) this.#publish();
		return verdict.stop;
	}

	#paused(profile: string): boolean {
		return isPaused(this.#breakers.get(profile), this.#o.clock.now().getTime());
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
		if (
			this.#stopping ||
			this.#lostRun ||
			this.#finished !== undefined ||
			this.#memory?.holding === true
		)
			return;
		const tasks = await this.#o.repository.read();
		const now = this.#o.clock.now();
		this.#noticeReported(tasks, now.getTime());
		if (this.#o.config.budget.totalUsd !== undefined) {
			this.#storeSpentUsd = spendOf(tasks).usd;
			this.#checkBudget();
		}

		if (this.#budget.exhausted) {
			// Spent: nothing new starts; the run ends once its running attempts have.
			if (this.#running.size === 0 && this.#unrecorded.length === 0) this.#finish('budget');
			return;
		}
		this.#wakeAt = Math.min(nextWake(tasks, now.getTime()), this.#nextResume());
		// The store hands back the same table while the file is unchanged: so is its graph.
		if (this.#graphOf?.tasks !== tasks) this.#graphOf = {tasks, graph: buildGraph(tasks)};
		const {graph} = this.#graphOf;
		const busy = new Set([...this.#running.keys()].map((taskId) => this.#agentOf(taskId)));
		const free = this.#slots.filter(
			(slot) =>
				!busy.has(slot.name) && !this.#paused(slot.profile.name) && !this.#leaving.has(slot.name),
		);
		const {assignments, unassignable, spares} = schedule({
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
		if (assignments.length > 0 && this.#o.holdsRun !== undefined && !(await this.#o.holdsRun())) {
			// However it was found out (the run file's own watch may have told nobody yet).
			this.lostRun('another run holds this repository now; this run claims nothing more');
			return;
		}

		// `-` may have removed an agent (or marked it leaving) while this pass awaited.
		const starting = assignments.flatMap(({taskId, agent}) => {
			const slot = this.#slots.find((candidate) => candidate.name === agent);
			return slot === undefined || this.#leaving.has(agent) || this.#running.has(taskId)
				? []
				: [{taskId, slot}];
		});
		for (const {slot} of starting) this.#starting.add(slot.name);
		try {
			await this.#startAttempts(starting, graph, spares);
		} finally {
			for (const {slot} of starting) {
				this.#starting.delete(slot.name);
				// Marked leaving while it started, and nothing came of the start: it goes now.
				if (this.#leaving.has(slot.name) && this.#taskOf(slot.name) === undefined) {
					this.#dropSlot(slot.name);
					this.#publish();
				}
			}
		}

		if (this.#running.size === 0 && this.#unrecorded.length === 0) {
			const reason = this.#endReason(tasks, graph, now);
			if (reason !== undefined) this.#finish(reason);
		}
	}

	/**
	 * A running task the store says is done or failed: the agent (or a person) reported it. An
	 * agent that lingers at its prompt afterwards is stopped shortly, to free its slot.
	 */
	#noticeReported(tasks: TaskTable, now: number): void {
		for (const [taskId, run] of this.#running) {
			if (run.watch.reportedAt !== undefined || run.stopReason !== undefined) continue;
			const task = tasks.get(taskId);
			// Done or failed in the store, or (worktree mode) the attempt reported done: its
			// gates, commit and merge follow as for an agent that exited with success.
			const reported =
				task?.status === 'completed' ||
				task?.status === 'failed' ||
				task?.attempts.find((a) => a.n === run.attempt)?.['reported'] === 'done';
			if (reported) run.watch = {...run.watch, reportedAt: now};
		}
	}

	/** When the first paused profile takes tasks again (or never). */
	#nextResume(): number {
		let at = Number.POSITIVE_INFINITY;
		for (const breaker of this.#breakers.values())
			if (breaker.pausedUntil > 0 && breaker.pausedUntil < at) at = breaker.pausedUntil;
		return at;
	}

	/** Runnable tasks some agent of the pool has the skills for. */
	#takeable(graph: Graph, now: Date): Task[] {
		return runnableTasks(graph, now).filter((task) =>
			this.#slots.some((slot) => canTakeTask(slot, task)),
		);
	}

	/**
	 * Why the run ends, with no agent running: nothing will become runnable by waiting, or every
	 * profile is paused; undefined while there is work to do or wait for.
	 */
	#endReason(tasks: TaskTable, graph: Graph, now: Date): FinishReason | undefined {
		// A task no agent of the pool has the skills for does not keep the run going.
		const runnable = this.#takeable(graph, now);
		const pausedAll = this.#slots.every((slot) => this.#paused(slot.profile.name));
		// A usage limit is waited out (within --max-hours); only setup failures end the run.
		const limited = this.#slots.some(
			(slot) =>
				this.#paused(slot.profile.name) && this.#breakers.get(slot.profile.name)?.kind === 'limit',
		);
		if (runnable.length > 0) return pausedAll && !limited ? 'all-paused' : undefined;
		// Another run's task may still complete (and free its dependents), or come back to us.
		if (
			this.#o.shared === true &&
			[...tasks.values()].some(
				(task) =>
					(task.status === 'in_progress' || task.status === 'claimed') &&
					task.claimedBy?.runId !== this.#o.run.runId,
			)
		)
			return undefined;

		const waiting = [...tasks.values()].some(
			(task) =>
				(task.status === 'pending' || task.status === 'ready') &&
				task.nextAttemptAt !== undefined &&
				Date.parse(task.nextAttemptAt) > now.getTime() &&
				isRunnable({...task, nextAttemptAt: undefined}, graph, now),
		);
		return waiting ? undefined : 'done';
	}

	#finish(reason: FinishReason): void {
		if (this.#finished !== undefined) return;
		this.#finished = reason;
		this.#stopping = true;
		this.#tick?.dispose();
		this.#memory?.stop();
		this.#emit(reason === 'done' ? 'info' : 'warn', {type: 'run.finished', reason});
		this.#done(reason);
	}

	/**
	 * Claims every assigned task in one transaction (a pass that starts sixteen agents waits on the
	 * store once, not sixteen times), then starts an agent on each task it got.
	 */
	async #startAttempts(
		starting: ReadonlyArray<{readonly taskId: string; readonly slot: AgentSlot}>,
		graph: Graph,
		spares: readonly string[],
	): Promise<void> {
		// A shutdown may come while this pass awaits the store: start nothing after it.
		if (starting.length === 0 || this.#stopping) return;
		const now = this.#o.clock.now();
		const run = this.#o.run;
		const {inCycle} = graph;
		// Tags of what runs and of every assignment (taken or not): a spare never goes over a limit.
		const limits = this.#o.config.taskLimits;
		const tagged = new Map<string, number>();
		const count = (tags: readonly string[]) => {
			for (const tag of tags) tagged.set(tag, (tagged.get(tag) ?? 0) + 1);
		};

		for (const running of this.#running.values()) count(running.tags);
		for (const {taskId} of starting) count(graph.tasks.get(taskId)?.tags ?? []);
		const fits = (task: Task) =>
			task.tags.every((tag) => limits[tag] === undefined || (tagged.get(tag) ?? 0) < limits[tag]);
		// Spares any of the starting agents can take, so that whichever is left over can.
		const offered = spares.filter((id) => {
			const task = graph.tasks.get(id);
			return (
				task !== undefined && fits(task) && starting.every(({slot}) => canTakeTask(slot, task))
			);
		});
		// The claim is a transaction: each task must still be runnable as the store is now. A
		// shared store takes the tasks in scheduling order and skips those another run is taking;
		// an agent whose task another run took first takes the next spare instead, in the same
		// transaction: runs woken by one change all look at the same first tasks.
		const ids = [...starting.map((s) => s.taskId), ...offered];
		const {repository} = this.#o;
		const claimIn = <T>(change: (tasks: TaskTable, locked: ReadonlySet<string>) => Change<T>) =>
			repository.claim === undefined
				? repository.update((tasks) => change(tasks, new Set(ids)))
				: repository.claim(ids, change, starting.length);
		let leftOver = false;
		const {claimed, tasks} = await claimIn((before, locked) => {
			let table = before;
			const taken: Array<{task: Task; slot: AgentSlot}> = [];
			const tried = new Set<string>();
			const counted = new Map(tagged);
			const room = (task: Task) =>
				task.tags.every(
					(tag) => limits[tag] === undefined || (counted.get(tag) ?? 0) < limits[tag],
				);
			for (const {taskId, slot} of starting) {
				for (const id of [taskId, ...offered]) {
					if (tried.has(id) || !locked.has(id)) continue;
					const spare = id !== taskId;
					const task = table.get(id);
					if (spare && (task === undefined || !room(task))) continue;
					tried.add(id);
					const change = claimTask(table, {
						taskId: id,
						agent: slot.name,
						run,
						now,
						log: (n) => this.#o.logFile(id, n),
						inCycle,
					});
					if (change.result === undefined) continue;
					table = change.tasks;
					taken.push({task: change.result, slot});
					if (spare)
						for (const tag of change.result.tags) counted.set(tag, (counted.get(tag) ?? 0) + 1);
					break;
				}
			}

			// An agent left without a task while a task it was offered stays: the next pass, which
			// counts what this one started, sees to it.
			leftOver =
				taken.length < starting.length &&
				[...locked].some((id) => table.get(id) === before.get(id));
			return {tasks: table, result: {claimed: taken, tasks: before}};
		});
		if (leftOver) this.#again = true;
		if (this.#stopping || this.#lostRun) {
			// Claimed as the shutdown began: give them back untouched.
			await this.#giveBack(claimed.map(({task}) => task));
			return;
		}

		for (const [index, {task, slot}] of claimed.entries()) {
			// A launch that fails awaits the store: a shutdown may begin meanwhile, and then the
			// rest goes back untouched rather than starting unwatched.
			if (this.#stopping || this.#lostRun) {
				await this.#giveBack(claimed.slice(index).map((left) => left.task));
				return;
			}

			await this.#launch(task, tasks, slot, now);
		}
	}

	/** Tasks this run claimed but did not start, as they were before the claim: no attempt, no retry spent. */
	async #giveBack(tasks: readonly Task[]): Promise<void> {
		const {runId} = this.#o.run;
		await this.#o.repository.update((current) => {
			let table = current;
			for (const task of tasks)
				table = unclaimTask(table, task.id, runId, task.attempts.length).tasks;
			return {tasks: table, result: undefined};
		});
	}

	/** The repository's learnings; one that cannot be read is said, and the agent starts without. */
	async #learnings(): Promise<readonly string[]> {
		try {
			return (await this.#o.learnings?.()) ?? [];
		} catch (error) {
			this.#emit('warn', {
				type: 'run.warning',
				message: `the learnings could not be read, so this prompt goes without them: ${(error as Error).message}`,
			});
			return [];
		}
	}

	/** Starts the agent of a claimed attempt; one that cannot even start ends it as `infra`. */
	async #launch(task: Task, tasks: TaskTable, slot: AgentSlot, now: Date): Promise<void> {
		const taskId = task.id;
		const run = this.#o.run;
		const attempt = task.attempts.length;
		this.#agentBy.set(taskId, slot.name);
		this.#emit('info', {
			type: 'task.claimed',
			task: taskId,
			agent: slot.name,
			attempt,
			title: task.title,
		});
		const size = this.#sizes.get(slot.name) ?? this.#o.terminalSize ?? {cols: 120, rows: 40};
		const {profile} = slot;
		const detector = detectorFor(profile.cli);
		const structured = detector.structured?.(profile.args) === true;
		const logFile = this.#o.logFile(taskId, attempt);
		const workspace = await this.#prepare(task, slot, now);
		if (workspace === undefined) return;
		const learnings = await this.#learnings();
		if (this.#stopping || this.#lostRun) {
			// The shutdown began while the workspace was made, and has stopped the agents it found:
			// the task goes back untouched rather than starting an agent nothing would stop (it kept
			// the run from exiting). From the check to `#running` below nothing awaits.
			this.#agentBy.delete(taskId);
			await this.#workspaces.release(workspace, false).catch(() => undefined);
			await this.#giveBack([task]);
			return;
		}

		const slotNumber = this.#slots.findIndex((candidate) => candidate.name === slot.name) + 1;
		let process: AgentProcess;
		try {
			process = this.#o.launcher.launch({
				command: profile.command,
				args: expandArgs(this.#resumable(task, detector, profile.args), {
					prompt: buildPrompt(task, tasks, {previousBranch: workspace.previous, learnings}),
					id: task.id,
					title: task.title,
				}),
				cwd: workspace.dir,
				env: {
					...this.#o.env,
					JETPACK_RUN_ID: run.runId,
					JETPACK_TASK_ID: task.id,
					JETPACK_AGENT: slot.name,
					// For picking ports that do not collide with another agent's.
					JETPACK_SLOT: String(Math.max(1, slotNumber)),
					...(this.#workspaces.mode === 'worktree' ? {JETPACK_WORKTREE: workspace.dir} : {}),
				},
				defaultEnv: profile.defaultEnv,
				cols: size.cols,
				rows: size.rows,
				logFile,
				logMaxBytes: Math.round(this.#o.config.logMaxMb * 1024 * 1024),
				token: agentToken(this.#o.run.runId, slot.name, task.id, attempt),
				...(structured && detector.parse !== undefined
					? {
							transcript: {
								parse: detector.parse.bind(detector),
								eventsFile: logFile.replace(/(\.log)?$/, '.events.jsonl'),
							},
						}
					: {}),
			});
		} catch (error) {
			// An agent that cannot even start is the profile's problem, not the task's.
			const message =
				error instanceof CommandNotFound
					? `${error.command}: command not found on PATH`
					: `${slot.profile.command} could not start: ${(error as Error).message}`;
			this.#agentBy.delete(taskId);
			await this.#workspaces.release(workspace, false).catch(() => undefined);
			await this.#record(slot, now.getTime(), {
				taskId,
				attempt,
				runId: run.runId,
				outcome: 'infra',
				message,
				exit: {exitCode: null, signal: null},
				endedAt: now,
			});
			return;
		}

		const started = this.#o.clock.now().getTime();
		const model = this.#o.modelOf?.(profile);
		const entry: Running = {
			taskId,
			title: task.title,
			tags: task.tags,
			attempt,
			process,
			startedAt: started,
			watch: {
				lastOutputAt: started,
				deadline: started + task.estimatedMinutes * this.#o.config.timeoutFactor * 60_000,
				...(model === undefined ? {} : {usage: {model}}),
			},
			detector,
			structured,
			workspace,
			disposables: [],
		};
		this.#running.set(taskId, entry);
		this.#memory?.agentStarted();

		entry.disposables.push(
			this.#feed(slot.name).show(process),
			process.onOutput(() => {
				// What it prints as it is being stopped (claude redraws on ctrl-c) answers nothing.
				if (entry.stopReason !== undefined) return;
				const answered = entry.watch.waiting !== undefined;
				entry.watch = heard(entry.watch, this.#o.clock.now().getTime());
				if (answered) this.#publish();
			}),
			process.onItems((items) => {
				const before = entry.watch.usage;
				entry.watch = absorb(entry.watch, items);
				if (entry.watch.usage === before) return;
				this.#onSpend(entry);
				this.#publish();
			}),
			process.onExit((exit) => {
				this.#onExit(entry, slot, exit).catch((error: unknown) => {
					// Whatever went wrong deciding it, the agent is gone: free its slot and go on.
					this.#ended(entry);
					this.#agentBy.delete(entry.taskId);
					if (this.#leaving.has(slot.name)) this.#dropSlot(slot.name);
					this.#emit('error', {
						type: 'run.warning',
						message: `${entry.taskId}: could not end the attempt: ${(error as Error).message}`,
					});
					void this.#schedule();
				});
			}),
		);
		this.#publish();
	}

	async #onExit(entry: Running, slot: AgentSlot, exit: AgentExit): Promise<void> {
		for (const disposable of entry.disposables) disposable.dispose();
		const endedAt = this.#o.clock.now();
		const tail = entry.tailAtStop ?? entry.process.tail(20);
		const {watch} = entry;
		let classified: Classified = classifyAttempt({
			exit,
			stopReason: entry.stopReason,
			tail,
			...(entry.structured
				? {structured: watch.result === undefined ? {} : {result: watch.result}}
				: {}),
			finding: this.#findingAtEnd(entry, tail, endedAt),
		});
		if (classified.outcome === 'budget' && watch.usage !== undefined) {
			const spent = this.#priced(watch.usage).costUsd ?? 0;
			classified = {
				outcome: 'budget',
				message: `spent $${spent.toFixed(2)}, more than budget.taskUsd ($${this.#o.config.budget.taskUsd ?? 0}) allows one attempt; not tried again`,
			};
		}
		if (classified.outcome === 'completed' && this.#o.config.qualityGates.length > 0) {
			entry.gates = new AbortController();
			const failed = await this.#o.gates.run(
				this.#o.config.qualityGates,
				entry.gates.signal,
				entry.workspace.dir,
			);
			if (entry.gates.signal.aborted)
				classified = {outcome: 'killed', message: 'stopped while its quality gates ran'};
			else if (failed !== undefined)
				classified = {
					outcome: 'quality',
					message:
						`quality gate \`${failed.command}\` failed: ${failed.tail.slice(-3).join(' / ')}`.slice(
							0,
							500,
						),
				};
		}

		let workspace: WorkspaceRecord | undefined;
		let review = false;
		// Shared mode has nothing to commit, merge or keep.
		if (this.#workspaces.mode === 'worktree' && classified.outcome === 'completed') {
			const integrated = await this.#integrate(entry);
			({classified, workspace} = integrated);
			review = integrated.review === true;
		} else if (this.#workspaces.mode === 'worktree') workspace = await this.#keep(entry);

		this.#busyMs += endedAt.getTime() - entry.startedAt;
		this.#agentBy.delete(entry.taskId);
		try {
			const {resetsAt, ...result} = classified;
			// Counted as the run's spend from here on, no longer as a running attempt's.
			const {usage: _counted, ...stillRunning} = entry.watch;
			entry.watch = stillRunning;
			await this.#record(
				slot,
				entry.startedAt,
				{
					taskId: entry.taskId,
					attempt: entry.attempt,
					runId: this.#o.run.runId,
					...result,
					exit,
					endedAt,
					...(watch.usage === undefined ? {} : {usage: this.#priced(watch.usage)}),
					...(workspace === undefined ? {} : {workspace}),
					...(review ? {review} : {}),
				},
				resetsAt,
			);
		} finally {
			this.#ended(entry);
			if (this.#leaving.has(slot.name)) this.#dropSlot(slot.name);
			this.#publish();
			void this.#schedule();
		}
	}

	/**
	 * The profile's arguments, or (config `resume`) those that resume the previous attempt's
	 * conversation when it ended by a limit, a stop or an unanswered question: the work already
	 * paid for is not redone (PRODUCT.md §14).
	 */
	#resumable(task: Task, detector: CliDetector, args: readonly string[]): readonly string[] {
		if (!this.#o.config.resume) return args;
		const previous = task.attempts.at(-2);
		const sessionId = (previous?.['usage'] as Usage | undefined)?.sessionId;
		const resumes =
			previous?.failureType === 'rate_limited' ||
			previous?.failureType === 'killed' ||
			previous?.failureType === 'needs_input';
		if (!resumes || sessionId === undefined) return args;
		return detector.resumeArgs?.(args, sessionId) ?? args;
	}

	/** An attempt's usage with a cost: the CLI's own, else our estimate from the price list. */
	#priced(usage: Usage): Usage {
		return priced(usage, this.#o.config.prices);
	}

	/** The money this run has spent: finished attempts, and what the running ones have so far. */
	#runSpend(): {usd: number; estimated: boolean} {
		let usd = this.#spentUsd;
		let estimated = this.#spentEstimated;
		for (const run of this.#running.values()) {
			if (run.watch.usage === undefined) continue;
			const usage = this.#priced(run.watch.usage);
			usd += usage.costUsd ?? 0;
			estimated ||= usage.costEstimated === true;
		}

		return {usd, estimated};
	}

	/** A running attempt reported spending: over `taskUsd` it is stopped; the run's budget is judged. */
	#onSpend(entry: Running): void {
		const usage = entry.watch.usage === undefined ? undefined : this.#priced(entry.watch.usage);
		// Spend told with the CLI's final word came with the work done: nothing left to stop.
		const over =
			entry.watch.result === undefined && overTaskBudget(usage?.costUsd, this.#o.config.budget);
		if (entry.stopReason === undefined && over) {
			this.#markStopping(entry, 'budget');
			this.#emit('warn', {
				type: 'agent.stopping',
				task: entry.taskId,
				agent: this.#agentOf(entry.taskId) ?? '',
				reason: 'budget',
			});
			void entry.process.stop(this.#o.config.graceSeconds * 1000);
		}

		this.#checkBudget();
	}

	#checkBudget(): void {
		const {budget} = this.#o.config;
		if (budget.usd === undefined && budget.totalUsd === undefined) return;
		const run = this.#runSpend().usd;
		const {state, actions} = judgeBudget(
			this.#budget,
			{runUsd: run, totalUsd: this.#storeSpentUsd + (run - this.#spentUsd)},
			budget,
		);
		this.#budget = state;
		for (const action of actions)
			this.#emit(action.type === 'alert' ? 'warn' : 'error', {
				type: action.type === 'alert' ? 'budget.alert' : 'budget.exhausted',
				spentUsd: Math.round(action.spentUsd * 100) / 100,
				budgetUsd: action.budgetUsd,
			});
	}

	/**
	 * The attempt's workspace, ready for its agent; undefined when it could not be made, the
	 * attempt then recorded (a failed setup is the task's `error`, anything else `infra`).
	 */
	async #prepare(task: Task, slot: AgentSlot, now: Date): Promise<PreparedWorkspace | undefined> {
		try {
			return await this.#workspaces.prepare(task.id, task.attempts.length);
		} catch (error) {
			this.#agentBy.delete(task.id);
			const setup = error instanceof WorkspaceSetupFailed;
			await this.#record(slot, now.getTime(), {
				taskId: task.id,
				attempt: task.attempts.length,
				runId: this.#o.run.runId,
				outcome: setup ? 'error' : 'infra',
				message: setup
					? error.message
					: `could not make its worktree: ${(error as Error).message}`.slice(0, 500),
				exit: {exitCode: null, signal: null},
				endedAt: now,
			});
			return undefined;
		}
	}

	/**
	 * Finished work into the integration branch (worktree mode): what the agent left is committed
	 * on its task branch, and the merge queue merges it. A conflict ends the attempt as
	 * `conflict` (a retry is spent; the next attempt starts from the new tip).
	 */
	async #integrate(
		entry: Running,
	): Promise<{classified: Classified; workspace?: WorkspaceRecord; review?: boolean}> {
		const done: Classified = {outcome: 'completed', message: 'exit 0'};
		const {workspace} = entry;
		if (this.#workspaces.mode === 'shared' || workspace.branch === undefined)
			return {classified: done};
		const record: WorkspaceRecord = {branch: workspace.branch, base: workspace.base ?? ''};
		try {
			const {title} = entry;
			const work = await this.#workspaces.commit(workspace, `${entry.taskId}: ${title}`);
			const stat = {
				head: work.head,
				files: work.files,
				insertions: work.insertions,
				deletions: work.deletions,
			};
			if (this.#o.config.merge === 'review') {
				// Kept, worktree and branch, for a person to look at and accept or reject.
				await this.#workspaces.release(workspace, true).catch(() => undefined);
				return {classified: done, workspace: {...record, ...stat, merged: null}, review: true};
			}

			const merged = await this.#workspaces.merge(
				workspace,
				work,
				`Merge ${entry.taskId}: ${title}`,
			);
			if (merged.kind === 'deferred') {
				// The remote could not take it: kept, worktree and branch, and accepted later by a person.
				await this.#workspaces.release(workspace, true).catch(() => undefined);
				return {
					classified: done,
					workspace: {...record, ...stat, merged: null, unmerged: merged.reason},
					review: true,
				};
			}

			if (merged.kind === 'conflict') {
				await this.#workspaces.release(workspace, true).catch(() => undefined);
				return {
					classified: {
						outcome: 'conflict',
						message:
							`does not merge into ${this.#workspaces.branch ?? 'the integration branch'}: conflicts in ${merged.files.slice(0, 20).join(', ')}`.slice(
								0,
								500,
							),
					},
					workspace: {...record, ...stat, merged: null},
				};
			}

			return {
				classified: done,
				workspace: {...record, ...stat, merged: merged.kind === 'merged' ? merged.commit : null},
			};
		} catch (error) {
			await this.#workspaces.release(workspace, true).catch(() => undefined);
			return {
				classified: {
					outcome: 'error',
					message: `could not merge its work: ${(error as Error).message}`.slice(0, 500),
				},
				workspace: {...record, merged: null},
			};
		}
	}

	/** A failed attempt's worktree is kept for inspection until the task's next attempt. */
	async #keep(entry: Running): Promise<WorkspaceRecord | undefined> {
		const {workspace} = entry;
		await this.#workspaces.release(workspace, true).catch(() => undefined);
		if (workspace.branch === undefined) return undefined;
		return {branch: workspace.branch, base: workspace.base ?? '', merged: null};
	}

	/**
	 * What the CLI's output meant, as the attempt ended: a limit or a question seen while it ran,
	 * else what its detector reads in its last words (and its final result's).
	 */
	#findingAtEnd(entry: Running, tail: readonly string[], at: Date): Finding | undefined {
		const {watch} = entry;
		if (entry.stopReason === 'needs_input' && watch.waiting !== undefined)
			return {kind: 'waiting', message: watch.waiting.message};
		if (watch.finding !== undefined) return watch.finding;
		const said =
			watch.result === undefined || watch.result.ok ? tail : [...tail, watch.result.message];
		return entry.detector.detect(said, at);
	}

	/**
	 * Writes an attempt's result, or keeps it to write later when the store cannot take it now (a
	 * full disk, a person's mistake in the file): nothing an agent did is dropped.
	 */
	async #record(
		slot: AgentSlot,
		startedAt: number,
		record: AttemptRecord,
		resetsAt?: Date,
	): Promise<void> {
		this.#noteProfile(slot, record.outcome, record.message, resetsAt);
		if (record.usage?.costUsd !== undefined) {
			this.#spentUsd += record.usage.costUsd;
			this.#spentEstimated ||= record.usage.costEstimated === true;
			this.#checkBudget();
		}
		const pending: PendingResult = {record, agent: slot.name, startedAt};
		try {
			await this.#writeSoon(pending);
		} catch (error) {
			this.#unrecorded.push(pending);
			this.#warnOnce(error, `cannot record ${record.taskId} yet; kept to write later`);
		}
	}

	/**
	 * Writes a result in the next transaction of results: agents that end in the same moment (eight
	 * short tasks started together) cost one transaction, not one each. Resolves once it is written.
	 */
	async #writeSoon(pending: PendingResult): Promise<void> {
		return new Promise((resolve, reject) => {
			this.#queued.push({pending, written: resolve, failed: reject});
			if (!this.#writingQueued) void this.#writeQueued();
		});
	}

	async #writeQueued(): Promise<void> {
		this.#writingQueued = true;
		try {
			while (this.#queued.length > 0) {
				const batch = this.#queued.splice(0);
				try {
					await this.#write(batch.map((queued) => queued.pending));
				} catch (error) {
					for (const queued of batch) queued.failed(error);
					continue;
				}

				for (const queued of batch) queued.written();
			}
		} finally {
			this.#writingQueued = false;
		}
	}

	/**
	 * Writes the results kept from earlier failures, oldest first, in one transaction; one flush
	 * at a time, and results leave the queue only once written (recording is idempotent, so a
	 * retry is harmless).
	 */
	async #flushUnrecorded(): Promise<boolean> {
		if (this.#flushing !== undefined) return this.#flushing;
		this.#flushing = (async () => {
			while (this.#unrecorded.length > 0) {
				// Only this flush removes results, from the front; `#record` adds them at the end.
				const batch = [...this.#unrecorded];
				try {
					await this.#write(batch);
				} catch (error) {
					this.#warnOnce(error, 'cannot record an attempt yet');
					return false;
				}

				this.#unrecorded.splice(0, batch.length);
				this.#lastWarning = '';
			}

			return true;
		})().finally(() => {
			this.#flushing = undefined;
		});
		const flushed = await this.#flushing;
		if (flushed) void this.#schedule();
		return flushed;
	}

	/** Records results in one transaction, in order, and says what happened to each. */
	async #write(batch: readonly PendingResult[]): Promise<void> {
		const policy = {
			maxRetries: this.#o.config.maxRetries,
			backoffSeconds: this.#o.config.retryBackoffSeconds,
		};
		const recorded = await this.#o.repository.update((tasks) => {
			let table = tasks;
			const results: Recorded[] = [];
			for (const {record} of batch) {
				const change = recordAttempt(table, record, policy);
				table = change.tasks;
				results.push(change.result);
			}

			return {tasks: table, result: results};
		});
		for (const [index, pending] of batch.entries())
			this.#tellRecorded(pending, recorded[index] as Recorded);
	}

	#tellRecorded({record, agent, startedAt}: PendingResult, recorded: Recorded): void {
		const {taskId, outcome, message} = record;
		switch (recorded.kind) {
			case 'none': {
				return;
			}

			case 'outside': {
				const outside = recorded.task.status;
				// The agent's own `task done` (or a person's) is a completion all the same.
				if (outside === 'completed') {
					this.#tellCompleted(taskId, agent, record.endedAt, startedAt);
					return;
				}

				if (outside === 'failed') {
					this.#emit('error', {
						type: 'task.failed',
						task: taskId,
						agent,
						failureType: recorded.task.failureType ?? 'error',
						message: recorded.task.lastError ?? 'reported failed',
					});
					return;
				}

				this.#emit('warn', {
					type: 'task.released',
					task: taskId,
					agent,
					message: `the attempt ended (${outcome}); the task was set ${outside} meanwhile, which stands`,
				});
				return;
			}

			case 'review': {
				const {workspace} = record;
				const unmerged = workspace?.unmerged;
				this.#emit(unmerged === undefined ? 'info' : 'warn', {
					type: 'task.review',
					task: taskId,
					agent,
					branch: workspace?.branch ?? '',
					files: workspace?.files ?? 0,
					insertions: workspace?.insertions ?? 0,
					deletions: workspace?.deletions ?? 0,
					...(unmerged === undefined ? {} : {unmerged}),
				});
				return;
			}

			case 'completed': {
				this.#tellCompleted(taskId, agent, record.endedAt, startedAt);
				return;
			}

			case 'released': {
				this.#emit('warn', {
					type: 'task.released',
					task: taskId,
					agent,
					message: `${outcome}: ${message}`,
				});
				return;
			}

			case 'failed': {
				this.#emit('error', {
					type: 'task.failed',
					task: taskId,
					agent,
					failureType: outcome,
					message,
				});
				return;
			}

			case 'retry': {
				this.#emit('warn', {
					type: 'task.retry',
					task: taskId,
					agent,
					failureType: outcome,
					message,
					retry: recorded.task.retryCount,
					retryInSeconds: recorded.retryInSeconds,
				});
			}
		}
	}

	#tellCompleted(task: string, agent: string, endedAt: Date, startedAt: number): void {
		const seconds = Math.round((endedAt.getTime() - startedAt) / 1000);
		this.#emit('info', {type: 'task.completed', task, agent, seconds});
	}

	/**
	 * Setup failures (and questions nobody answered) count toward a profile's pause; a limit
	 * pauses it until its reset; anything else resets the count.
	 */
	#noteProfile(slot: AgentSlot, outcome: Outcome, message: string, resetsAt?: Date): void {
		const name = slot.profile.name;
		const count =
			outcome === 'infra' || outcome === 'needs_input'
				? 'setup'
				: outcome === 'rate_limited'
					? 'limit'
					: 'fine';
		const {state, action} = decideBreaker(
			this.#breakers.get(name) ?? closedBreaker,
			{
				type: 'attempt',
				count,
				message,
				...(resetsAt === undefined ? {} : {resetsAt: resetsAt.getTime()}),
			},
			this.#o.clock.now().getTime(),
			this.#o.config.infraFailuresToPause,
		);
		this.#breakers.set(name, state);
		if (action?.type === 'pause') {
			this.#emit(action.kind === 'limit' ? 'warn' : 'error', {
				type: 'profile.paused',
				profile: name,
				kind: action.kind,
				reason: action.reason,
				seconds: action.seconds,
				until: new Date(action.until).toISOString(),
			});
			this.#wakeAt = Math.min(this.#wakeAt, action.until);
		}
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
				...this.#memory?.figures(run.taskId),
				...(run.watch.waiting === undefined ? {} : {waiting: run.watch.waiting.message}),
				...(run.watch.usage === undefined ? {} : {usage: run.watch.usage}),
				...(run.workspace.branch === undefined ? {} : {branch: run.workspace.branch}),
			};
		});
		const paused = [...this.#breakers]
			.filter(([, breaker]) => breaker.pausedUntil > now)
			.map(([profile, breaker]) => ({
				profile,
				kind: breaker.kind,
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
			memoryLow: this.#memory?.holding === true,
			self: this.#memory?.self,
			cost: {
				...this.#runSpend(),
				...(this.#o.config.budget.usd === undefined ? {} : {budgetUsd: this.#o.config.budget.usd}),
			},
		};
	}
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

/** The clocks of an attempt moved on by time the orchestrator itself lost (it was stopped). */
function movedOn(watch: Watch, ms: number): Watch {
	return {
		...watch,
		lastOutputAt: watch.lastOutputAt + ms,
		deadline: watch.deadline + ms,
		...(watch.offlineSince === undefined ? {} : {offlineSince: watch.offlineSince + ms}),
		...(watch.reportedAt === undefined ? {} : {reportedAt: watch.reportedAt + ms}),
		...(watch.waiting === undefined
			? {}
			: {waiting: {...watch.waiting, since: watch.waiting.since + ms}}),
	};
}

/** The screen as lines of text, for a detector. */
function screenText(screen: Screen): string[] {
	return screen.lines.map((runs) => runs.map((run) => run.text).join(''));
}
