/**
 * The task file as the TUI sees it: read without a lock whenever it may have changed (our own
 * writes, the CLI, a person's editor), kept as the last good table when a read fails, and written
 * only through the repository's transactions.
 */
import {buildGraph} from '../core/graph.js';
import type {Change, Clock, TaskRepository} from '../core/ports.js';
import {defaultConfig} from '../core/config.js';
import type {TaskTable} from '../core/task.js';
import type {BoardState, TaskBoard} from './run-control.js';

export interface RepositoryBoardOptions {
	readonly repository: TaskRepository;
	readonly clock: Clock;
	readonly logTail: (taskId: string, attempt: number, lines: number) => Promise<string[]>;
	/** What a new task gets (the config's `maxRetries`); the schema's default otherwise. */
	readonly maxRetries?: number;
	/** After each of our own writes (to wake the scheduler at once). */
	readonly onWrite?: () => void;
}

export class RepositoryBoard implements TaskBoard {
	readonly #o: RepositoryBoardOptions;
	readonly #listeners = new Set<() => void>();
	#state: BoardState;
	#reading: Promise<void> | undefined;
	#again = false;

	constructor(options: RepositoryBoardOptions, initial: TaskTable = new Map()) {
		this.#o = options;
		this.#state = {tasks: initial, graph: buildGraph(initial), version: 0};
	}

	/** A board showing the tasks as they are now. */
	static async open(options: RepositoryBoardOptions): Promise<RepositoryBoard> {
		const board = new RepositoryBoard(options, await options.repository.read());
		return board;
	}

	getSnapshot(): BoardState {
		return this.#state;
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Reads the file again; calls made while a read is under way fold into one more read. */
	refresh(): Promise<void> {
		if (this.#reading !== undefined) {
			this.#again = true;
			return this.#reading;
		}

		this.#reading = this.#read().finally(() => {
			this.#reading = undefined;
			if (this.#again) {
				this.#again = false;
				void this.refresh();
			}
		});
		return this.#reading;
	}

	async update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T> {
		const result = await this.#o.repository.update(change);
		this.#o.onWrite?.();
		await this.refresh();
		return result;
	}

	async logTail(taskId: string, attempt: number, lines: number): Promise<string[]> {
		return this.#o.logTail(taskId, attempt, lines);
	}

	now(): Date {
		return this.#o.clock.now();
	}

	get maxRetries(): number {
		return this.#o.maxRetries ?? defaultConfig.maxRetries;
	}

	async #read(): Promise<void> {
		const version = this.#state.version + 1;
		try {
			const tasks = await this.#o.repository.read();
			this.#state = {tasks, graph: buildGraph(tasks), version};
		} catch (error) {
			// The view keeps the last good tasks and says what is wrong until the file is fixed.
			const message = (error as Error).message;
			if (this.#state.error === message) return;
			this.#state = {...this.#state, version, error: message};
		}

		for (const listener of this.#listeners) listener();
	}
}
