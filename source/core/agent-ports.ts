/**
 * What the orchestrator needs to run an agent, as ports: the adapter behind them starts the
 * process in a pseudo-terminal and renders it; the core only decides.
 */
import type {TranscriptItem} from './clis/detector.js';

export interface Disposable {
	dispose(): void;
}

export interface AgentLaunch {
	/** The program and its arguments, never a shell line: task text reaches the agent as text. */
	readonly command: string;
	readonly args: readonly string[];
	readonly cwd: string;
	/** Added to (and overriding) the orchestrator's own environment. */
	readonly env: Readonly<Record<string, string>>;
	/** Set only where the orchestrator's own environment does not have them (a user's choice wins). */
	readonly defaultEnv?: Readonly<Record<string, string>>;
	/**
	 * For a CLI in its structured mode: each line of output is read as events (its detector's
	 * `parse`); the screen shows them as a transcript, the log keeps a readable copy and
	 * `eventsFile` the raw lines. A line that is not an event is shown as printed.
	 */
	readonly transcript?: {
		parse(line: string, now: Date): readonly TranscriptItem[] | undefined;
		readonly eventsFile: string;
	};
	readonly cols: number;
	readonly rows: number;
	/** Where the agent's output goes as plain text (ANSI stripped), appended as it comes. */
	readonly logFile: string;
	/** Past this size the log keeps its beginning and its end, and says what was cut. */
	readonly logMaxBytes?: number;
	/**
	 * Marks every process of this attempt (the launcher puts it in their environment), so they can
	 * be found and stopped, by this run or the next if this one dies: `agentToken(...)`. Unique
	 * per live attempt; the launcher makes one up when it is missing.
	 */
	readonly token?: string;
}

/** The token of one attempt; a run's agents are found by the `<runId>.` it starts with. */
export function agentToken(runId: string, agent: string, taskId: string, attempt: number): string {
	return `${runId}.${agent}.${taskId}.${attempt}`;
}

export interface AgentExit {
	/** The exit code, or null when a signal ended the process. */
	readonly exitCode: number | null;
	readonly signal: string | null;
}

/** One cell run of the emulated screen: text with the same colours and attributes. */
export interface ScreenRun {
	readonly text: string;
	readonly fg?: string;
	readonly bg?: string;
	readonly bold?: boolean;
	readonly dim?: boolean;
	readonly italic?: boolean;
	readonly underline?: boolean;
	readonly inverse?: boolean;
}

export interface Screen {
	readonly cols: number;
	readonly rows: number;
	readonly lines: readonly (readonly ScreenRun[])[];
	readonly cursor: {readonly x: number; readonly y: number};
}

/** A running agent process. Listeners are few and disposed with the process. */
export interface AgentProcess {
	readonly pid: number;
	/** Called (without the data) whenever output arrives: for stall detection and timing. */
	onOutput(listener: () => void): Disposable;
	/**
	 * Called once, after the output before the exit has been processed and logged, and whatever
	 * the agent left running has been stopped.
	 */
	onExit(listener: (exit: AgentExit) => void): Disposable;
	/** Events read from its structured output (`AgentLaunch.transcript`), as they come. */
	onItems(listener: (items: readonly TranscriptItem[]) => void): Disposable;
	/** The last `count` non-blank lines of output, ANSI stripped: for lastError and infra detection. */
	tail(count: number): string[];
	/** The emulated screen now; the same object until it changes, so a pane can skip a redraw. */
	screen(): Screen;
	/**
	 * Called when the screen has changed: at most every ~60 ms however fast the output comes (the
	 * throttle lives here, at the producer), and once more after the exit with the final screen.
	 */
	onScreen(listener: () => void): Disposable;
	resize(cols: number, rows: number): void;
	write(data: string): void;
	/**
	 * Stops every process the agent started (its group, and any that left the group or the
	 * session): SIGINT, `graceMs`, SIGTERM, `graceMs`, SIGKILL. Resolves when the process has
	 * exited and nothing it started is left. `immediate` sends SIGKILL at once.
	 */
	stop(graceMs: number, options?: {readonly immediate?: boolean}): Promise<AgentExit>;
}

/** What a pane shows: an agent's screen, which survives its process until the next one starts. */
export interface ScreenSource {
	screen(): Screen;
	onScreen(listener: () => void): Disposable;
}

export const blankScreen: Screen = {cols: 0, rows: 0, lines: [], cursor: {x: 0, y: 0}};

export interface AgentLauncher {
	/** Starts the agent; throws `CommandNotFound` when the command is not on PATH. */
	launch(launch: AgentLaunch): AgentProcess;
}

export class CommandNotFound extends Error {
	override readonly name = 'CommandNotFound';
	constructor(readonly command: string) {
		super(`${command}: command not found`);
	}
}
