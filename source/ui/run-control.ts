/**
 * What the TUI reads and steers: the orchestrator satisfies `RunControl` as it is, and the task
 * file is seen through a `TaskBoard`. Component tests hand in fakes of both.
 */
import type {ScreenSource} from '../core/agent-ports.js';
import type {Graph} from '../core/graph.js';
import type {FinishReason, Snapshot, StampedEvent} from '../core/orchestrator.js';
import type {Change} from '../core/ports.js';
import type {TaskTable} from '../core/task.js';

export interface RunControl {
	getSnapshot(): Snapshot;
	subscribe(listener: () => void): () => void;
	onEvent(listener: (event: StampedEvent) => void): () => void;
	/** The last events (bounded), for a view opened after they happened. */
	recentEvents(): readonly StampedEvent[];
	agentScreen(agent: string): ScreenSource | undefined;
	resizeAgent(agent: string, cols: number, rows: number): void;
	writeToAgent(agent: string, data: string): void;
	/** Stops the agent; its task goes back to the queue with no retry spent. */
	recycleAgent(agent: string): Promise<void>;
	addAgent(): string | undefined;
	removeAgent(): string | undefined;
	stopTask(taskId: string): Promise<void>;
	/**
	 * The diff of the task's last attempt (its workspace's `base..head`), with colours as git prints
	 * them (`--color=always`); rejects when there is none (a task run in the shared folder).
	 */
	reviewDiff(taskId: string): Promise<string>;
	/** Merges the work of a task in review (PRODUCT.md §12, `review ID --accept`). */
	acceptReview(taskId: string): Promise<ReviewResult>;
	/** Sends a task in review back to the queue with `reason` (`review ID --reject REASON`). */
	rejectReview(taskId: string, reason: string): Promise<ReviewResult>;
	/** Puts a change a person made to `task` in the run's log (a `task.changed` event). */
	recordChange(task: string, change: string): void;
	/** The store changed outside the orchestrator: look again for work. */
	notifyStoreChanged(): void;
	/**
	 * A run that finished with nothing left to do starts again if the store has work for it now;
	 * true if it did. A run stopped or ended any other way stays ended.
	 */
	resume(): Promise<boolean>;
	shutdown(options: {readonly immediate: boolean; readonly drain?: boolean}): Promise<void>;
	/** How the run ends (after a `resume()`, its next end). */
	readonly finished: Promise<FinishReason>;
}

/** What an accept or reject did, in a sentence for the hint line. */
export interface ReviewResult {
	readonly ok: boolean;
	readonly message: string;
}

export interface BoardState {
	readonly tasks: TaskTable;
	readonly graph: Graph;
	/** Grows with every fresh read, so views can tell a new table from the same one. */
	readonly version: number;
	/** Why the last read failed (a mistake in the file, say); the tasks are the last good ones. */
	readonly error?: string;
}

export interface TaskBoard {
	getSnapshot(): BoardState;
	subscribe(listener: () => void): () => void;
	/** A store transaction (lock, re-read, apply, atomic write); the board shows its result. */
	update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T>;
	/** The last `lines` lines of an attempt's log, or [] when it has none. */
	logTail(taskId: string, attempt: number, lines: number): Promise<string[]>;
	now(): Date;
	/** What a new task gets: the config's `maxRetries`. */
	readonly maxRetries: number;
}
