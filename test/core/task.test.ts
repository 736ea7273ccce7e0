import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	checkFieldByField,
	checkTask,
	failureTypes,
	maxNesting,
	newTask,
	priorities,
	taskStatuses,
	taskTypes,
	wellFormedTask,
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
		['a note as one string', {...base, notes: 'learned'}, 'notes', /non-empty strings/],
		['an empty note', {...base, notes: ['']}, 'notes', /non-empty strings/],
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

/** Values deeper than `maxNesting`, which either path must refuse. */
function nested(depth: number): unknown {
	let value: unknown = 1;
	for (let i = 0; i < depth; i++) value = {deeper: value};
	return value;
}

const timestamp = '2026-11-23T10:00:00Z';
const attempt = {n: 1, agent: 'claude', startedAt: timestamp, exitCode: 0};
const claim = {runId: 'r1', pid: 42, host: 'box'};

/** One field: mostly well formed (so that whole tasks often are), sometimes null or wrong. */
const field = (good: readonly unknown[], bad: readonly unknown[]) =>
	fc.oneof(
		{arbitrary: fc.constantFrom(...good), weight: 20},
		{arbitrary: fc.constantFrom(null, ...bad), weight: 1},
	);

/**
 * Task-like values: each field absent, well formed, null, or wrong in one of the ways that matter
 * (the wrong type, a value just outside the rule, a list or free-form value nested too deep), with
 * the keys in any order, as a hand-edited line may have them.
 */
const taskLike = fc
	.record(
		{
			id: field(['bd-a1', 'a.b_c-2'], ['../x', '', 7]),
			title: field(['Write it'], ['   ', '', 3]),
			description: field(['', 'why'], [4]),
			status: field(taskStatuses, ['done', 1]),
			type: field(taskTypes, ['story', 1]),
			priority: field(priorities, [0, 4, 5, 'urgent']),
			dependencies: field([[], ['bd-a1', 'bd-b2']], [['../x'], [1], 'bd-x']),
			blockers: field([[], ['held']], [[''], 'held']),
			requiredSkills: field([[], ['go']], [[''], {}]),
			tags: field([[], ['ui', 'db']], [[2]]),
			estimatedMinutes: field([1, 0.5, 90], [0, -1, Number.POSITIVE_INFINITY, '30']),
			retryCount: field([0, 2], [-1, 1.5]),
			maxRetries: field([0, 3], [-1, 1.5, '3']),
			lastError: field(['boom'], [1]),
			failureType: field(failureTypes, ['crash']),
			assignedAgent: field(['claude'], [0]),
			claimedBy: field([claim], [{runId: 'r1', host: 'box'}, 'r1']),
			attempts: field(
				[[], [attempt], [attempt, {...attempt, n: 2, usage: {tokens: 9}}]],
				[[{...attempt, usage: nested(maxNesting)}], [{n: 1, agent: 'claude'}], {}],
			),
			notes: field([[], ['port 5433'], ['a', 'b\nc']], [[''], 'a note', [3]]),
			parentId: field(['bd-a1'], ['a b']),
			links: field(
				[[], [{type: 'blocks', id: 'bd-a1'}], [{type: 'blocks', id: 'bd-a1', note: {why: 'x'}}]],
				[[{type: 'blocks', id: 'bd-a1', note: nested(maxNesting)}], ['bd-a1']],
			),
			metadata: field(
				[{a: 1}, {a: {b: [1]}}, nested(maxNesting)],
				[nested(maxNesting + 1), [], 'x'],
			),
			createdAt: field([timestamp, '2026-11-23'], ['March 7', 1]),
			completedAt: field([timestamp], ['yesterday']),
			nextAttemptAt: field([timestamp], []),
			zeta: field([1, {deep: [null]}], [nested(maxNesting + 1)]),
		},
		{requiredKeys: []},
	)
	.chain((value) =>
		fc.shuffledSubarray(Object.entries(value), {minLength: Object.keys(value).length}),
	)
	.map((entries) => Object.fromEntries(entries));

describe('checkTask on the well-formed path', () => {
	it('answers exactly as the field-by-field check does, for any value', () => {
		fc.assert(
			fc.property(taskLike, (value) => {
				const fast = checkTask(value);
				const slow = checkFieldByField(value);
				expect(fast).toStrictEqual(slow);
				// One shape for every task: the same fields, in the same order.
				if (fast.ok && slow.ok) expect(Object.keys(fast.task)).toEqual(Object.keys(slow.task));
			}),
			{numRuns: 2000},
		);
	});

	it('takes every line this program writes, with no field-by-field reading', () => {
		fc.assert(
			fc.property(taskLike, (value) => {
				const checked = checkFieldByField(value);
				if (!checked.ok) return;
				const line = JSON.parse(taskToJsonLine(checked.task)) as Record<string, unknown>;
				expect(wellFormedTask(line)).toStrictEqual(checked.task);
			}),
			{numRuns: 2000},
		);
	});

	it('leaves lines with problems to the field-by-field check, which names them', () => {
		const line = JSON.parse(
			taskToJsonLine(newTask({id: 'bd-a1', title: 'Write it', tags: ['ui']})),
		) as Record<string, unknown>;
		expect(wellFormedTask(line)).toBeDefined();
		expect(wellFormedTask({...line, tags: ['']})).toBeUndefined();
		expect(checkTask({...line, tags: ['']})).toEqual({
			ok: false,
			problems: [{field: 'tags', message: 'must be a list of non-empty strings (got a list)'}],
		});
	});
});

describe('type', () => {
	it('reads epic, writes it only for an epic, and names an unknown value', () => {
		const epic = checkTask({...base, type: 'epic'});
		expect(epic.ok && epic.task.type).toBe('epic');
		expect(epic.ok && taskToJson(epic.task)['type']).toBe('epic');
		const task = checkTask({...base, type: 'task'});
		expect(task.ok && 'type' in taskToJson(task.task)).toBe(false);
		expect(checkTask({...base, type: 'story'})).toEqual({
			ok: false,
			problems: [{field: 'type', message: 'must be one of task, epic (got "story")'}],
		});
	});
});

describe('notes', () => {
	it('reads them, defaults to none, and writes them after the attempts only when there are some', () => {
		const none = checkTask(base);
		expect(none.ok && none.task.notes).toEqual([]);
		expect(none.ok && 'notes' in taskToJson(none.task)).toBe(false);
		const some = checkTask({...base, notes: ['port 5433', 'two\nlines']});
		expect(some.ok && some.task.notes).toEqual(['port 5433', 'two\nlines']);
		const line = some.ok ? taskToJsonLine(some.task) : '';
		expect(line).toContain('"attempts":[],"notes":["port 5433","two\\nlines"]');
	});
});

describe('settleStatuses with epics', () => {
	const now = new Date('2026-11-23T12:00:00Z');
	const epic = (id: string, status: Task['status'] = 'pending') =>
		newTask({id, title: id, type: 'epic', status});
	const child = (id: string, parentId: string, status: Task['status'] = 'pending') =>
		newTask({id, title: id, parentId, status});
	const settled = (tasks: Task[]) =>
		Object.fromEntries(
			[...settleStatuses(new Map(tasks.map((t) => [t.id, t])), now).values()].map((t) => [
				t.id,
				t.status,
			]),
		);

	it.each([
		{
			name: 'an epic with open children is pending, never ready',
			tasks: [epic('e', 'ready'), child('a', 'e', 'completed'), child('b', 'e')],
			want: {e: 'pending', a: 'completed', b: 'ready'},
		},
		{
			name: 'an epic whose children are all completed is completed',
			tasks: [epic('e'), child('a', 'e', 'completed'), child('b', 'e', 'completed')],
			want: {e: 'completed', a: 'completed', b: 'completed'},
		},
		{
			name: 'a completed epic goes back to pending when a child is reopened',
			tasks: [epic('e', 'completed'), child('a', 'e', 'completed'), child('b', 'e', 'failed')],
			want: {e: 'pending', a: 'completed', b: 'failed'},
		},
		{
			name: 'an epic with no children is never done by itself',
			tasks: [epic('e')],
			want: {e: 'pending'},
		},
		{
			name: 'an epic with no children keeps completed when it had it (closed in beads)',
			tasks: [epic('e', 'completed')],
			want: {e: 'completed'},
		},
		{
			name: 'a blocked epic stays blocked',
			tasks: [epic('e', 'blocked'), child('a', 'e', 'completed')],
			want: {e: 'blocked', a: 'completed'},
		},
		{
			name: 'nested epics complete from the bottom up in one write',
			tasks: [
				epic('top'),
				{...epic('mid'), parentId: 'top'},
				child('a', 'mid', 'completed'),
				child('b', 'top', 'completed'),
			],
			want: {top: 'completed', mid: 'completed', a: 'completed', b: 'completed'},
		},
		{
			name: 'a task waiting on an epic is ready in the write that completes the epic',
			tasks: [
				epic('e'),
				child('a', 'e', 'completed'),
				newTask({id: 'next', title: 'next', dependencies: ['e']}),
			],
			want: {e: 'completed', a: 'completed', next: 'ready'},
		},
		{
			name: 'a task waiting on an open epic waits',
			tasks: [
				epic('e'),
				child('a', 'e'),
				newTask({id: 'next', title: 'next', dependencies: ['e']}),
			],
			want: {e: 'pending', a: 'ready', next: 'pending'},
		},
		{
			name: 'epics whose parentIds form a cycle are not done',
			tasks: [
				{...epic('x'), parentId: 'y'},
				{...epic('y', 'completed'), parentId: 'x'},
			],
			want: {x: 'pending', y: 'pending'},
		},
	])('$name', ({tasks, want}) => {
		expect(settled(tasks)).toEqual(want);
	});
});
