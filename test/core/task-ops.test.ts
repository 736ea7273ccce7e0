import {describe, expect, it} from 'vitest';
import {UsageError} from '../../source/core/errors.js';
import {
	addNote,
	addTask,
	blockTask,
	maxNoteChars,
	maxNotesKept,
	markDone,
	markFailed,
	newTaskId,
	parsePriority,
	reportDone,
	retryTasks,
	unblockTask,
} from '../../source/core/task-ops.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';
import {seededRandom} from '../helpers/in-memory-repository.js';

const context = {now: new Date('2026-11-23T10:00:00Z'), random: seededRandom(7)};
const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));
const task = (id: string, fields: Partial<Task> = {}) =>
	newTask({id, title: `task ${id}`, ...fields});

describe('task ops', () => {
	it('adds a task that is ready when its dependencies are done, pending otherwise', () => {
		const tasks = table(task('done', {status: 'completed'}), task('open'));
		expect(addTask(tasks, {title: 'a', dependencies: ['done']}, context).result.status).toBe(
			'ready',
		);
		expect(addTask(tasks, {title: 'b', dependencies: ['open']}, context).result.status).toBe(
			'pending',
		);
	});

	it.each([
		[{title: '  '}, /title is empty/],
		[{title: 'x', dependencies: ['nope']}, /--dep "nope": there is no such task/],
		[{title: 'x', estimatedMinutes: 0}, /--estimate 0 is not a number of minutes above 0/],
	])('rejects %j', (input, message) => {
		expect(() => addTask(new Map(), input, context)).toThrow(message);
	});

	it('makes new ids of bd- and four base-36 characters, longer when they keep colliding', () => {
		expect(newTaskId(() => false, seededRandom(1))).toMatch(/^bd-[\da-z]{4}$/);
		let calls = 0;
		expect(newTaskId(() => ++calls <= 10, seededRandom(1))).toMatch(/^bd-[\da-z]{5}$/);
	});

	it('reads priorities by name or number', () => {
		expect(['critical', 'HIGH', '0', '4'].map((p) => parsePriority(p, '-p'))).toEqual([
			'critical',
			'high',
			'critical',
			'low',
		]);
		expect(() => parsePriority('urgent', '-p')).toThrow(UsageError);
	});

	it('done clears what belonged to the failure and the hold, and says which dependencies were not met', () => {
		const tasks = table(
			task('dep'),
			task('a', {
				dependencies: ['dep'],
				status: 'failed',
				failureType: 'timeout',
				lastError: 'slow',
				blockers: ['x'],
				nextAttemptAt: '2026-11-23T11:00:00Z',
			}),
		);
		const {result} = markDone(tasks, 'a', context);
		expect(result.unmetDependencies).toEqual(['dep']);
		expect(result.task).toMatchObject({
			status: 'completed',
			blockers: [],
			completedAt: '2026-11-23T10:00:00.000Z',
		});
		expect(result.task).not.toHaveProperty('failureType');
		expect(result.task).not.toHaveProperty('lastError');
		expect(result.task).not.toHaveProperty('nextAttemptAt');
	});

	it('fail clears blockers, the claim and completedAt', () => {
		const tasks = table(
			task('a', {
				status: 'blocked',
				blockers: ['hold'],
				claimedBy: {runId: 'r', pid: 1, host: 'h'},
				completedAt: '2026-01-01T00:00:00Z',
			}),
		);
		const {result} = markFailed(tasks, 'a', 'tests red', context);
		expect(result).toMatchObject({
			status: 'failed',
			blockers: [],
			lastError: 'tests red',
			failureType: 'error',
		});
		expect(result).not.toHaveProperty('claimedBy');
		expect(result).not.toHaveProperty('completedAt');
	});

	it('blocks with a reason once, refuses a completed task, and unblocks back to runnable', () => {
		const tasks = table(task('a'), task('b', {status: 'completed'}));
		const blocked = blockTask(
			blockTask(tasks, 'a', 'waiting', context).tasks,
			'a',
			' waiting ',
			context,
		);
		expect(blocked.result).toMatchObject({status: 'blocked', blockers: ['waiting']});
		expect(() => blockTask(tasks, 'b', 'x', context)).toThrow(
			/b is completed; there is nothing to hold back/,
		);
		expect(() => blockTask(tasks, 'a', '  ', context)).toThrow(/--reason is empty/);
		expect(unblockTask(blocked.tasks, 'a', context).result).toMatchObject({
			status: 'ready',
			blockers: [],
		});
	});

	it('retries failed tasks with retries and backoff reset, and refuses the others with the reason', () => {
		const tasks = table(
			task('f', {
				status: 'failed',
				retryCount: 2,
				failureType: 'error',
				lastError: 'boom',
				nextAttemptAt: '2026-11-23T11:00:00Z',
			}),
			task('c', {status: 'completed'}),
			task('b', {status: 'blocked', blockers: ['design']}),
			task('w', {status: 'in_progress'}),
		);
		const {result, tasks: next} = retryTasks(tasks, ['f', 'f'], context);
		expect(result.retried).toEqual(['f']);
		expect(next.get('f')).toMatchObject({status: 'ready', retryCount: 0});
		expect(next.get('f')).not.toHaveProperty('lastError');
		expect(retryTasks(tasks, 'failed', context).result.retried).toEqual(['f']);
		expect(() => retryTasks(tasks, ['c'], context)).toThrow(/c is completed/);
		expect(() => retryTasks(tasks, ['b'], context)).toThrow(
			/b is blocked by hand \(design\); `jetpack-tui task unblock b` first/,
		);
		expect(() => retryTasks(tasks, ['w'], context)).toThrow(/being worked on/);
		expect(() => retryTasks(tasks, ['zz'], context)).toThrow(/There is no task "zz"/);
	});

	it('leaves a runnable task with nothing to retry as it is, and says so', () => {
		const tasks = table(
			task('r', {status: 'ready'}),
			task('p', {status: 'pending'}),
			task('waits', {status: 'ready', retryCount: 1, nextAttemptAt: '2026-11-23T11:00:00Z'}),
		);
		const {result, tasks: next} = retryTasks(tasks, ['r', 'p', 'waits'], context);
		expect(result).toEqual({retried: ['waits'], nothingToRetry: ['r', 'p']});
		expect(next.get('r')).toBe(tasks.get('r'));
		expect(next.get('waits')).toMatchObject({retryCount: 0});
	});
});

describe('reportDone', () => {
	const running = newTask({
		id: 'bd-r',
		title: 'r',
		status: 'in_progress',
		attempts: [{n: 1, agent: 'a-1', startedAt: '2026-11-29T11:00:00.000Z'}],
	});
	const tasks = new Map([[running.id, running]]);

	it('marks the open attempt as reported done and leaves the task to its run', () => {
		const {result} = reportDone(tasks, 'bd-r', 1, context);
		expect(result?.status).toBe('in_progress');
		expect(result?.attempts[0]).toMatchObject({n: 1, reported: 'done'});
	});

	it.each([
		['another attempt', tasks, 2],
		[
			'a task no longer running',
			new Map([[running.id, {...running, status: 'completed' as const}]]),
			1,
		],
	])('changes nothing for %s', (_name, before, attempt) => {
		expect(reportDone(before, 'bd-r', attempt, context)).toEqual({
			tasks: before,
			result: undefined,
		});
	});
});

describe('notes', () => {
	it('done with a note appends it, trimmed, to what the task learned before', () => {
		const before = table(task('a', {notes: ['first']}));
		const {result} = markDone(before, 'a', context, '  the API wants X-Key  ');
		expect(result.task).toMatchObject({
			status: 'completed',
			notes: ['first', 'the API wants X-Key'],
		});
	});

	it('reported done by its agent keeps the note too', () => {
		const running = task('r', {
			status: 'in_progress',
			attempts: [{n: 1, agent: 'a-1', startedAt: '2026-11-29T11:00:00.000Z'}],
		});
		expect(reportDone(table(running), 'r', 1, context, 'port 5433').result?.notes).toEqual([
			'port 5433',
		]);
	});

	it('keeps the newest notes only, whatever the status', () => {
		let tasks = table(task('a', {status: 'failed'}));
		for (let n = 1; n <= maxNotesKept + 2; n++)
			tasks = addNote(tasks, 'a', `note ${n}`, context).tasks;
		const {notes, status, updatedAt} = tasks.get('a') as Task;
		expect(notes).toHaveLength(maxNotesKept);
		expect(notes[0]).toBe('note 3');
		expect(notes.at(-1)).toBe(`note ${maxNotesKept + 2}`);
		expect({status, updatedAt}).toEqual({status: 'failed', updatedAt: context.now.toISOString()});
	});

	it.each([
		['empty', '  ', '--note is empty; say what the next task should know.'],
		[
			'too long',
			'x'.repeat(maxNoteChars + 1),
			`--note is ${maxNoteChars + 1} characters; keep it under ${maxNoteChars} (the details belong in the repository or a commit message).`,
		],
	])('refuses a note that is %s, in one sentence, changing nothing', (_name, note, message) => {
		const before = table(task('a'));
		expect(() => markDone(before, 'a', context, note)).toThrow(new UsageError(message));
		expect(() => addNote(before, 'a', note, context)).toThrow(new UsageError(message));
	});
});
