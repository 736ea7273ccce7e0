import {describe, expect, it} from 'vitest';
import {UsageError} from '../../source/core/errors.js';
import {editTask, nextPriority, setPriority} from '../../source/core/task-ops.js';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';
import {seededRandom} from '../helpers/in-memory-repository.js';

const context = {now: new Date('2026-11-23T10:00:00Z'), random: seededRandom(7)};
const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));
const task = (id: string, fields: Partial<Task> = {}) =>
	newTask({id, title: `task ${id}`, ...fields});

describe('task ops for the TUI', () => {
	it('cycles priorities upwards and wraps from critical to low', () => {
		expect(
			['low', 'medium', 'high', 'critical'].map((p) => nextPriority(p as Task['priority'])),
		).toEqual(['medium', 'high', 'critical', 'low']);
	});

	it('sets a priority and stamps the change, keeping everything else', () => {
		const tasks = table(task('a', {status: 'failed', lastError: 'boom', tags: ['api']}));
		const {tasks: next, result} = setPriority(tasks, 'a', 'critical', context);
		expect(result).toMatchObject({
			priority: 'critical',
			status: 'failed',
			lastError: 'boom',
			tags: ['api'],
			updatedAt: '2026-11-23T10:00:00.000Z',
		});
		expect(next.get('a')).toBe(result);
	});

	it('leaves the table as it is when the priority does not change', () => {
		const tasks = table(task('a', {priority: 'high'}));
		expect(setPriority(tasks, 'a', 'high', context).tasks).toBe(tasks);
	});

	it('edits the title (trimmed) and the description', () => {
		const tasks = table(task('a', {description: 'old'}));
		const {result} = editTask(tasks, 'a', {title: '  New title ', description: 'new'}, context);
		expect(result).toMatchObject({title: 'New title', description: 'new'});
		expect(editTask(tasks, 'a', {description: 'only'}, context).result).toMatchObject({
			title: 'task a',
			description: 'only',
		});
	});

	it.each([
		['an unknown id', () => setPriority(new Map(), 'nope', 'low', context), /no task "nope"/],
		['an unknown id', () => editTask(new Map(), 'nope', {title: 'x'}, context), /no task "nope"/],
		[
			'an empty title',
			() => editTask(table(task('a')), 'a', {title: '   '}, context),
			/title is empty/,
		],
	])('rejects %s with a UsageError', (_what, op, message) => {
		expect(op).toThrow(UsageError);
		expect(op).toThrow(message);
	});

	it('settles the status the way the store writes it', () => {
		const tasks = table(task('dep', {status: 'completed'}), task('a', {dependencies: ['dep']}));
		expect(setPriority(tasks, 'a', 'low', context).result.status).toBe('ready');
	});
});
