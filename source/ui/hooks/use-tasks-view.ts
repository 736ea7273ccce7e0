/**
 * The tasks view's keys and changes: its view state is the reducer of tasks-view-state.ts; what a
 * key does to the store happens here, each change one store transaction with a pure op from
 * core/task-ops, so what the CLI or a person's editor did meanwhile is kept.
 */
import {useEffect, useMemo, useReducer} from 'react';
import type {AgentView} from '../../core/orchestrator.js';
import type {Change} from '../../core/ports.js';
import {
	addTask,
	blockTask,
	editTask,
	markDone,
	nextPriority,
	parsePriority,
	retryTasks,
	setPriority,
	unblockTask,
	type OpContext,
} from '../../core/task-ops.js';
import type {TaskTable} from '../../core/task.js';
import type {FormValues} from '../components/task-form.js';
import type {FlashLevel, ViewProps} from '../components/view-props.js';
import {commandIn, keyName, type CommandId} from '../keymap.js';
import type {TaskBoard} from '../run-control.js';
import {
	agentColumnWidth,
	completeId,
	costColumnWidth,
	filterTasks,
	diffColumnWidth,
	fitColumns,
	hasDiff,
	idColumnWidth,
	parseFilter,
	parseIdList,
	sortTasks,
} from '../task-table.js';
import {
	initialTasksView,
	selectedIndexIn,
	tasksViewLayout,
	tasksViewReducer,
	type Move,
	type Overlay,
	type Remembered,
	type TasksViewAction,
} from '../tasks-view-state.js';
import {useBoard, useSnapshot} from './use-run.js';
import {useLatestInput} from './use-latest-input.js';

/**
 * The app unmounts a view it switches away from; a filter and a selection made for triage should
 * still be there on coming back, for as long as the board is.
 */
const remembered = new WeakMap<TaskBoard, Remembered>();

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * Which agent works on which task, as a map that stays the same object while the assignments do:
 * the snapshot changes with every memory sample, the filter should not rerun with it.
 */
function useAgentOf(agents: readonly AgentView[]): ReadonlyMap<string, string> {
	const key = agents
		.filter((agent) => agent.task !== undefined)
		.map((agent) => `${agent.task ?? ''}\u0000${agent.name}`)
		.join('\u0001');
	return useMemo(() => {
		const map = new Map<string, string>();
		if (key === '') return map;
		for (const pair of key.split('\u0001')) {
			const [task = '', name = ''] = pair.split('\u0000');
			map.set(task, name);
		}

		return map;
	}, [key]);
}

const listMoves: Partial<Record<CommandId, Move>> = {
	'list.down': 'down',
	'list.up': 'up',
	'list.pageDown': 'pageDown',
	'list.pageUp': 'pageUp',
	'list.top': 'top',
	'list.bottom': 'bottom',
};

export function useTasksView({
	run,
	board,
	width,
	height,
	keysActive,
	setCaptured,
	flash,
}: ViewProps) {
	const {tasks, graph} = useBoard(board);
	const snapshot = useSnapshot(run);
	const agentOf = useAgentOf(snapshot.agents);
	const [view, dispatch] = useReducer(tasksViewReducer, board, (b) =>
		initialTasksView(remembered.get(b)),
	);
	const {sort, filterText, details, selection, overlay} = view;
	useEffect(() => {
		remembered.set(board, {sort, filterText, details, selection});
	}, [board, sort, filterText, details, selection]);

	const sorted = useMemo(() => sortTasks(tasks, graph, sort), [tasks, graph, sort]);
	const filter = useMemo(() => parseFilter(filterText), [filterText]);
	const list = useMemo(() => filterTasks(sorted, filter, agentOf), [sorted, filter, agentOf]);
	const selectedIndex = useMemo(() => selectedIndexIn(list, selection), [list, selection]);
	const selected = list[selectedIndex];
	// The selected task moved (kept), or left the list: then the selection stays at its place, on
	// whatever is there now.
	useEffect(() => {
		if (
			selected !== undefined &&
			(selected.id !== selection.id || selectedIndex !== selection.index)
		)
			dispatch({type: 'select', id: selected.id, index: selectedIndex});
	}, [selected, selectedIndex, selection]);

	const idWidth = useMemo(() => idColumnWidth(tasks.values()), [tasks]);
	const agentWidth = agentColumnWidth(agentOf);
	const diffWidth = useMemo(() => diffColumnWidth(tasks.values()), [tasks]);
	const costWidth = useMemo(() => costColumnWidth(tasks.values()), [tasks]);
	const columns = useMemo(
		() => fitColumns(width, {idWidth, agentWidth, diffWidth, costWidth}),
		[width, idWidth, agentWidth, diffWidth, costWidth],
	);
	const layout = tasksViewLayout(view, height);

	// The diff is read, not typed into: its keys are commands (its reason field captures itself).
	const capturing = overlay !== undefined && overlay.kind !== 'diff';
	useEffect(() => {
		if (!capturing) return;
		setCaptured(true);
		return () => {
			setCaptured(false);
		};
	}, [capturing, setCaptured]);

	/** Opens an overlay: the app's keys stand aside at once, not only in the effect. */
	const open = (action: TasksViewAction) => {
		setCaptured(true);
		dispatch(action);
	};

	const closeOverlay = (action: TasksViewAction = {type: 'close'}) => {
		dispatch(action);
		setCaptured(false);
	};

	/** What a person changed, said in the hint line and kept in the run's log. */
	const changed = (id: string, change: string, message: string, level?: FlashLevel) => {
		run.recordChange(id, change);
		flash(message, level);
	};

	const context = (): OpContext => ({now: board.now(), random: Math.random});

	/** One store transaction; what it refuses is said in the hint line. */
	function change<T>(
		op: (tasks: TaskTable, context: OpContext) => Change<T>,
		done: (result: T) => void,
	) {
		board
			.update((table) => op(table, context()))
			.then(done, (error: unknown) => {
				flash(messageOf(error), 'error');
			});
	}

	const retryAll = () => {
		change(
			(table, opContext) => retryTasks(table, 'failed', opContext),
			({retried}) => {
				for (const id of retried) run.recordChange(id, 'retried (retry all), retries reset');
				flash(
					retried.length === 0
						? 'No failed tasks to retry.'
						: `Retrying ${retried.length} task${retried.length === 1 ? '' : 's'}.`,
				);
			},
		);
	};

	const markTaskDone = (id: string) => {
		change(
			(table, opContext) => markDone(table, id, opContext),
			({unmetDependencies}) => {
				if (unmetDependencies.length === 0) changed(id, 'marked done', `${id} completed.`);
				else
					changed(
						id,
						`marked done before its dependencies ${unmetDependencies.join(', ')}`,
						`${id} completed before its dependencies ${unmetDependencies.join(', ')}.`,
						'warn',
					);
			},
		);
	};

	const perform = (command: CommandId) => {
		const move = listMoves[command];
		if (move !== undefined) {
			dispatch({type: 'move', move, list, rows: layout.rows});
			return;
		}

		switch (command) {
			case 'list.filter': {
				open({type: 'openFilter'});
				return;
			}

			case 'list.clear': {
				dispatch({type: 'clear'});
				return;
			}

			case 'task.sort': {
				dispatch({type: 'nextSort'});
				return;
			}

			case 'task.new': {
				open({type: 'open', overlay: {kind: 'new'}});
				return;
			}

			case 'task.retryAll': {
				let failed = 0;
				for (const task of tasks.values()) if (task.status === 'failed') failed++;
				if (failed === 0) {
					flash('No failed tasks to retry.');
					return;
				}

				open({
					type: 'open',
					overlay: {
						kind: 'confirm',
						question: `Retry all ${failed} failed task${failed === 1 ? '' : 's'}?`,
						detail: 'Their retries are reset and any backoff cleared.',
						then: {kind: 'retryAll'},
					},
				});
				return;
			}

			default: {
				break;
			}
		}

		if (selected === undefined) {
			if (command.startsWith('task.')) flash('No task selected.', 'warn');
			return;
		}

		const {id} = selected;
		switch (command) {
			case 'task.details': {
				// Work kept in a worktree is what a person wants to see first: its diff (§12).
				if (hasDiff(selected)) dispatch({type: 'open', overlay: {kind: 'diff', id}});
				else dispatch({type: 'showDetails'});
				break;
			}

			case 'task.retry': {
				change(
					(table, opContext) => retryTasks(table, [id], opContext),
					() => {
						const now = board.getSnapshot().tasks.get(id)?.status ?? 'pending';
						changed(id, `retried: ${now}, retries reset`, `${id} retried: ${now}, retries reset.`);
					},
				);
				break;
			}

			case 'task.priority': {
				change(
					(table, opContext) =>
						setPriority(table, id, nextPriority(table.get(id)?.priority ?? 'medium'), opContext),
					(task) => {
						changed(id, `priority ${task.priority}`, `${id} priority ${task.priority}.`);
					},
				);
				break;
			}

			case 'task.block': {
				if (selected.status === 'blocked' || selected.blockers.length > 0) {
					change(
						(table, opContext) => unblockTask(table, id, opContext),
						(task) => {
							changed(id, `unblocked: ${task.status}`, `${id} unblocked; it is ${task.status}.`);
						},
					);
				} else if (selected.status === 'completed') {
					flash(`${id} is completed; there is nothing to hold back.`, 'warn');
				} else open({type: 'open', overlay: {kind: 'block', task: selected}});
				break;
			}

			case 'task.edit': {
				open({type: 'open', overlay: {kind: 'edit', task: selected}});
				break;
			}

			case 'task.done': {
				if (selected.status === 'completed') {
					flash(`${id} is completed already.`);
					break;
				}

				const agent = agentOf.get(id);
				open({
					type: 'open',
					overlay: {
						kind: 'confirm',
						question: `Mark ${id} done?`,
						detail:
							agent === undefined
								? undefined
								: `${agent} is working on it; x stops the agent, this only changes the store.`,
						then: {kind: 'done', id},
					},
				});
				break;
			}

			case 'task.stop': {
				const agent = agentOf.get(id);
				if (agent === undefined) {
					flash(`No agent is working on ${id}.`, 'warn');
					break;
				}

				flash(`Stopping ${agent} on ${id}…`);
				run.stopTask(id).then(
					() => {
						flash(`${agent} stopped working on ${id}.`);
					},
					(error: unknown) => {
						flash(messageOf(error), 'error');
					},
				);
				break;
			}

			default: {
				break;
			}
		}
	};

	const listKeys = keysActive && overlay === undefined;
	useLatestInput((input, key) => {
		// A key right behind the one that opened a form is the form's, not a command.
		if (!listKeys) return;
		const command = commandIn('tasks', keyName(input, key));
		if (command !== undefined) perform(command);
	}, listKeys);

	return {
		tasks,
		graph,
		agentOf,
		view,
		filter,
		list,
		selectedIndex,
		selected,
		columns,
		layout,
		/** The filter line's text as typed. */
		setFilter(text: string) {
			dispatch({type: 'setFilter', text});
		},
		/** Closes the overlay, keeping what it changed (enter in the filter line, a form's esc). */
		close() {
			closeOverlay();
		},
		cancelFilter() {
			closeOverlay({type: 'cancelFilter'});
		},
		/** From the diff to the task's details. */
		diffDetails() {
			dispatch({type: 'close'});
			dispatch({type: 'showDetails'});
		},
		answer(yes: boolean, overlay: Extract<Overlay, {kind: 'confirm'}>) {
			closeOverlay();
			if (!yes) return;
			if (overlay.then.kind === 'retryAll') retryAll();
			else markTaskDone(overlay.then.id);
		},
		completeDependency(value: string) {
			return completeId(value, board.getSnapshot().tasks.keys());
		},
		async submitNew(values: FormValues) {
			const title = (values['title'] ?? '').trim();
			if (title === '') throw new Error('The title is required.');
			const priority = parsePriority(values['priority'] ?? 'medium', 'priority');
			const dependencies = parseIdList(values['dependencies'] ?? '');
			const known = board.getSnapshot().tasks;
			const unknown = dependencies.filter((dep) => !known.has(dep));
			if (unknown.length > 0)
				throw new Error(
					`No task ${unknown.join(', ')}: dependencies must be existing task ids (tab completes them).`,
				);
			const task = await board.update((table) =>
				addTask(table, {title, priority, dependencies}, context()),
			);
			closeOverlay();
			dispatch({type: 'select', id: task.id, index: selectedIndex});
			changed(
				task.id,
				`added: ${task.title} (${task.priority}, ${task.status})`,
				`Added ${task.id}: ${task.title} (${task.status}).`,
			);
		},
		async submitEdit(id: string, values: FormValues) {
			const title = (values['title'] ?? '').trim();
			if (title === '') throw new Error('The title is required.');
			await board.update((table) =>
				editTask(table, id, {title, description: values['description'] ?? ''}, context()),
			);
			closeOverlay();
			changed(id, `edited: ${title}`, `${id} saved.`);
		},
		async submitBlock(id: string, values: FormValues) {
			const reason = (values['reason'] ?? '').trim();
			if (reason === '') throw new Error('Give a reason: what is the task waiting for?');
			await board.update((table) => blockTask(table, id, reason, context()));
			closeOverlay();
			changed(id, `blocked: ${reason}`, `${id} blocked: ${reason}`);
		},
	};
}
