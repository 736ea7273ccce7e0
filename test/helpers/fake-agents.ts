/**
 * Fakes for the orchestrator's ports, injected (never vi.mock): agents whose output and exit the
 * test decides, and timers driven by a fake clock.
 */
import type {
	AgentExit,
	AgentLaunch,
	AgentLauncher,
	AgentProcess,
	Disposable,
	Screen,
} from '../../source/core/agent-ports.js';
import type {TranscriptItem} from '../../source/core/clis/detector.js';
import {CommandNotFound} from '../../source/core/agent-ports.js';
import type {GateRunner, Timers} from '../../source/core/orchestrator.js';
import type {FakeClock} from './in-memory-repository.js';

export class FakeAgent implements AgentProcess {
	readonly pid: number;
	readonly output: string[] = [];
	stopped: {graceMs: number; immediate: boolean} | undefined;
	/** What `write` was given: keys typed into an attached pane. */
	readonly input: string[] = [];
	size: {cols: number; rows: number};
	#screen: Screen;
	#screenListeners = new Set<() => void>();
	#outputListeners = new Set<() => void>();
	#exitListeners = new Set<(exit: AgentExit) => void>();
	#itemListeners = new Set<(items: readonly TranscriptItem[]) => void>();
	#exited = false;
	#exit: AgentExit | undefined;
	#resolveStop: ((exit: AgentExit) => void) | undefined;

	constructor(
		readonly launch: AgentLaunch,
		pid: number,
		private readonly onStop: (agent: FakeAgent) => AgentExit | undefined,
	) {
		this.pid = pid;
		this.size = {cols: launch.cols, rows: launch.rows};
		this.#screen = {cols: launch.cols, rows: launch.rows, lines: [], cursor: {x: 0, y: 0}};
	}

	say(line: string): void {
		this.output.push(line);
		for (const listener of this.#outputListeners) listener();
	}

	/** A structured CLI's events, as its parser would hand them on. */
	emit(...items: TranscriptItem[]): void {
		for (const listener of this.#itemListeners) listener(items);
		for (const listener of this.#outputListeners) listener();
	}

	exit(exit: AgentExit): void {
		if (this.#exited) return;
		this.#exited = true;
		this.#exit = exit;
		for (const listener of this.#exitListeners) listener(exit);
		this.#resolveStop?.(exit);
	}

	onOutput(listener: () => void): Disposable {
		this.#outputListeners.add(listener);
		return {dispose: () => this.#outputListeners.delete(listener)};
	}

	onExit(listener: (exit: AgentExit) => void): Disposable {
		this.#exitListeners.add(listener);
		return {dispose: () => this.#exitListeners.delete(listener)};
	}

	onItems(listener: (items: readonly TranscriptItem[]) => void): Disposable {
		this.#itemListeners.add(listener);
		return {dispose: () => this.#itemListeners.delete(listener)};
	}

	tail(count: number): string[] {
		return this.output.slice(-count);
	}

	screen(): Screen {
		return this.#screen;
	}

	onScreen(listener: () => void): Disposable {
		this.#screenListeners.add(listener);
		return {dispose: () => this.#screenListeners.delete(listener)};
	}

	/** Shows `lines` as plain text, as a redraw of the whole screen would. */
	draw(lines: readonly string[]): void {
		this.#screen = {
			...this.#screen,
			lines: lines.map((text) => (text === '' ? [] : [{text}])),
		};
		for (const listener of this.#screenListeners) listener();
	}

	resize(cols: number, rows: number): void {
		this.size = {cols, rows};
		this.#screen = {...this.#screen, cols, rows};
	}

	write(data: string): void {
		this.input.push(data);
	}

	async stop(graceMs: number, options?: {immediate?: boolean}): Promise<AgentExit> {
		// Gone already (its quality gates may still be running): as a real process's stop, at once.
		if (this.#exit !== undefined) return this.#exit;
		this.stopped = {graceMs, immediate: options?.immediate === true};
		return new Promise((resolve) => {
			this.#resolveStop = resolve;
			// By default an agent dies of the first signal, as 143 after SIGTERM would.
			const exit = this.onStop(this);
			if (exit !== undefined) this.exit(exit);
		});
	}

	/** Who is watching its screen (a pane on view): only they make a real pty agent keep it up to date. */
	get screenWatchers(): number {
		return this.#screenListeners.size;
	}

	get listenerCount(): number {
		return (
			this.#outputListeners.size +
			this.#exitListeners.size +
			this.#screenListeners.size +
			this.#itemListeners.size
		);
	}
}

export class FakeLauncher implements AgentLauncher {
	readonly agents: FakeAgent[] = [];
	missing = new Set<string>();
	onStop: (agent: FakeAgent) => AgentExit | undefined = () => ({exitCode: null, signal: 'SIGINT'});
	#pid = 1000;

	launch(launch: AgentLaunch): AgentProcess {
		if (this.missing.has(launch.command)) throw new CommandNotFound(launch.command);
		const agent = new FakeAgent(launch, this.#pid++, (a) => this.onStop(a));
		this.agents.push(agent);
		return agent;
	}

	/** The agent working on a task, found by the id in its environment. */
	on(taskId: string): FakeAgent {
		const agent = this.agents.findLast((a) => a.launch.env['JETPACK_TASK_ID'] === taskId);
		if (agent === undefined)
			throw new Error(
				`no agent on ${taskId}; launched: ${this.agents.map((a) => a.launch.env['JETPACK_TASK_ID']).join(', ')}`,
			);
		return agent;
	}
}

/** Timers that fire when the fake clock is advanced past them. */
export class FakeTimers implements Timers {
	#timers: Array<{at: number; every?: number; callback: () => void; live: boolean}> = [];

	constructor(private readonly clock: FakeClock) {}

	setTimeout(callback: () => void, ms: number): Disposable {
		const timer = {at: this.clock.now().getTime() + ms, callback, live: true};
		this.#timers.push(timer);
		return {dispose: () => (timer.live = false)};
	}

	setInterval(callback: () => void, ms: number): Disposable {
		const timer = {at: this.clock.now().getTime() + ms, every: ms, callback, live: true};
		this.#timers.push(timer);
		return {dispose: () => (timer.live = false)};
	}

	/** Timers still set: what would keep a real process alive. */
	get live(): number {
		return this.#timers.filter((timer) => timer.live).length;
	}

	/**
	 * The process was stopped for `ms` (SIGSTOP, a suspended laptop): the clock moves on with no
	 * timer firing, then each interval overdue fires once, late, as Node's do on SIGCONT.
	 */
	async freeze(ms: number): Promise<void> {
		this.clock.advance(ms);
		const now = this.clock.now().getTime();
		for (const timer of this.#timers)
			if (timer.live && timer.every !== undefined && timer.at < now) timer.at = now;
		await this.advance(0);
	}

	/** Moves the clock on by `ms`, firing every timer due on the way, in order. */
	async advance(ms: number): Promise<void> {
		const end = this.clock.now().getTime() + ms;
		for (;;) {
			const due = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
			if (due === undefined) break;
			this.clock.advance(due.at - this.clock.now().getTime());
			if (due.every === undefined) due.live = false;
			else due.at += due.every;
			due.callback();
			await settle();
		}

		this.clock.advance(end - this.clock.now().getTime());
		await settle();
	}
}

/** Lets every pending promise chain run (the in-memory store answers in microtasks). */
export async function settle(): Promise<void> {
	for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeGates implements GateRunner {
	failing: {command: string; tail: string[]} | undefined;
	runs = 0;
	/** Where each run of the gates was asked to run. */
	readonly dirs: Array<string | undefined> = [];
	/** While set, a gate runs until this settles or it is aborted. */
	hold: Promise<void> | undefined;

	async run(
		_commands: readonly string[],
		signal?: AbortSignal,
		cwd?: string,
	): Promise<{command: string; tail: string[]} | undefined> {
		this.runs++;
		this.dirs.push(cwd);
		if (this.hold !== undefined) {
			const aborted = new Promise<void>((resolve) => {
				signal?.addEventListener('abort', () => resolve(), {once: true});
			});
			await Promise.race([this.hold, aborted]);
		}

		return this.failing;
	}
}
