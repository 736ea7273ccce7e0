import {describe, expect, it} from 'vitest';
import {
	checkTask,
	newTask,
	settleStatuses,
	taskToJson,
	taskToJsonLine,
	type Task,
} from '../../source/core/task.js';

const base = {id: 'bd-a1b2', title: 'Write the schema'};

describe('checkTask', () => {
	it('fills every default silently', () => {
		const result = checkTask(base);
		expect(result).toEqual({
			ok: true,
			task: newTask(base),
		});
		expect(taskToJson(newTask(base))).toEqual({
			...base,
			description: '',
			status: 'pending',
			priority: 'medium',
			dependencies: [],
			blockers: [],
			requiredSkills: [],
			tags: [],
			estimatedMinutes: 30,
			retryCount: 0,
			attempts: [],
		});
	});

	it('treats null as missing', () => {
		const result = checkTask({
			...base,
			blockers: null,
			dependencies: null,
			lastError: null,
			priority: null,
		});
		expect(result.ok && result.task.blockers).toEqual([]);
		expect(result.ok && result.task.priority).toBe('medium');
		expect(result.ok && 'lastError' in taskToJson(result.task)).toBe(false);
	});

	it.each([
		[0, 'critical'],
		[1, 'high'],
		[2, 'medium'],
		[3, 'low'],
		[4, 'low'],
	])('reads priority %s as %s', (number, name) => {
		const result = checkTask({...base, priority: number});
		expect(result.ok && result.task.priority).toBe(name);
	});

	const rejected: Array<[string, Record<string, unknown>, string, RegExp]> = [
		['a missing id', {title: 't'}, 'id', /is required/],
		['an id with a slash', {...base, id: 'a/b'}, 'id', /letters, digits/],
		[
			'an id that climbs out of a folder',
			{...base, id: '../x'},
			'id',
			/starting with a letter or digit/,
		],
		['an id of 65 characters', {...base, id: 'a'.repeat(65)}, 'id', /1-64/],
		['a numeric id', {...base, id: 7}, 'id', /got 7/],
		['a missing title', {id: 'x'}, 'title', /is required/],
		['a blank title', {...base, title: '   '}, 'title', /non-empty string/],
		['a number as description', {...base, description: 3}, 'description', /must be a string/],
		['an unknown status', {...base, status: 'done'}, 'status', /one of pending, ready/],
		['an unknown priority', {...base, priority: 'urgent'}, 'priority', /got "urgent"/],
		['priority 5', {...base, priority: 5}, 'priority', /0-4/],
		[
			'dependencies as a string',
			{...base, dependencies: 'bd-x'},
			'dependencies',
			/list of task ids/,
		],
		['an empty dependency id', {...base, dependencies: ['']}, 'dependencies', /list of task ids/],
		['blockers with a number', {...base, blockers: [1]}, 'blockers', /list/],
		[
			'requiredSkills as an object',
			{...base, requiredSkills: {}},
			'requiredSkills',
			/got an object/,
		],
		['tags as a string', {...base, tags: 'ui'}, 'tags', /list/],
		['a zero estimate', {...base, estimatedMinutes: 0}, 'estimatedMinutes', /above 0/],
		['an estimate in text', {...base, estimatedMinutes: '30'}, 'estimatedMinutes', /above 0/],
		['a negative retry count', {...base, retryCount: -1}, 'retryCount', /whole number/],
		['fractional maxRetries', {...base, maxRetries: 1.5}, 'maxRetries', /whole number/],
		[
			'an unknown failure type',
			{...base, failureType: 'crash'},
			'failureType',
			/one of error, timeout/,
		],
		[
			'a claim without pid',
			{...base, claimedBy: {runId: 'r', host: 'h'}},
			'claimedBy',
			/runId, pid, host/,
		],
		['attempts as an object', {...base, attempts: {}}, 'attempts', /must be a list/],
		[
			'an attempt without agent',
			{...base, attempts: [{n: 1, startedAt: '2026-01-01T00:00:00Z'}]},
			'attempts[0]',
			/n, agent and startedAt/,
		],
		['links of strings', {...base, links: ['bd-x']}, 'links', /\{type, id\}/],
		['metadata as a list', {...base, metadata: []}, 'metadata', /must be an object/],
		['a date that is not a date', {...base, createdAt: 'yesterday'}, 'createdAt', /ISO-8601/],
		['a date Date.parse would take', {...base, createdAt: 'March 7'}, 'createdAt', /ISO-8601/],
		['a bare number as a date', {...base, completedAt: '1'}, 'completedAt', /ISO-8601/],
		[
			'a dependency that is not an id',
			{...base, dependencies: ['../x']},
			'dependencies',
			/list of task ids/,
		],
		['a parent that is not an id', {...base, parentId: 'a b'}, 'parentId', /task id/],
		['a number as lastError', {...base, lastError: 1}, 'lastError', /string/],
	];

	it.each(rejected)('rejects %s, naming the field', (_name, value, field, message) => {
		const result = checkTask(value);
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.problems.map((p) => p.field)).toContain(field);
		expect(result.problems.find((p) => p.field === field)?.message).toMatch(message);
	});

	it('rejects what is not an object', () => {
		expect(checkTask([1, 2])).toEqual({
			ok: false,
			problems: [
				{
					field: '(line)',
					message:
						'is a list, not a task; each line is one task written as a JSON object, like {"id": "bd-a1b2", "title": "Write the API"}',
				},
			],
		});
	});

	it.each([
		'2026-11-23',
		'2026-11-23T10:00:00Z',
		'2026-11-23T10:00:00.123+01:00',
		'2025-11-02T21:58:07.295058-08:00',
	])('accepts the timestamp %s', (createdAt) => {
		expect(checkTask({...base, createdAt}).ok).toBe(true);
	});

	it('keeps an unknown field named __proto__ as a field', () => {
		const result = checkTask(JSON.parse('{"id":"a","title":"t","__proto__":{"x":1}}'));
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(taskToJsonLine(result.task)).toContain('"__proto__":{"x":1}');
	});

	it('accepts ids with dots, underscores and dashes', () => {
		expect(checkTask({...base, id: 'bd-x.1_b-2'}).ok).toBe(true);
	});

	it('keeps unknown fields in their order after the known ones', () => {
		const value = {zeta: 1, id: 'bd-a', alpha: {deep: [null]}, title: 't'};
		const result = checkTask(value);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const written = taskToJsonLine(result.task);
		expect(Object.keys(JSON.parse(written) as object).slice(-2)).toEqual(['zeta', 'alpha']);
		expect(JSON.parse(written)).toMatchObject({zeta: 1, alpha: {deep: [null]}});
	});
});

describe('settleStatuses', () => {
	const now = new Date('2026-11-23T12:00:00Z');
	const table = (...tasks: Task[]) => new Map(tasks.map((t) => [t.id, t]));

	it('keeps pending and ready in step with dependencies, blockers and backoff', () => {
		const settled = settleStatuses(
			table(
				newTask({id: 'done', title: 't', status: 'completed'}),
				newTask({id: 'open', title: 't'}),
				newTask({id: 'a', title: 't', dependencies: ['done']}),
				newTask({id: 'b', title: 't', status: 'ready', dependencies: ['open']}),
				newTask({id: 'c', title: 't', blockers: ['waiting for design']}),
				newTask({id: 'd', title: 't', nextAttemptAt: '2026-11-23T12:05:00Z'}),
				newTask({id: 'e', title: 't', nextAttemptAt: '2026-11-23T11:55:00Z'}),
				newTask({id: 'f', title: 't', dependencies: ['missing']}),
				newTask({id: 'g', title: 't', status: 'failed'}),
			),
			now,
		);
		const status = (id: string) => settled.get(id)?.status;
		expect(['done', 'open', 'a', 'b', 'c', 'd', 'e', 'f', 'g'].map(status)).toEqual([
			'completed',
			'ready',
			'ready',
			'pending',
			'pending',
			'pending',
			'ready',
			'pending',
			'failed',
		]);
	});

	it('returns the same table when nothing changes', () => {
		const same = table(newTask({id: 'a', title: 't', status: 'ready'}));
		expect(settleStatuses(same, now)).toBe(same);
	});
});
