import {describe, expect, it} from 'vitest';
import {newTask} from '../../source/core/task.js';
import {nextSort, sortOrders} from '../../source/ui/task-table.js';
import {
	initialTasksView,
	legendMinHeight,
	selectedIndexIn,
	tasksViewLayout,
	tasksViewReducer,
	type Move,
	type Overlay,
	type Remembered,
	type Selection,
	type TasksViewState,
} from '../../source/ui/tasks-view-state.js';

const ids = (...names: string[]) => names.map((id) => ({id}));
const five = ids('a', 'b', 'c', 'd', 'e');
const at = (id: string | undefined, index: number): Selection => ({id, index});
const state = (fields: Partial<TasksViewState> = {}): TasksViewState => ({
	...initialTasksView(),
	...fields,
});

describe('initialTasksView', () => {
	it('starts sorted by status, unfiltered, on the first row, with nothing open', () => {
		expect(initialTasksView()).toEqual({
			sort: 'status',
			filterText: '',
			details: false,
			selection: {id: undefined, index: 0},
			overlay: undefined,
		});
	});

	it('comes back to what was remembered, with no overlay', () => {
		const kept: Remembered = {
			sort: 'priority',
			filterText: 'tag:api',
			details: true,
			selection: at('c', 2),
		};
		expect(initialTasksView(kept)).toEqual({
			...kept,
			overlay: undefined,
		});
	});
});

describe('selectedIndexIn', () => {
	it.each<[string, ReadonlyArray<{id: string}>, Selection, number]>([
		['an empty list has no row', [], at('a', 0), -1],
		['nothing chosen yet: the remembered place', five, at(undefined, 0), 0],
		['the task where it was', five, at('c', 2), 2],
		['the task where it moved to', five, at('d', 0), 3],
		['a task that left: its place', five, at('zz', 3), 3],
		['a task that left past the end: the last row', five, at('zz', 9), 4],
	])('%s', (_name, list, selection, expected) => {
		expect(selectedIndexIn(list, selection)).toBe(expected);
	});
});

describe('tasksViewReducer: moving', () => {
	it.each<[Move, Selection, number, Selection]>([
		['down', at('a', 0), 10, at('b', 1)],
		['down', at('e', 4), 10, at('e', 4)],
		['up', at('c', 2), 10, at('b', 1)],
		['up', at('a', 0), 10, at('a', 0)],
		['pageDown', at('a', 0), 2, at('c', 2)],
		['pageDown', at('c', 2), 10, at('e', 4)],
		['pageUp', at('e', 4), 2, at('c', 2)],
		['pageUp', at('b', 1), 10, at('a', 0)],
		['top', at('d', 3), 10, at('a', 0)],
		['bottom', at('b', 1), 10, at('e', 4)],
		// From where the task is now, not where it was: the list was re-sorted under it.
		['down', at('d', 0), 10, at('e', 4)],
		// A task that left: from its place, on whatever is there now.
		['down', at('zz', 1), 10, at('c', 2)],
	])('%s from %j (%d rows) selects %j', (move, from, rows, expected) => {
		const next = tasksViewReducer(state({selection: from}), {type: 'move', move, list: five, rows});
		expect(next.selection).toEqual(expected);
	});

	it('leaves the state as it is on an empty list, or when the selection does not move', () => {
		const empty = state({selection: at('a', 0)});
		expect(tasksViewReducer(empty, {type: 'move', move: 'down', list: [], rows: 10})).toBe(empty);
		const last = state({selection: at('e', 4)});
		expect(tasksViewReducer(last, {type: 'move', move: 'bottom', list: five, rows: 10})).toBe(last);
	});

	it('select puts the selection on a task, and is a no-op when it is there already', () => {
		const before = state({selection: at('a', 0)});
		expect(tasksViewReducer(before, {type: 'select', id: 'x', index: 3}).selection).toEqual(
			at('x', 3),
		);
		expect(tasksViewReducer(before, {type: 'select', id: 'a', index: 0})).toBe(before);
	});
});

describe('tasksViewReducer: sort, filter, details, overlays', () => {
	const task = newTask({id: 'bd-1', title: 'Wire the endpoint'});
	const confirm: Overlay = {
		kind: 'confirm',
		question: 'Mark bd-1 done?',
		then: {kind: 'done', id: 'bd-1'},
	};

	it.each<
		[string, TasksViewState, Parameters<typeof tasksViewReducer>[1], Partial<TasksViewState>]
	>([
		['s cycles the sort', state(), {type: 'nextSort'}, {sort: 'priority'}],
		[
			'esc closes the details first',
			state({details: true, filterText: 'x'}),
			{type: 'clear'},
			{details: false, filterText: 'x'},
		],
		['esc then clears the filter', state({filterText: 'x'}), {type: 'clear'}, {filterText: ''}],
		['enter shows the details', state(), {type: 'showDetails'}, {details: true}],
		[
			'/ opens the filter, remembering the text it started from',
			state({filterText: 'api'}),
			{type: 'openFilter'},
			{overlay: {kind: 'filter', previous: 'api'}},
		],
		[
			'typing sets the filter text',
			state({overlay: {kind: 'filter', previous: ''}}),
			{type: 'setFilter', text: 'status:failed'},
			{filterText: 'status:failed'},
		],
		[
			'esc in the filter puts the text it started from back and closes it',
			state({filterText: 'status:f', overlay: {kind: 'filter', previous: 'api'}}),
			{type: 'cancelFilter'},
			{filterText: 'api', overlay: undefined},
		],
		[
			'a form opens',
			state(),
			{type: 'open', overlay: {kind: 'edit', task}},
			{overlay: {kind: 'edit', task}},
		],
		['a question opens', state(), {type: 'open', overlay: confirm}, {overlay: confirm}],
		[
			'close closes and keeps the filter typed',
			state({filterText: 'api', overlay: {kind: 'filter', previous: ''}}),
			{type: 'close'},
			{filterText: 'api', overlay: undefined},
		],
	])('%s', (_name, before, action, changed) => {
		expect(tasksViewReducer(before, action)).toEqual({...before, ...changed});
	});

	it.each<[string, TasksViewState, Parameters<typeof tasksViewReducer>[1]]>([
		['esc with nothing to clear', state(), {type: 'clear'}],
		['close with nothing open', state(), {type: 'close'}],
		[
			'cancelFilter with no filter line open',
			state({filterText: 'x', overlay: {kind: 'new'}}),
			{type: 'cancelFilter'},
		],
		['the same filter text again', state({filterText: 'x'}), {type: 'setFilter', text: 'x'}],
		['details already shown', state({details: true}), {type: 'showDetails'}],
	])(
		'%s changes nothing (the same state, so React does not draw again)',
		(_name, before, action) => {
			expect(tasksViewReducer(before, action)).toBe(before);
		},
	);

	it.each(sortOrders)('s after %s sorts by the next order, and comes round', (sort) => {
		expect(tasksViewReducer(state({sort}), {type: 'nextSort'}).sort).toBe(nextSort(sort));
	});
});

describe('tasksViewLayout', () => {
	it.each<
		[string, Partial<TasksViewState>, number, {legend: boolean; bodyHeight: number; rows: number}]
	>([
		['the legend when there is room', {}, 20, {legend: true, bodyHeight: 18, rows: 17}],
		[
			'no legend below its height',
			{},
			legendMinHeight - 1,
			{legend: false, bodyHeight: 10, rows: 9},
		],
		['no legend with the details', {details: true}, 20, {legend: false, bodyHeight: 19, rows: 18}],
		[
			'the filter line takes one line',
			{overlay: {kind: 'filter', previous: ''}},
			20,
			{legend: false, bodyHeight: 18, rows: 17},
		],
		[
			'a question takes two',
			{overlay: {kind: 'confirm', question: 'q?', then: {kind: 'retryAll'}}},
			20,
			{legend: false, bodyHeight: 17, rows: 16},
		],
		[
			'a question with a detail takes three',
			{overlay: {kind: 'confirm', question: 'q?', detail: 'd', then: {kind: 'retryAll'}}},
			20,
			{legend: false, bodyHeight: 16, rows: 15},
		],
		[
			'a form takes the body',
			{overlay: {kind: 'new'}},
			20,
			{legend: false, bodyHeight: 19, rows: 18},
		],
		['always at least one row', {}, 1, {legend: false, bodyHeight: 1, rows: 1}],
	])('%s', (_name, fields, height, expected) => {
		expect(tasksViewLayout(state(fields), height)).toEqual(expected);
	});
});
