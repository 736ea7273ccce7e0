/**
 * What the tasks view shows, as a reducer: selection, filter, sort, details and the overlay that
 * has the keyboard. Pure (no Ink, no React, no store): what a key does to the view is a table of
 * state + action → state; what it does to the store is the hook's business (use-tasks-view.ts).
 */
import type {Task} from '../core/task.js';
import {nextSort, type SortOrder} from './task-table.js';

/** What a yes to the inline question does; data, so the state stays plain. */
export type ConfirmThen =
	{readonly kind: 'retryAll'} | {readonly kind: 'done'; readonly id: string};

/** What has the keyboard instead of the list. */
export type Overlay =
	| {readonly kind: 'filter'; readonly previous: string}
	| {
			readonly kind: 'confirm';
			readonly question: string;
			readonly detail?: string;
			readonly then: ConfirmThen;
	  }
	| {readonly kind: 'new'}
	| {readonly kind: 'edit'; readonly task: Task}
	| {readonly kind: 'block'; readonly task: Task}
	/** The diff of the task's work (worktree mode), with accept and reject. */
	| {readonly kind: 'diff'; readonly id: string};

export interface Selection {
	readonly id: string | undefined;
	/** Where it was last seen: the place to stay when the task leaves the list. */
	readonly index: number;
}

export interface TasksViewState {
	readonly sort: SortOrder;
	readonly filterText: string;
	readonly details: boolean;
	readonly selection: Selection;
	readonly overlay: Overlay | undefined;
}

export type Move = 'down' | 'up' | 'pageDown' | 'pageUp' | 'top' | 'bottom';

export type TasksViewAction =
	/** A list key: `list` is what is shown now, `rows` how many of it fit. */
	| {
			readonly type: 'move';
			readonly move: Move;
			readonly list: ReadonlyArray<{readonly id: string}>;
			readonly rows: number;
	  }
	/** The selection is put on a task (one just added, or the selected one that moved). */
	| {readonly type: 'select'; readonly id: string | undefined; readonly index: number}
	| {readonly type: 'nextSort'}
	/** esc: closes the details, else clears the filter. */
	| {readonly type: 'clear'}
	| {readonly type: 'showDetails'}
	| {readonly type: 'openFilter'}
	| {readonly type: 'setFilter'; readonly text: string}
	/** esc in the filter line: the filter it started from comes back. */
	| {readonly type: 'cancelFilter'}
	| {readonly type: 'open'; readonly overlay: Exclude<Overlay, {kind: 'filter'}>}
	| {readonly type: 'close'};

/** What is kept of the view while the app shows another one. */
export type Remembered = Omit<TasksViewState, 'overlay'>;

export function initialTasksView(kept?: Remembered): TasksViewState {
	return {
		sort: kept?.sort ?? 'status',
		filterText: kept?.filterText ?? '',
		details: kept?.details ?? false,
		selection: kept?.selection ?? {id: undefined, index: 0},
		overlay: undefined,
	};
}

/**
 * The row the selection is on: the selected task where it was last time, unless the list moved
 * under it; the place it was when the task has left the list; -1 on an empty list.
 */
export function selectedIndexIn(
	list: ReadonlyArray<{readonly id: string}>,
	selection: Selection,
): number {
	if (list.length === 0) return -1;
	let found = -1;
	if (selection.id !== undefined)
		found =
			list[selection.index]?.id === selection.id
				? selection.index
				: list.findIndex((task) => task.id === selection.id);
	return found === -1 ? Math.min(selection.index, list.length - 1) : found;
}

/** Below this height the rows need every line; the help says what the symbols mean anyway. */
export const legendMinHeight = 12;

export interface TasksViewLayout {
	/** The symbol legend is drawn under the table. */
	readonly legend: boolean;
	/** Lines between the header and the bottom lines (legend, filter, question). */
	readonly bodyHeight: number;
	/** Task rows in the table, under its column titles. */
	readonly rows: number;
}

export function tasksViewLayout(state: TasksViewState, height: number): TasksViewLayout {
	const {overlay} = state;
	// What the symbols mean, under the table, when it has rows to spare and nothing else is there.
	const legend = overlay === undefined && !state.details && height >= legendMinHeight;
	const bottomLines =
		overlay?.kind === 'filter'
			? 1
			: overlay?.kind === 'confirm'
				? overlay.detail
					? 3
					: 2
				: legend
					? 1
					: 0;
	const bodyHeight = Math.max(1, height - 1 - bottomLines);
	return {legend, bodyHeight, rows: Math.max(1, bodyHeight - 1)};
}

function moved(
	list: ReadonlyArray<{readonly id: string}>,
	from: number,
	move: Move,
	rows: number,
): number {
	switch (move) {
		case 'down': {
			return from + 1;
		}

		case 'up': {
			return from - 1;
		}

		case 'pageDown': {
			return from + rows;
		}

		case 'pageUp': {
			return from - rows;
		}

		case 'top': {
			return 0;
		}

		case 'bottom': {
			return list.length - 1;
		}
	}
}

function withSelection(state: TasksViewState, selection: Selection): TasksViewState {
	return selection.id === state.selection.id && selection.index === state.selection.index
		? state
		: {...state, selection};
}

/** The view's next state; the same object when the action changes nothing. */
export function tasksViewReducer(state: TasksViewState, action: TasksViewAction): TasksViewState {
	switch (action.type) {
		case 'move': {
			const {list} = action;
			if (list.length === 0) return state;
			const to = moved(list, selectedIndexIn(list, state.selection), action.move, action.rows);
			const index = Math.max(0, Math.min(to, list.length - 1));
			return withSelection(state, {id: list[index]?.id, index});
		}

		case 'select': {
			return withSelection(state, {id: action.id, index: action.index});
		}

		case 'nextSort': {
			return {...state, sort: nextSort(state.sort)};
		}

		case 'clear': {
			if (state.details) return {...state, details: false};
			return state.filterText === '' ? state : {...state, filterText: ''};
		}

		case 'showDetails': {
			return state.details ? state : {...state, details: true};
		}

		case 'openFilter': {
			return {...state, overlay: {kind: 'filter', previous: state.filterText}};
		}

		case 'setFilter': {
			return state.filterText === action.text ? state : {...state, filterText: action.text};
		}

		case 'cancelFilter': {
			return state.overlay?.kind === 'filter'
				? {...state, filterText: state.overlay.previous, overlay: undefined}
				: state;
		}

		case 'open': {
			return {...state, overlay: action.overlay};
		}

		case 'close': {
			return state.overlay === undefined ? state : {...state, overlay: undefined};
		}
	}
}
