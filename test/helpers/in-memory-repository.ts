import type {Change, Clock, TaskRepository} from '../../source/core/ports.js';
import {settleStatuses, type TaskTable} from '../../source/core/task.js';

/** The store's semantics with no file: the model the property test holds the real store to. */
export class InMemoryTaskRepository implements TaskRepository {
	#tasks: TaskTable = new Map();
	/** Absent, as the file store's: a test of a shared store's claims sets one. */
	claim?: TaskRepository['claim'];

	constructor(private readonly clock: Clock) {}

	async read(): Promise<TaskTable> {
		return this.#tasks;
	}

	async update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T> {
		const {tasks, result} = change(this.#tasks);
		this.#tasks = settleStatuses(tasks, this.clock.now());
		return result;
	}
}

export class FakeClock implements Clock {
	constructor(private time: number = Date.parse('2026-11-23T09:00:00Z')) {}

	now(): Date {
		return new Date(this.time);
	}

	advance(ms: number): void {
		this.time += ms;
	}
}

/** mulberry32: a small seeded generator, so two runs of one change draw the same ids. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}
