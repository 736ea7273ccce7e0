/**
 * The tasks view (PRODUCT.md §7): a table to triage from the keyboard. Every change is one store
 * transaction with a pure op from core/task-ops, so what the CLI or a person's editor did meanwhile
 * is kept; the table follows the board, whoever changed it.
 */
import {Box, Text} from 'ink';
import {memo, useEffect, useMemo, useRef, useState} from 'react';
import type {AgentView} from '../../core/orchestrator.js';
import type {Change} from '../../core/ports.js';
import type {Graph} from '../../core/graph.js';
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
import {priorities, type Priority, type Task, type TaskTable} from '../../core/task.js';
import {useBoard, useSnapshot} from '../hooks/use-run.js';
import {commandIn, keyName, type CommandId} from '../keymap.js';
import {
	agentColumnWidth,
	cell,
	completeId,
	filterTasks,
	fitColumns,
	idColumnWidth,
	nextSort,
	parseFilter,
	parseIdList,
	priorityShort,
	sortLabels,
	sortTasks,
	symbolLegend,
	taskLook,
	windowTop,
	type Columns,
	type SortOrder,
} from '../task-table.js';
import {theme} from '../theme.js';
import {TaskDetails} from './task-details.js';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {TaskForm, type FormField, type FormValues} from './task-form.js';
import {TextField} from './text-field.js';
import type {TaskBoard} from '../run-control.js';
import type {FlashLevel, ViewProps} from './view-props.js';
import {StyledLine, type Segment} from './styled-line.js';

const selectedRow = {inverse: true} as const;

/** What has the keyboard instead of the list. */
type Overlay =
	| {readonly kind: 'filter'; readonly previous: string}
	| {
			readonly kind: 'confirm';
			readonly question: string;
			readonly detail?: string;
			readonly onYes: () => void;
	  }
	| {readonly kind: 'new'}
	| {readonly kind: 'edit'; readonly task: Task}
	| {readonly kind: 'block'; readonly task: Task};

interface Selection {
	readonly id: string | undefined;
	/** Where it was last seen: the place to stay when the task leaves the list. */
	readonly index: number;
}

interface Remembered {
	readonly sort: SortOrder;
	readonly filterText: string;
	readonly details: boolean;
	readonly selection: Selection;
}

/**
 * The app unmounts a view it switches away from; a filter and a selection made for triage should
 * still be there on coming back, for as long as the board is.
 */
const remembered = new WeakMap<TaskBoard, Remembered>();

const priorityColor: Readonly<Record<Priority, string | undefined>> = {
	critical: theme.error,
	high: theme.warn,
	medium: undefined,
	low: theme.muted,
};

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

export function TasksView({run, board, width, height, keysActive, setCaptured, flash}: ViewProps) {
	const state = useBoard(board);
	const snapshot = useSnapshot(run);
	const agentOf = useAgentOf(snapshot.agents);
	const [kept] = useState(() => remembered.get(board));
	const [sort, setSort] = useState<SortOrder>(kept?.sort ?? 'status');
	const [filterText, setFilterText] = useState(kept?.filterText ?? '');
	const [overlay, setOverlay] = useState<Overlay | undefined>();
	const [details, setDetails] = useState(kept?.details ?? false);
	const [selection, setSelection] = useState<Selection>(
		kept?.selection ?? {id: undefined, index: 0},
	);
	useEffect(() => {
		remembered.set(board, {sort, filterText, details, selection});
	}, [board, sort, filterText, details, selection]);

	const sorted = useMemo(
		() => sortTasks(state.tasks, state.graph, sort),
		[state.tasks, state.graph, sort],
	);
	const filter = useMemo(() => parseFilter(filterText), [filterText]);
	const list = useMemo(() => filterTasks(sorted, filter, agentOf), [sorted, filter, agentOf]);
	const found = useMemo(() => {
		if (selection.id === undefined) return -1;
		// Where it was last time, unless the list moved under it.
		if (list[selection.index]?.id === selection.id) return selection.index;
		return list.findIndex((task) => task.id === selection.id);
	}, [list, selection.id, selection.index]);
	const selectedIndex =
		list.length === 0 ? -1 : found === -1 ? Math.min(selection.index, list.length - 1) : found;
	const selected = list[selectedIndex];
	// The selected task moved (kept), or left the list: then the selection stays at its place, on
	// whatever is there now.
	useEffect(() => {
		if (
			selected !== undefined &&
			(selected.id !== selection.id || selectedIndex !== selection.index)
		)
			setSelection({id: selected.id, index: selectedIndex});
	}, [selected, selectedIndex, selection]);

	const idWidth = useMemo(() => idColumnWidth(state.tasks.values()), [state.tasks]);
	const agentWidth = agentColumnWidth(agentOf);
	const columns = useMemo(
		() => fitColumns(width, {idWidth, agentWidth}),
		[width, idWidth, agentWidth],
	);

	const capturing = overlay !== undefined;
	useEffect(() => {
		if (!capturing) return;
		setCaptured(true);
		return () => {
			setCaptured(false);
		};
	}, [capturing, setCaptured]);

	const open = (next: Overlay) => {
		// At once, not only in the effect: a key typed right after must not reach the app's keys.
		setCaptured(true);
		setOverlay(next);
	};

	const close = () => {
		setOverlay(undefined);
		setCaptured(false);
	};

	const select = (index: number) => {
		if (list.length === 0) return;
		const clamped = Math.max(0, Math.min(index, list.length - 1));
		setSelection({id: list[clamped]?.id, index: clamped});
	};

	/** What a person changed, said in the hint line and kept in the run's log. */
	const changed = (id: string, change: string, message: string, level?: FlashLevel) => {
		run.recordChange(id, change);
		flash(message, level);
	};

	/** One store transaction; what it refuses is said in the hint line. */
	function change<T>(
		op: (tasks: TaskTable, context: OpContext) => Change<T>,
		done: (result: T) => void,
	): void {
		board
			.update((tasks) => op(tasks, {now: board.now(), random: Math.random}))
			.then(done, (error: unknown) => {
				flash(messageOf(error), 'error');
			});
	}

	// What the symbols mean, under the table, when it has rows to spare and nothing else is there.
	const legend = overlay === undefined && !details && height >= legendMinHeight;
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
	const rows = Math.max(1, bodyHeight - 1);

	const perform = (command: CommandId) => {
		switch (command) {
			case 'list.down': {
				select(selectedIndex + 1);
				return;
			}

			case 'list.up': {
				select(selectedIndex - 1);
				return;
			}

			case 'list.pageDown': {
				select(selectedIndex + rows);
				return;
			}

			case 'list.pageUp': {
				select(selectedIndex - rows);
				return;
			}

			case 'list.top': {
				select(0);
				return;
			}

			case 'list.bottom': {
				select(list.length - 1);
				return;
			}

			case 'list.filter': {
				open({kind: 'filter', previous: filterText});
				return;
			}

			case 'list.clear': {
				if (details) setDetails(false);
				else if (filterText !== '') setFilterText('');
				return;
			}

			case 'task.sort': {
				setSort(nextSort(sort));
				return;
			}

			case 'task.new': {
				open({kind: 'new'});
				return;
			}

			case 'task.retryAll': {
				let failed = 0;
				for (const task of state.tasks.values()) if (task.status === 'failed') failed++;
				if (failed === 0) {
					flash('No failed tasks to retry.');
					return;
				}

				open({
					kind: 'confirm',
					question: `Retry all ${failed} failed task${failed === 1 ? '' : 's'}?`,
					detail: 'Their retries are reset and any backoff cleared.',
					onYes() {
						change(
							(tasks, context) => retryTasks(tasks, 'failed', context),
							({retried}) => {
								for (const id of retried)
									run.recordChange(id, 'retried (retry all), retries reset');
								flash(
									retried.length === 0
										? 'No failed tasks to retry.'
										: `Retrying ${retried.length} task${retried.length === 1 ? '' : 's'}.`,
								);
							},
						);
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
				setDetails(true);
				break;
			}

			case 'task.retry': {
				change(
					(tasks, context) => retryTasks(tasks, [id], context),
					() => {
						const now = board.getSnapshot().tasks.get(id)?.status ?? 'pending';
						changed(id, `retried: ${now}, retries reset`, `${id} retried: ${now}, retries reset.`);
					},
				);
				break;
			}

			case 'task.priority': {
				change(
					(tasks, context) =>
						setPriority(tasks, id, nextPriority(tasks.get(id)?.priority ?? 'medium'), context),
					(task) => {
						changed(id, `priority ${task.priority}`, `${id} priority ${task.priority}.`);
					},
				);
				break;
			}

			case 'task.block': {
				if (selected.status === 'blocked' || selected.blockers.length > 0) {
					change(
						(tasks, context) => unblockTask(tasks, id, context),
						(task) => {
							changed(id, `unblocked: ${task.status}`, `${id} unblocked; it is ${task.status}.`);
						},
					);
				} else if (selected.status === 'completed') {
					flash(`${id} is completed; there is nothing to hold back.`, 'warn');
				} else open({kind: 'block', task: selected});
				break;
			}

			case 'task.edit': {
				open({kind: 'edit', task: selected});
				break;
			}

			case 'task.done': {
				if (selected.status === 'completed') {
					flash(`${id} is completed already.`);
					break;
				}

				const agent = agentOf.get(id);
				open({
					kind: 'confirm',
					question: `Mark ${id} done?`,
					detail:
						agent === undefined
							? undefined
							: `${agent} is working on it; x stops the agent, this only changes the store.`,
					onYes() {
						change(
							(tasks, context) => markDone(tasks, id, context),
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

	const context = () => ({now: board.now(), random: Math.random});

	let body;
	if (overlay?.kind === 'new') {
		const fields: FormField[] = [
			{kind: 'text', name: 'title', label: 'title', placeholder: 'what is to be done'},
			{kind: 'choice', name: 'priority', label: 'priority', choices: priorities, initial: 'medium'},
			{
				kind: 'text',
				name: 'dependencies',
				label: 'depends on',
				placeholder: 'task ids, comma or space separated',
				complete: (value) => completeId(value, board.getSnapshot().tasks.keys()),
			},
		];
		body = (
			<TaskForm
				title="New task"
				fields={fields}
				width={width}
				onCancel={close}
				onSubmit={async (values: FormValues) => {
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
					const task = await board.update((tasks) =>
						addTask(tasks, {title, priority, dependencies}, context()),
					);
					close();
					setSelection({id: task.id, index: selectedIndex});
					changed(
						task.id,
						`added: ${task.title} (${task.priority}, ${task.status})`,
						`Added ${task.id}: ${task.title} (${task.status}).`,
					);
				}}
			/>
		);
	} else if (overlay?.kind === 'edit') {
		const {task} = overlay;
		body = (
			<TaskForm
				title={`Edit ${task.id}`}
				fields={[
					{kind: 'text', name: 'title', label: 'title', initial: task.title},
					{kind: 'text', name: 'description', label: 'description', initial: task.description},
				]}
				width={width}
				onCancel={close}
				onSubmit={async (values: FormValues) => {
					const title = (values['title'] ?? '').trim();
					if (title === '') throw new Error('The title is required.');
					await board.update((tasks) =>
						editTask(tasks, task.id, {title, description: values['description'] ?? ''}, context()),
					);
					close();
					changed(task.id, `edited: ${title}`, `${task.id} saved.`);
				}}
			/>
		);
	} else if (overlay?.kind === 'block') {
		const {task} = overlay;
		body = (
			<TaskForm
				title={`Block ${task.id}: ${task.title}`}
				fields={[{kind: 'text', name: 'reason', label: 'reason', placeholder: 'what it waits for'}]}
				width={width}
				onCancel={close}
				onSubmit={async (values: FormValues) => {
					const reason = (values['reason'] ?? '').trim();
					if (reason === '') throw new Error('Give a reason: what is the task waiting for?');
					await board.update((tasks) => blockTask(tasks, task.id, reason, context()));
					close();
					changed(task.id, `blocked: ${reason}`, `${task.id} blocked: ${reason}`);
				}}
			/>
		);
	} else if (details) {
		body =
			selected === undefined ? (
				<Text color={theme.muted}>No task selected · esc back</Text>
			) : (
				<TaskDetails
					task={selected}
					tasks={state.tasks}
					graph={state.graph}
					board={board}
					agent={agentOf.get(selected.id)}
					width={width}
					height={bodyHeight}
				/>
			);
	} else {
		body = (
			<TaskRows
				width={width}
				graph={state.graph}
				list={list}
				selectedIndex={selectedIndex}
				rows={rows}
				columns={columns}
				agentOf={agentOf}
				empty={
					state.tasks.size === 0
						? 'No tasks yet: n adds one.'
						: 'No task matches the filter; esc clears it.'
				}
			/>
		);
	}

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Header
				shown={list.length}
				total={state.tasks.size}
				sort={sort}
				filter={filterText}
				problems={filter.problems}
				details={details ? selected?.id : undefined}
			/>
			<Box flexDirection="column" height={bodyHeight} overflow="hidden">
				{body}
			</Box>
			{legend ? <StyledLine segments={legendSegments} width={width} /> : undefined}
			{overlay?.kind === 'filter' ? (
				<FilterLine
					value={filterText}
					onChange={setFilterText}
					onDone={close}
					onCancel={() => {
						setFilterText(overlay.previous);
						close();
					}}
				/>
			) : undefined}
			{overlay?.kind === 'confirm' ? (
				<InlineConfirm
					question={overlay.question}
					detail={overlay.detail}
					onAnswer={(yes) => {
						close();
						if (yes) overlay.onYes();
					}}
				/>
			) : undefined}
		</Box>
	);
}

/** Below this height the rows need every line; the help says what the symbols mean anyway. */
const legendMinHeight = 12;

const legendSegments: readonly Segment[] = symbolLegend
	.filter((entry) => entry.short !== 'runnable' && entry.short !== 'critical')
	.flatMap((entry, index) => [
		{text: index === 0 ? '' : '  '},
		{text: entry.symbol, color: entry.color},
		{text: ` ${entry.short}`, color: theme.muted},
	]);

function Header({
	shown,
	total,
	sort,
	filter,
	problems,
	details,
}: {
	readonly shown: number;
	readonly total: number;
	readonly sort: SortOrder;
	readonly filter: string;
	readonly problems: readonly string[];
	readonly details: string | undefined;
}) {
	return (
		<Text wrap="truncate-end">
			<Text bold>{`${shown}/${total} tasks`}</Text>
			<Text color={theme.muted}>{` · sort: ${sortLabels[sort]}`}</Text>
			{filter.trim() === '' ? undefined : (
				<Text color={theme.accent}>{` · filter: ${filter.trim()}`}</Text>
			)}
			{problems.length === 0 ? undefined : (
				<Text color={theme.warn}>{` · ${problems.join('; ')}`}</Text>
			)}
			{details === undefined ? undefined : (
				<Text color={theme.muted}>{` · details of ${details} · esc back`}</Text>
			)}
		</Text>
	);
}

function columnTitles(columns: Columns): string {
	let line = `    ${cell('ID', columns.id)} ${cell('PRI', columns.priority)} ${'TRY'.padStart(columns.attempts)} ${cell('TITLE', columns.title)}`;
	if (columns.agent > 0) line += ` ${cell('AGENT', columns.agent)}`;
	if (columns.error > 0) line += ` ${cell('LAST ERROR', columns.error)}`;
	return line;
}

/** Only the rows that fit are drawn, so 10,000 tasks cost what 30 do. */
function TaskRows({
	list,
	selectedIndex,
	rows,
	columns,
	agentOf,
	empty,
	width,
	graph,
}: {
	readonly width: number;
	readonly graph: Pick<Graph, 'stuck'>;
	readonly list: readonly Task[];
	readonly selectedIndex: number;
	readonly rows: number;
	readonly columns: Columns;
	readonly agentOf: ReadonlyMap<string, string>;
	readonly empty: string;
}) {
	// The window moves only as far as the selection needs, so the list does not jump on each key.
	const top = useRef(0);
	top.current = windowTop(list.length, Math.max(0, selectedIndex), rows, top.current);
	const shown = list.slice(top.current, top.current + rows);
	return (
		<>
			<Text color={theme.muted} wrap="truncate-end">
				{columnTitles(columns)}
			</Text>
			{list.length === 0 ? <Text color={theme.muted}>{empty}</Text> : undefined}
			{shown.map((task, offset) => (
				<TaskRow
					key={task.id}
					width={width}
					task={task}
					selected={top.current + offset === selectedIndex}
					columns={columns}
					agent={agentOf.get(task.id)}
					look={taskLook(task, graph)}
				/>
			))}
		</>
	);
}

const TaskRow = memo(function TaskRow({
	task,
	selected,
	columns,
	agent,
	width,
	look,
}: {
	readonly look: {readonly symbol: string; readonly color: string};
	readonly task: Task;
	readonly selected: boolean;
	readonly columns: Columns;
	readonly agent: string | undefined;
	readonly width: number;
}) {
	const segments: Segment[] = [
		{text: selected ? '› ' : '  '},
		{text: look.symbol, color: look.color},
		{text: ` ${cell(task.id, columns.id)} `},
		{
			text: cell(priorityShort[task.priority], columns.priority),
			color: priorityColor[task.priority],
		},
		{
			text: ` ${String(task.attempts.length).padStart(columns.attempts)} ${cell(task.title, columns.title)}`,
		},
	];
	if (columns.agent > 0)
		segments.push({text: ` ${cell(agent ?? '', columns.agent)}`, color: theme.accent});
	if (columns.error > 0)
		segments.push({text: ` ${cell(task.lastError ?? '', columns.error)}`, color: theme.error});
	return <StyledLine segments={segments} width={width} base={selected ? selectedRow : undefined} />;
});

function FilterLine({
	value,
	onChange,
	onDone,
	onCancel,
}: {
	readonly value: string;
	readonly onChange: (value: string) => void;
	readonly onDone: () => void;
	readonly onCancel: () => void;
}) {
	useLatestInput((_input, key) => {
		if (key.escape) onCancel();
	}, true);
	return (
		<Box>
			<Text color={theme.accent}>/ </Text>
			<TextField
				value={value}
				placeholder="text status:failed tag:api agent:… priority:high id:bd-1"
				onChange={onChange}
				onSubmit={onDone}
			/>
		</Box>
	);
}

/** The view's own yes/no line: `y` or enter says yes, any other key no. */
function InlineConfirm({
	question,
	detail,
	onAnswer,
}: {
	readonly question: string;
	readonly detail: string | undefined;
	readonly onAnswer: (yes: boolean) => void;
}) {
	// Answered once: a second key before this closes must not answer again.
	const answered = useRef(false);
	useLatestInput((input, key) => {
		if (answered.current) return;
		answered.current = true;
		onAnswer(input === 'y' || input === 'Y' || key.return);
	}, true);
	return (
		<Box flexDirection="column">
			<Text bold color={theme.warn} wrap="truncate-end">
				{question}
			</Text>
			{detail === undefined ? undefined : <Text wrap="truncate-end">{detail}</Text>}
			<Text color={theme.muted}>y / enter: yes · any other key: no</Text>
		</Box>
	);
}
