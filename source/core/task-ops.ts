/**
 * The mutations a person makes from the CLI or the TUI, as pure functions from one table to the
 * next. Each runs inside a store transaction, so it sees the file as it is at that moment.
 */
import {UsageError} from './errors.js';
import type {Change} from './ports.js';
import {
	copyWith,
	newTask,
	priorities,
	settledStatus,
	type Priority,
	type Task,
	type TaskTable,
} from './task.js';

export interface OpContext {
	readonly now: Date;
	/** A number in [0, 1), for new ids. */
	readonly random: () => number;
}

export interface NewTaskInput {
	readonly title: string;
	readonly description?: string;
	readonly priority?: Priority;
	readonly dependencies?: readonly string[];
	readonly requiredSkills?: readonly string[];
	readonly tags?: readonly string[];
	readonly estimatedMinutes?: number;
	/** The config's `maxRetries`: what a new task gets. */
	readonly maxRetries?: number;
}

const idAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `bd-` and four base-36 characters, one more for every ten collisions (PRODUCT.md §3). */
export function newTaskId(taken: (id: string) => boolean, random: () => number): string {
	for (let attempt = 0; ; attempt++) {
		const length = 4 + Math.floor(attempt / 10);
		let id = 'bd-';
		for (let i = 0; i < length; i++) id += idAlphabet[Math.floor(random() * idAlphabet.length)];
		if (!taken(id)) return id;
	}
}

export function parsePriority(value: string, flag: string): Priority {
	const lower = value.toLowerCase();
	if ((priorities as readonly string[]).includes(lower)) return lower as Priority;
	const number = /^[0-4]$/.test(lower) ? Number(lower) : undefined;
	if (number !== undefined)
		return (['critical', 'high', 'medium', 'low', 'low'] as const)[number] ?? 'low';
	throw new UsageError(
		`${flag} ${JSON.stringify(value)} is not a priority; use critical, high, medium, low or 0-4.`,
	);
}

function requireTask(tasks: TaskTable, id: string): Task {
	const task = tasks.get(id);
	if (task === undefined) {
		throw new UsageError(
			`There is no task ${JSON.stringify(id)}; \`jetpack-tui task list\` shows the ids.`,
		);
	}

	return task;
}

/**
 * The table with `changed` put in, each pending or ready one settled the way the store will write
 * it, so that what an op returns is what is stored.
 */
function replace(
	tasks: TaskTable,
	changed: readonly Task[],
	now: Date,
): {tasks: TaskTable; changed: Task[]} {
	const next = new Map(tasks);
	for (const task of changed) next.set(task.id, task);
	const settled = changed.map((task) => {
		const status = settledStatus(task, next, now);
		if (status === task.status) return task;
		const updated = {...task, status};
		next.set(task.id, updated);
		return updated;
	});
	return {tasks: next, changed: settled};
}

function replaceOne(tasks: TaskTable, task: Task, now: Date): Change<Task> {
	const {tasks: next, changed} = replace(tasks, [task], now);
	return {tasks: next, result: changed[0] ?? task};
}

export function addTask(tasks: TaskTable, input: NewTaskInput, context: OpContext): Change<Task> {
	if (input.title.trim() === '') throw new UsageError('The title is empty; give the task a title.');
	const estimate = input.estimatedMinutes;
	if (estimate !== undefined && !(Number.isFinite(estimate) && estimate > 0)) {
		throw new UsageError(`--estimate ${estimate} is not a number of minutes above 0.`);
	}

	const dependencies = [...new Set(input.dependencies ?? [])];
	for (const dep of dependencies) {
		if (!tasks.has(dep)) {
			throw new UsageError(
				`--dep ${JSON.stringify(dep)}: there is no such task; \`jetpack-tui task list\` shows the ids.`,
			);
		}
	}

	const stamp = context.now.toISOString();
	const task = newTask({
		id: newTaskId((id) => tasks.has(id), context.random),
		title: input.title.trim(),
		description: input.description ?? '',
		priority: input.priority ?? 'medium',
		dependencies,
		requiredSkills: [...new Set(input.requiredSkills ?? [])],
		tags: [...new Set(input.tags ?? [])],
		...(estimate === undefined ? {} : {estimatedMinutes: estimate}),
		...(input.maxRetries === undefined ? {} : {maxRetries: input.maxRetries}),
		createdAt: stamp,
		updatedAt: stamp,
	});
	return replaceOne(tasks, task, context.now);
}

export interface RetryResult {
	readonly retried: readonly string[];
	/** Named tasks already runnable with no failure or backoff to reset: left as they are. */
	readonly nothingToRetry: readonly string[];
}

/** Failed (or waiting out a backoff) → runnable again, retries and backoff reset. */
export function retryTasks(
	tasks: TaskTable,
	ids: readonly string[] | 'failed',
	context: OpContext,
): Change<RetryResult> {
	const chosen =
		ids === 'failed'
			? [...tasks.values()].filter((t) => t.status === 'failed')
			: [...new Set(ids)].map((id) => requireTask(tasks, id));
	const changed: Task[] = [];
	const nothingToRetry: string[] = [];
	for (const task of chosen) {
		switch (task.status) {
			case 'failed': {
				break;
			}

			case 'pending':
			case 'ready': {
				if (
					task.retryCount === 0 &&
					task.nextAttemptAt === undefined &&
					task.failureType === undefined &&
					task.lastError === undefined
				) {
					nothingToRetry.push(task.id);
					continue;
				}

				break;
			}

			case 'blocked': {
				throw new UsageError(
					`${task.id} is blocked by hand (${task.blockers.join('; ') || 'no reason given'}); \`jetpack-tui task unblock ${task.id}\` first.`,
				);
			}

			case 'completed': {
				throw new UsageError(`${task.id} is completed; there is nothing to retry.`);
			}

			case 'claimed':
			case 'in_progress': {
				throw new UsageError(
					`${task.id} is being worked on right now; stop its agent first, or wait for the attempt to end.`,
				);
			}
		}

		const {failureType, lastError, nextAttemptAt, ...rest} = task;
		changed.push({...rest, status: 'pending', retryCount: 0, updatedAt: context.now.toISOString()});
	}

	const next = replace(tasks, changed, context.now);
	return {tasks: next.tasks, result: {retried: next.changed.map((t) => t.id), nothingToRetry}};
}

/** No run holds it any more, and no backoff applies. */
function release(task: Task): Task {
	const {claimedBy, nextAttemptAt, ...rest} = task;
	return rest;
}

/** The longest note or learning, in characters: a finding, not a report. */
export const maxNoteChars = 2000;
/** Notes a task keeps; an older one is dropped when a new one comes past this. */
export const maxNotesKept = 20;

/**
 * A note (or a learning) as given, trimmed, or a sentence saying what is wrong with it. `flag` is
 * how it was given: `--note`, `learn`.
 */
export function checkedNote(text: string, flag: string): string {
	const note = text.trim();
	if (note === '') throw new UsageError(`${flag} is empty; say what the next task should know.`);
	if (note.length > maxNoteChars) {
		throw new UsageError(
			`${flag} is ${note.length} characters; keep it under ${maxNoteChars} (the details belong in the repository or a commit message).`,
		);
	}

	return note;
}

function withNote(task: Task, note: string | undefined): Task {
	if (note === undefined) return task;
	return {...task, notes: [...task.notes, note].slice(-maxNotesKept)};
}

/** Appends a note to a task, whatever its status: what was learned stays true. */
export function addNote(
	tasks: TaskTable,
	id: string,
	text: string,
	context: OpContext,
): Change<Task> {
	const note = checkedNote(text, '--note');
	const current = requireTask(tasks, id);
	return replaceOne(
		tasks,
		{...withNote(current, note), updatedAt: context.now.toISOString()},
		context.now,
	);
}

export interface DoneResult {
	readonly task: Task;
	/** Dependencies not completed: done by hand anyway, which a person may want to hear. */
	readonly unmetDependencies: readonly string[];
}

/** `note`: what was learned, appended to the task's notes (PRODUCT.md §16). */
export function markDone(
	tasks: TaskTable,
	id: string,
	context: OpContext,
	note?: string,
): Change<DoneResult> {
	const stamp = context.now.toISOString();
	const checked = note === undefined ? undefined : checkedNote(note, '--note');
	const {blockers, failureType, lastError, ...rest} = release(
		withNote(requireTask(tasks, id), checked),
	);
	const task: Task = {
		...rest,
		blockers: [],
		status: 'completed',
		completedAt: stamp,
		updatedAt: stamp,
	};
	const unmetDependencies = task.dependencies.filter(
		(dep) => tasks.get(dep)?.status !== 'completed',
	);
	const {tasks: next, result} = replaceOne(tasks, task, context.now);
	return {tasks: next, result: {task: result, unmetDependencies}};
}

/**
 * An agent working in its own worktree says its task is done (`task done` from the attempt's
 * environment): the attempt is marked as reported, and the run treats it as the agent's success —
 * gates, commit, merge — before the task is completed, so its dependents start from merged work
 * (PRODUCT.md §12). Undefined when that attempt is not the task's open one (then it is done by
 * hand, as any `task done`).
 */
export function reportDone(
	tasks: TaskTable,
	id: string,
	attempt: number,
	context: OpContext,
	note?: string,
): Change<Task | undefined> {
	const checked = note === undefined ? undefined : checkedNote(note, '--note');
	const task = requireTask(tasks, id);
	const open = task.attempts.at(-1);
	if (task.status !== 'in_progress' || open?.n !== attempt || open.endedAt !== undefined)
		return {tasks, result: undefined};
	const next: Task = {
		...withNote(task, checked),
		attempts: task.attempts.map((a) => (a.n === attempt ? copyWith(a, {reported: 'done'}) : a)),
		updatedAt: context.now.toISOString(),
	};
	return {tasks: new Map(tasks).set(id, next), result: next};
}

export function markFailed(
	tasks: TaskTable,
	id: string,
	reason: string | undefined,
	context: OpContext,
): Change<Task> {
	const current = requireTask(tasks, id);
	const {blockers, completedAt, ...rest} = release(current);
	const task: Task = {
		...rest,
		blockers: [],
		status: 'failed',
		failureType: current.failureType ?? 'error',
		lastError: reason ?? current.lastError ?? 'marked failed by hand',
		updatedAt: context.now.toISOString(),
	};
	return replaceOne(tasks, task, context.now);
}

export function blockTask(
	tasks: TaskTable,
	id: string,
	reason: string,
	context: OpContext,
): Change<Task> {
	const why = reason.trim();
	if (why === '') throw new UsageError('--reason is empty; say why the task is blocked.');
	const current = requireTask(tasks, id);
	if (current.status === 'completed') {
		throw new UsageError(`${current.id} is completed; there is nothing to hold back.`);
	}

	const blockers = current.blockers.includes(why) ? current.blockers : [...current.blockers, why];
	const task: Task = {
		...release(current),
		status: 'blocked',
		blockers,
		updatedAt: context.now.toISOString(),
	};
	return replaceOne(tasks, task, context.now);
}

export function unblockTask(tasks: TaskTable, id: string, context: OpContext): Change<Task> {
	const current = requireTask(tasks, id);
	if (current.status !== 'blocked' && current.blockers.length === 0)
		return {tasks, result: current};
	const task: Task = {
		...current,
		status: current.status === 'blocked' ? 'pending' : current.status,
		blockers: [],
		updatedAt: context.now.toISOString(),
	};
	return replaceOne(tasks, task, context.now);
}

/**
 * The next priority up, wrapping from critical to low: the TUI's `p` is mostly used to say "this
 * matters more", and one press past critical gives a way back down.
 */
export function nextPriority(priority: Priority): Priority {
	const index = priorities.indexOf(priority);
	return priorities[(index + priorities.length - 1) % priorities.length] ?? 'medium';
}

export function setPriority(
	tasks: TaskTable,
	id: string,
	priority: Priority,
	context: OpContext,
): Change<Task> {
	const current = requireTask(tasks, id);
	if (current.priority === priority) return {tasks, result: current};
	const task: Task = {...current, priority, updatedAt: context.now.toISOString()};
	return replaceOne(tasks, task, context.now);
}

export interface TaskEdit {
	readonly title?: string;
	readonly description?: string;
}

/** A new title (trimmed, not empty) and/or description; nothing else about the task moves. */
export function editTask(
	tasks: TaskTable,
	id: string,
	edit: TaskEdit,
	context: OpContext,
): Change<Task> {
	const current = requireTask(tasks, id);
	const title = edit.title?.trim() ?? current.title;
	if (title === '') throw new UsageError('The title is empty; give the task a title.');
	const description = edit.description ?? current.description;
	if (title === current.title && description === current.description)
		return {tasks, result: current};
	const task: Task = {...current, title, description, updatedAt: context.now.toISOString()};
	return replaceOne(tasks, task, context.now);
}
