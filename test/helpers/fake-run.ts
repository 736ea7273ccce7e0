/**
 * A `RunControl` with no processes, for component tests: agents and their screens are set by the
 * test, and every command the UI gives is recorded.
 */
import type {Disposable, Screen, ScreenSource} from '../../source/core/agent-ports.js';
import type {
	AgentView,
	FinishReason,
	Snapshot,
	StampedEvent,
	RunEvent,
	Level,
} from '../../source/core/orchestrator.js';
import type {TaskTable} from '../../source/core/task.js';
import type {ReviewResult, RunControl} from '../../source/ui/run-control.js';
import {RepositoryBoard} from '../../source/ui/repository-board.js';
import {FakeClock, InMemoryTaskRepository} from './in-memory-repository.js';

export class FakeScreen implements ScreenSource {
	#screen: Screen = {cols: 80, rows: 24, lines: [], cursor: {x: 0, y: 0}};
	readonly #listeners = new Set<() => void>();

	screen(): Screen {
		return this.#screen;
	}

	onScreen(listener: () => void): Disposable {
		this.#listeners.add(listener);
		return {dispose: () => this.#listeners.delete(listener)};
	}

	show(screen: Screen): void {
		this.#screen = screen;
		for (const listener of this.#listeners) listener();
	}

	/** Plain lines of text. */
	text(lines: readonly string[]): void {
		this.show({
			cols: this.#screen.cols,
			rows: this.#screen.rows,
			lines: lines.map((text) => (text === '' ? [] : [{text}])),
			cursor: {x: 0, y: 0},
		});
	}

	get listeners(): number {
		return this.#listeners.size;
	}
}

export type RunCall =
	| {readonly type: 'resize'; readonly agent: string; readonly cols: number; readonly rows: number}
	| {readonly type: 'write'; readonly agent: string; readonly data: string}
	| {readonly type: 'recycle'; readonly agent: string}
	| {readonly type: 'add'}
	| {readonly type: 'remove'}
	| {readonly type: 'stopTask'; readonly taskId: string}
	| {readonly type: 'reviewDiff'; readonly taskId: string}
	| {readonly type: 'acceptReview'; readonly taskId: string}
	| {readonly type: 'rejectReview'; readonly taskId: string; readonly reason: string}
	| {readonly type: 'resume'; readonly resumed: boolean}
	| {readonly type: 'shutdown'; readonly immediate: boolean; readonly drain?: boolean};

export function agentView(name: string, fields: Partial<AgentView> = {}): AgentView {
	return {name, profile: name.replace(/-\d+$/, ''), state: 'idle', ...fields};
}

export class FakeRun implements RunControl {
	readonly calls: RunCall[] = [];
	readonly screens = new Map<string, FakeScreen>();
	#finished: Promise<FinishReason>;
	#snapshot: Snapshot;
	readonly #listeners = new Set<() => void>();
	readonly #eventListeners = new Set<(event: StampedEvent) => void>();
	readonly #events: StampedEvent[] = [];
	#finish: (reason: FinishReason) => void = () => undefined;
	/** Whether `shutdown` ends the run at once (as it does with no agent running). */
	finishOnShutdown = true;
	/**
	 * Whether the store has work again, as the orchestrator's `resume()` asks after a `done`
	 * finish; the test says (by default, never).
	 */
	hasWork: () => Promise<boolean> = async () => false;
	/** Each task's diff as `reviewDiff` gives it; a task not here has none (it rejects). */
	readonly diffs = new Map<string, string>();
	/** What `acceptReview` and `rejectReview` answer; by default, that it was done. */
	review: (
		call: Extract<RunCall, {type: 'acceptReview' | 'rejectReview'}>,
	) => Promise<ReviewResult> = async (call) => ({
		ok: true,
		message:
			call.type === 'acceptReview'
				? `${call.taskId} accepted and merged.`
				: `${call.taskId} rejected: ${call.reason}`,
	});

	constructor(agents: readonly AgentView[] = [agentView('sim-1')], startedAt = new Date()) {
		this.#snapshot = {
			runId: 'run-test',
			startedAt: startedAt.toISOString(),
			agents,
			paused: [],
			busyMs: 0,
			memoryLow: false,
			self: {rssMb: 80, heapMb: 30},
			cost: {usd: 0, estimated: false},
		};
		for (const agent of agents) this.screens.set(agent.name, new FakeScreen());
		this.#finished = this.#nextFinish();
	}

	get finished(): Promise<FinishReason> {
		return this.#finished;
	}

	#nextFinish(): Promise<FinishReason> {
		return new Promise((resolve) => {
			this.#finish = resolve;
		});
	}

	getSnapshot(): Snapshot {
		return this.#snapshot;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	onEvent(listener: (event: StampedEvent) => void): () => void {
		this.#eventListeners.add(listener);
		return () => this.#eventListeners.delete(listener);
	}

	recentEvents(): readonly StampedEvent[] {
		return this.#events;
	}

	agentScreen(agent: string): ScreenSource | undefined {
		return this.screens.get(agent);
	}

	resizeAgent(agent: string, cols: number, rows: number): void {
		this.calls.push({type: 'resize', agent, cols, rows});
	}

	writeToAgent(agent: string, data: string): void {
		this.calls.push({type: 'write', agent, data});
	}

	async recycleAgent(agent: string): Promise<void> {
		this.calls.push({type: 'recycle', agent});
	}

	addAgent(): string | undefined {
		this.calls.push({type: 'add'});
		return undefined;
	}

	removeAgent(): string | undefined {
		this.calls.push({type: 'remove'});
		return undefined;
	}

	async stopTask(taskId: string): Promise<void> {
		this.calls.push({type: 'stopTask', taskId});
	}

	async reviewDiff(taskId: string): Promise<string> {
		this.calls.push({type: 'reviewDiff', taskId});
		const diff = this.diffs.get(taskId);
		if (diff === undefined) throw new Error(`${taskId} has no diff: it ran in the shared folder.`);
		return diff;
	}

	async acceptReview(taskId: string): Promise<ReviewResult> {
		const call = {type: 'acceptReview', taskId} as const;
		this.calls.push(call);
		return this.review(call);
	}

	async rejectReview(taskId: string, reason: string): Promise<ReviewResult> {
		const call = {type: 'rejectReview', taskId, reason} as const;
		this.calls.push(call);
		return this.review(call);
	}

	notifyStoreChanged(): void {
		// Nothing schedules here.
	}

	async resume(): Promise<boolean> {
		const resumed =
			this.#snapshot.finished === 'done' &&
			!this.calls.some((call) => call.type === 'shutdown') &&
			(await this.hasWork());
		this.calls.push({type: 'resume', resumed});
		if (resumed) {
			this.#finished = this.#nextFinish();
			this.update({finished: undefined});
			this.emit({type: 'run.resumed', runnable: 1});
		}

		return resumed;
	}

	recordChange(task: string, change: string): void {
		this.emit({type: 'task.changed', task, change, by: 'tui'});
	}

	async shutdown(options: {immediate: boolean; drain?: boolean}): Promise<void> {
		this.calls.push({type: 'shutdown', ...options});
		if (this.finishOnShutdown) this.end('interrupted');
	}

	/** Changes the snapshot as the orchestrator would publish it. */
	update(change: Partial<Snapshot>): void {
		this.#snapshot = {...this.#snapshot, ...change};
		for (const agent of this.#snapshot.agents)
			if (!this.screens.has(agent.name)) this.screens.set(agent.name, new FakeScreen());
		for (const listener of this.#listeners) listener();
	}

	emit(event: RunEvent, level: Level = 'info', time = new Date()): void {
		const stamped = {time: time.toISOString(), level, event};
		this.#events.push(stamped);
		for (const listener of this.#eventListeners) listener(stamped);
	}

	end(reason: FinishReason): void {
		this.update({finished: reason});
		this.#finish(reason);
	}
}

/** A board on an in-memory store holding `tasks`; its `repository` is there to inspect. */
export async function fakeBoard(
	tasks: TaskTable = new Map(),
	logs: Record<string, string[]> = {},
): Promise<{board: RepositoryBoard; repository: InMemoryTaskRepository; clock: FakeClock}> {
	const clock = new FakeClock();
	const repository = new InMemoryTaskRepository(clock);
	await repository.update(() => ({tasks, result: undefined}));
	const board = await RepositoryBoard.open({
		repository,
		clock,
		logTail: async (taskId, attempt, lines) => (logs[`${taskId}/${attempt}`] ?? []).slice(-lines),
	});
	return {board, repository, clock};
}

const esc = '\u001B';

/**
 * What `git diff --color=always` printed (git 2.39) for two files: a changed line, a tab, a path
 * with a space and a trailing space (a whitespace error, on red).
 */
export const sampleDiff = [
	`${esc}[1mdiff --git a/one.txt b/one.txt${esc}[m`,
	`${esc}[1mindex de98044..4d375a6 100644${esc}[m`,
	`${esc}[1m--- a/one.txt${esc}[m`,
	`${esc}[1m+++ b/one.txt${esc}[m`,
	`${esc}[36m@@ -1,3 +1,4 @@${esc}[m`,
	` a${esc}[m`,
	`${esc}[31m-b${esc}[m`,
	`${esc}[32m+${esc}[m${esc}[32mB${esc}[m`,
	` c${esc}[m`,
	`${esc}[32m+${esc}[m\t${esc}[32md${esc}[m`,
	`${esc}[1mdiff --git a/two words.txt b/two words.txt${esc}[m`,
	`${esc}[1mindex 587be6b..b9b2dce 100644${esc}[m`,
	`${esc}[1m--- a/two words.txt${esc}[m\t`,
	`${esc}[1m+++ b/two words.txt${esc}[m\t`,
	`${esc}[36m@@ -1 +1,2 @@${esc}[m`,
	`${esc}[31m-x${esc}[m`,
	`${esc}[32m+${esc}[m${esc}[32mx${esc}[m${esc}[41m ${esc}[m`,
	`${esc}[32m+${esc}[m${esc}[32my${esc}[m`,
	'',
].join('\n');
