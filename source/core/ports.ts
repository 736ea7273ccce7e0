/**
 * What the core needs from the outside world. Adapters implement these; tests inject fakes.
 */
import type {TaskTable} from './task.js';

export interface Clock {
	now(): Date;
}

/** The next table and what the caller wants back from the transaction. */
export interface Change<T> {
	readonly tasks: TaskTable;
	readonly result: T;
}

export interface TaskRepository {
	/** The tasks as they are now. Takes no lock: a write replaces the file in one rename. */
	read(): Promise<TaskTable>;
	/**
	 * One transaction: lock, read the current tasks, apply `change`, write, unlock. `change` must be
	 * pure: it may run again on a fresh read if the lock was lost meanwhile.
	 */
	update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T>;
	/**
	 * Whether the stored tasks are exactly the version this repository last wrote: a change seen by
	 * a file watcher is then the echo of our own write, with nothing new to read. Optional: a
	 * repository without it is taken to have changed.
	 */
	isOwnVersion?(): Promise<boolean>;
	/**
	 * A claim, on a store shared by several runs (PRODUCT.md §15): one transaction that takes the
	 * tasks `ids` in that order (the scheduler's), skipping those another writer holds right now.
	 * `change` sees the tasks as they are and may change only those in `locked`. With `want`, it
	 * locks at most that many, and only tasks still waiting to run (the first of `ids` another run
	 * has not claimed or begun to claim). Optional: without it a claim is an `update` (every id
	 * locked).
	 */
	claim?<T>(
		ids: readonly string[],
		change: (tasks: TaskTable, locked: ReadonlySet<string>) => Change<T>,
		want?: number,
	): Promise<T>;
}
