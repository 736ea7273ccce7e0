import {describe, expect, it} from 'vitest';
import {buildGraph} from '../../source/core/graph.js';
import {newTask, type Attempt, type Task, type TaskTable} from '../../source/core/task.js';
import {
	agentColumnWidth,
	cell,
	completeId,
	costColumnWidth,
	costText,
	errorColumnMinWidth,
	filterTasks,
	fitColumns,
	idColumnWidth,
	matchesFilter,
	nextSort,
	parseFilter,
	parseIdList,
	sortTasks,
	taskCost,
	windowTop,
	type Columns,
} from '../../source/ui/task-table.js';

const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));
const task = (id: string, fields: Partial<Task> = {}) =>
	newTask({id, title: `task ${id}`, ...fields});
const ids = (tasks: readonly Task[]) => tasks.map((t) => t.id);

const tasks = table(
	task('bd-1', {
		status: 'failed',
		priority: 'low',
		tags: ['api'],
		title: 'Login endpoint',
		lastError: 'exit 1',
		createdAt: '2026-01-03T00:00:00Z',
	}),
	task('bd-2', {
		status: 'in_progress',
		priority: 'high',
		description: 'Wire the SCHEMA',
		createdAt: '2026-01-01T00:00:00Z',
	}),
	task('bd-3', {status: 'ready', priority: 'critical', tags: ['UI']}),
	task('bd-4', {status: 'completed', priority: 'high', createdAt: '2026-01-02T00:00:00Z'}),
	task('bd-5', {status: 'blocked', priority: 'medium', blockers: ['waiting for keys']}),
	task('bd-6', {status: 'pending', priority: 'medium', dependencies: ['bd-1']}),
	task('bd-7', {status: 'failed', priority: 'critical', assignedAgent: 'codex-2'}),
);
const agents = new Map([['bd-2', 'claude-1']]);

/** An ended attempt with `usage` as the store keeps it (anything, when edited by hand). */
const spent = (n: number, usage: unknown): Attempt => ({
	n,
	agent: 'claude-1',
	startedAt: '2026-11-23T08:00:00Z',
	endedAt: '2026-11-23T08:05:00Z',
	exitCode: 0,
	usage,
});

describe('parseFilter', () => {
	it.each([
		['', ['bd-1', 'bd-2', 'bd-3', 'bd-4', 'bd-5', 'bd-6', 'bd-7']],
		['status:failed', ['bd-1', 'bd-7']],
		['is:failed', ['bd-1', 'bd-7']],
		['STATUS:Failed', ['bd-1', 'bd-7']],
		['status:running', ['bd-2']],
		['status:done', ['bd-4']],
		['tag:api', ['bd-1']],
		['tag:ui', ['bd-3']],
		['agent:claude-1', ['bd-2']],
		['agent:claude', ['bd-2']],
		['agent:codex', ['bd-7']],
		['priority:high', ['bd-2', 'bd-4']],
		['priority:0', ['bd-3', 'bd-7']],
		['id:bd-1', ['bd-1']],
		['login', ['bd-1']],
		['schema', ['bd-2']],
		['BD-5', ['bd-5']],
		['status:failed priority:critical', ['bd-7']],
		['status:failed tag:api login', ['bd-1']],
		['status:', ['bd-1', 'bd-2', 'bd-3', 'bd-4', 'bd-5', 'bd-6', 'bd-7']],
		['fix:typo', []],
	])('%j matches %j', (text, expected) => {
		const filter = parseFilter(text);
		const list = [...tasks.values()];
		expect(ids(filterTasks(list, filter, agents))).toEqual(expected);
	});

	it('reads terms and names the ones that can match nothing', () => {
		expect(parseFilter('  status:failed   tag:api  ').terms).toHaveLength(2);
		const filter = parseFilter('status:broken priority:urgent');
		expect(filter.problems).toEqual([
			'status:broken is not a status (pending, ready, running, review, blocked, completed, failed)',
			'priority:urgent is not a priority (critical, high, medium, low)',
		]);
		expect(matchesFilter(task('x'), filter)).toBe(false);
	});

	it('gives back the same list when there is nothing to filter by', () => {
		const list = [...tasks.values()];
		expect(filterTasks(list, parseFilter('   '))).toBe(list);
	});

	it('sees a changed task, not a cached text of the old one', () => {
		const before = task('a', {title: 'old words'});
		const after = {...before, title: 'new words'};
		expect(matchesFilter(before, parseFilter('old'))).toBe(true);
		expect(matchesFilter(after, parseFilter('old'))).toBe(false);
	});
});

describe('sortTasks', () => {
	const graph = buildGraph(tasks);

	it('by status: failed, running, ready, pending, blocked, completed; then priority', () => {
		expect(ids(sortTasks(tasks, graph, 'status'))).toEqual([
			'bd-7',
			'bd-1',
			'bd-2',
			'bd-3',
			'bd-6',
			'bd-5',
			'bd-4',
		]);
	});

	it('by priority, then status', () => {
		expect(ids(sortTasks(tasks, graph, 'priority'))).toEqual([
			'bd-7',
			'bd-3',
			'bd-2',
			'bd-4',
			'bd-6',
			'bd-5',
			'bd-1',
		]);
	});

	it('by age: oldest first, undated last by id', () => {
		expect(ids(sortTasks(tasks, graph, 'age'))).toEqual([
			'bd-2',
			'bd-4',
			'bd-1',
			'bd-3',
			'bd-5',
			'bd-6',
			'bd-7',
		]);
	});

	it('by critical path: the path in order, then the longest remaining work, finished last', () => {
		const chain = table(
			task('a', {estimatedMinutes: 10}),
			task('b', {estimatedMinutes: 50, dependencies: ['a']}),
			task('c', {estimatedMinutes: 10, dependencies: ['b']}),
			task('side', {estimatedMinutes: 40}),
			task('small', {estimatedMinutes: 5}),
			task('done', {status: 'completed'}),
		);
		const chainGraph = buildGraph(chain);
		expect(chainGraph.criticalPath).toEqual(['a', 'b', 'c']);
		expect(ids(sortTasks(chain, chainGraph, 'critical'))).toEqual([
			'a',
			'b',
			'c',
			'side',
			'small',
			'done',
		]);
	});

	it('by cost: costliest first, what spent nothing last, ties by id', () => {
		const costed = table(
			task('a'),
			task('b', {attempts: [spent(1, {costUsd: 0.5}), spent(2, {costUsd: 0.25})]}),
			task('c', {attempts: [spent(1, {costUsd: 2, costEstimated: true})]}),
			task('d', {attempts: [spent(1, {costUsd: 0.75})]}),
			task('e', {attempts: [spent(1, {inputTokens: 900})]}),
			task('f', {attempts: [spent(1, {costUsd: 2})]}),
		);
		expect(ids(sortTasks(costed, buildGraph(costed), 'cost'))).toEqual([
			'c',
			'f',
			'b',
			'd',
			'a',
			'e',
		]);
	});

	it('cycles status → priority → critical path → age → cost → status', () => {
		expect([
			nextSort('status'),
			nextSort('priority'),
			nextSort('critical'),
			nextSort('age'),
			nextSort('cost'),
		]).toEqual(['priority', 'critical', 'age', 'cost', 'status']);
	});

	it('leaves the table alone', () => {
		const before = ids([...tasks.values()]);
		sortTasks(tasks, graph, 'priority');
		expect(ids([...tasks.values()])).toEqual(before);
	});
});

describe('columns', () => {
	const total = (c: Columns) =>
		7 +
		c.id +
		c.priority +
		c.attempts +
		(c.diff > 0 ? c.diff + 1 : 0) +
		(c.cost > 0 ? c.cost + 1 : 0) +
		c.title +
		(c.agent > 0 ? c.agent + 1 : 0) +
		(c.error > 0 ? c.error + 1 : 0);

	it.each([40, 60, 80, 99, 100, 120, 200])('fill a width of %i exactly', (width) => {
		for (const agentWidth of [0, 8])
			for (const diffWidth of [0, 7])
				for (const costWidth of [0, 6]) {
					const columns = fitColumns(width, {idWidth: 6, agentWidth, diffWidth, costWidth});
					expect(total(columns)).toBe(width);
				}
	});

	it('show the last error from 100 columns, and the agent only when one works', () => {
		expect(fitColumns(errorColumnMinWidth - 1, {idWidth: 6, agentWidth: 0}).error).toBe(0);
		const wide = fitColumns(120, {idWidth: 6, agentWidth: 8});
		expect(wide.error).toBeGreaterThan(10);
		expect(wide.agent).toBe(8);
		expect(wide.title).toBeGreaterThan(wide.error);
		expect(fitColumns(120, {idWidth: 6, agentWidth: 0}).agent).toBe(0);
	});

	it('drop the agent column before squeezing the title below a readable width', () => {
		expect(fitColumns(30, {idWidth: 6, agentWidth: 10}).agent).toBe(0);
	});

	it('show the cost only when some task spent, and give it up before the title’s readable width', () => {
		expect(fitColumns(80, {idWidth: 6, agentWidth: 0}).cost).toBe(0);
		expect(fitColumns(80, {idWidth: 6, agentWidth: 0, costWidth: 6}).cost).toBe(6);
		// 7 + 6 + 4 + 3 fixed: 12 left is the title's least, so the cost gives way.
		const narrow = fitColumns(32, {idWidth: 6, agentWidth: 0, costWidth: 6});
		expect(narrow).toMatchObject({cost: 0, title: 12});
		// The diff keeps its place, then the cost, then the agent, as the room allows.
		const tight = fitColumns(48, {idWidth: 6, agentWidth: 8, diffWidth: 7, costWidth: 6});
		expect(tight).toMatchObject({diff: 7, cost: 6, agent: 0, title: 13});
	});

	it.each([
		['no attempts', [], undefined, ''],
		['nothing spent', [spent(1, {costUsd: 0})], undefined, ''],
		['tokens with no price', [spent(1, {model: 'mystery', inputTokens: 900})], undefined, ''],
		['no usage at all', [spent(1, undefined)], undefined, ''],
		[
			'the CLI’s own figures, summed',
			[spent(1, {costUsd: 1.5}), spent(2, {costUsd: 0.9})],
			{usd: 2.4, estimated: false},
			'$2.40',
		],
		[
			'any estimate marks the sum',
			[spent(1, {costUsd: 1}), spent(2, {costUsd: 0.042, costEstimated: true})],
			{usd: 1.042, estimated: true},
			'~$1.04',
		],
		[
			'under a dollar to a tenth of a cent',
			[spent(1, {costUsd: 0.0421})],
			{usd: 0.0421, estimated: false},
			'$0.042',
		],
		[
			'a count written as text left out',
			[spent(1, {costUsd: '12'}), spent(2, {costUsd: 3})],
			{usd: 3, estimated: false},
			'$3.00',
		],
	])('costs a task with %s', (_name, attempts, cost, text) => {
		const costed = task('t', {attempts});
		expect(taskCost(costed)).toEqual(cost);
		expect(costText(costed)).toBe(text);
	});

	it('size the cost column from the widest figure, 0 when no task spent', () => {
		expect(costColumnWidth(tasks.values())).toBe(0);
		expect(costColumnWidth([task('a', {attempts: [spent(1, {costUsd: 0.5})]})])).toBe(6);
		expect(
			costColumnWidth([
				task('a', {attempts: [spent(1, {costUsd: 0.5})]}),
				task('b', {attempts: [spent(1, {costUsd: 123.4, costEstimated: true})]}),
			]),
		).toBe(8);
		expect(costColumnWidth([task('a', {attempts: [spent(1, {costUsd: 0.01})]})])).toBe(6);
	});

	it('size the id and agent columns from what they show', () => {
		expect(idColumnWidth(tasks.values())).toBe(4);
		expect(idColumnWidth([task('x'.repeat(40))])).toBe(20);
		expect(agentColumnWidth(new Map())).toBe(0);
		expect(agentColumnWidth(new Map([['a', 'sim-1']]))).toBe(5);
		expect(agentColumnWidth(new Map([['a', 'claude-code-1']]))).toBe(13);
	});

	it('cut cells to their width on one line', () => {
		expect(cell('abc', 5)).toBe('abc  ');
		expect(cell('abcdef', 4)).toBe('abc…');
		expect(cell('line one\nline two', 20)).toBe('line one line two   ');
		expect(cell('x', 0)).toBe('');
	});
});

describe('windowTop', () => {
	it('moves the window only as far as the selection needs', () => {
		expect(windowTop(100, 0, 10, 0)).toBe(0);
		expect(windowTop(100, 9, 10, 0)).toBe(0);
		expect(windowTop(100, 10, 10, 0)).toBe(1);
		expect(windowTop(100, 50, 10, 45)).toBe(45);
		expect(windowTop(100, 44, 10, 45)).toBe(44);
		expect(windowTop(100, 99, 10, 0)).toBe(90);
	});

	it('never leaves empty rows below when the list shrinks', () => {
		expect(windowTop(20, 15, 10, 50)).toBe(10);
		expect(windowTop(5, 3, 10, 7)).toBe(0);
	});
});

describe('id lists', () => {
	const known = ['bd-a1', 'bd-a2', 'bd-b1', 'api.1'];

	it('parses ids separated by commas or spaces, each once', () => {
		expect(parseIdList(' bd-a1, bd-b1  bd-a1,,api.1 ')).toEqual(['bd-a1', 'bd-b1', 'api.1']);
		expect(parseIdList('')).toEqual([]);
	});

	it('completes a unique prefix to the id and a separator', () => {
		expect(completeId('bd-b', known)).toEqual({value: 'bd-b1, ', candidates: ['bd-b1'], count: 1});
		expect(completeId('bd-a1, ap', known).value).toBe('bd-a1, api.1, ');
	});

	it('completes a shared prefix and lists the candidates', () => {
		expect(completeId('b', known)).toEqual({
			value: 'bd-',
			candidates: ['bd-a1', 'bd-a2', 'bd-b1'],
			count: 3,
		});
		expect(completeId('bd-a', known, 1)).toEqual({value: 'bd-a', candidates: ['bd-a1'], count: 2});
	});

	it('leaves the text as it is with nothing to complete', () => {
		expect(completeId('zz', known)).toEqual({value: 'zz', candidates: [], count: 0});
		expect(completeId('bd-a1, ', known)).toEqual({value: 'bd-a1, ', candidates: [], count: 0});
	});
});
