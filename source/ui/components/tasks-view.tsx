/**
 * The tasks view (PRODUCT.md §7): a table to triage from the keyboard. This component only draws;
 * its state and what its keys do are in hooks/use-tasks-view.ts (the view state a pure reducer in
 * tasks-view-state.ts).
 */
import {Box, Text} from 'ink';
import {memo, useEffect, useRef} from 'react';
import type {Graph} from '../../core/graph.js';
import {priorities, type Priority, type Task} from '../../core/task.js';
import {useTasksView} from '../hooks/use-tasks-view.js';
import {
	cell,
	costText,
	diffStat,
	priorityShort,
	sortLabels,
	symbolLegend,
	taskLook,
	windowTop,
	workspaceOf,
	type Columns,
	type SortOrder,
} from '../task-table.js';
import {theme} from '../theme.js';
import {TaskDetails} from './task-details.js';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {DiffView} from './diff-view.js';
import {InlineConfirm} from './inline-confirm.js';
import {TaskForm, type FormField} from './task-form.js';
import {TextField} from './text-field.js';
import type {ViewProps} from './view-props.js';
import {StyledLine, type Segment} from './styled-line.js';

const selectedRow = {inverse: true} as const;

const priorityColor: Readonly<Record<Priority, string | undefined>> = {
	critical: theme.error,
	high: theme.warn,
	medium: undefined,
	low: theme.muted,
};

export interface TasksViewProps extends ViewProps {
	/** Whether the diff of a task is shown: the app's hint line offers its keys then. */
	readonly onDiffChange?: (open: boolean) => void;
}

export function TasksView({onDiffChange, ...props}: TasksViewProps) {
	const {board, width, height} = props;
	const tasksView = useTasksView(props);
	const {tasks, graph, agentOf, view, filter, list, selectedIndex, selected, columns, layout} =
		tasksView;
	const {overlay, details, sort, filterText} = view;
	const {bodyHeight, rows, legend} = layout;
	const diffOpen = overlay?.kind === 'diff';
	useEffect(() => {
		if (!diffOpen) return;
		onDiffChange?.(true);
		return () => {
			onDiffChange?.(false);
		};
	}, [diffOpen, onDiffChange]);

	let body;
	if (overlay?.kind === 'diff') {
		body = (
			<DiffView
				// A fresh view (and fetch) per task: an answer for one never closes another's.
				key={overlay.id}
				run={props.run}
				taskId={overlay.id}
				task={tasks.get(overlay.id)}
				width={width}
				height={bodyHeight}
				keysActive={props.keysActive}
				setCaptured={props.setCaptured}
				flash={props.flash}
				onClose={tasksView.close}
				onDetails={tasksView.diffDetails}
			/>
		);
	} else if (overlay?.kind === 'new') {
		const fields: FormField[] = [
			{kind: 'text', name: 'title', label: 'title', placeholder: 'what is to be done'},
			{kind: 'choice', name: 'priority', label: 'priority', choices: priorities, initial: 'medium'},
			{
				kind: 'text',
				name: 'dependencies',
				label: 'depends on',
				placeholder: 'task ids, comma or space separated',
				complete: tasksView.completeDependency,
			},
		];
		body = (
			<TaskForm
				title="New task"
				fields={fields}
				width={width}
				onCancel={tasksView.close}
				onSubmit={tasksView.submitNew}
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
				onCancel={tasksView.close}
				onSubmit={async (values) => tasksView.submitEdit(task.id, values)}
			/>
		);
	} else if (overlay?.kind === 'block') {
		const {task} = overlay;
		body = (
			<TaskForm
				title={`Block ${task.id}: ${task.title}`}
				fields={[{kind: 'text', name: 'reason', label: 'reason', placeholder: 'what it waits for'}]}
				width={width}
				onCancel={tasksView.close}
				onSubmit={async (values) => tasksView.submitBlock(task.id, values)}
			/>
		);
	} else if (details) {
		body =
			selected === undefined ? (
				<Text color={theme.muted}>No task selected · esc back</Text>
			) : (
				<TaskDetails
					task={selected}
					tasks={tasks}
					graph={graph}
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
				graph={graph}
				list={list}
				selectedIndex={selectedIndex}
				rows={rows}
				columns={columns}
				agentOf={agentOf}
				empty={
					tasks.size === 0
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
				total={tasks.size}
				sort={sort}
				filter={filterText}
				problems={filter.problems}
				details={details ? selected?.id : undefined}
				diff={overlay?.kind === 'diff' ? overlay.id : undefined}
			/>
			<Box flexDirection="column" height={bodyHeight} overflow="hidden">
				{body}
			</Box>
			{legend ? <StyledLine segments={legendSegments} width={width} /> : undefined}
			{overlay?.kind === 'filter' ? (
				<FilterLine
					value={filterText}
					onChange={tasksView.setFilter}
					onDone={tasksView.close}
					onCancel={tasksView.cancelFilter}
				/>
			) : undefined}
			{overlay?.kind === 'confirm' ? (
				<InlineConfirm
					question={overlay.question}
					detail={overlay.detail}
					onAnswer={(yes) => {
						tasksView.answer(yes, overlay);
					}}
				/>
			) : undefined}
		</Box>
	);
}

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
	diff,
}: {
	readonly shown: number;
	readonly total: number;
	readonly sort: SortOrder;
	readonly filter: string;
	readonly problems: readonly string[];
	readonly details: string | undefined;
	readonly diff: string | undefined;
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
			{diff === undefined ? (
				details === undefined ? undefined : (
					<Text color={theme.muted}>{` · details of ${details} · esc back`}</Text>
				)
			) : (
				<Text color={theme.muted}>{` · diff of ${diff} · esc back`}</Text>
			)}
		</Text>
	);
}

function columnTitles(columns: Columns): string {
	let line = `    ${cell('ID', columns.id)} ${cell('PRI', columns.priority)} ${'TRY'.padStart(columns.attempts)}`;
	if (columns.diff > 0) line += ` ${cell('DIFF', columns.diff)}`;
	if (columns.cost > 0) line += ` ${'COST'.padStart(columns.cost)}`;
	line += ` ${cell('TITLE', columns.title)}`;
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
		{text: ` ${String(task.attempts.length).padStart(columns.attempts)} `},
	];
	if (columns.diff > 0) {
		const workspace = workspaceOf(task);
		if (workspace === undefined) segments.push({text: `${cell('', columns.diff)} `});
		else {
			const {insertions, deletions} = diffStat(workspace);
			segments.push(
				{text: insertions, color: theme.ok},
				{text: ' '},
				{text: deletions, color: theme.error},
				{
					text: `${' '.repeat(Math.max(0, columns.diff - insertions.length - 1 - deletions.length))} `,
				},
			);
		}
	}

	if (columns.cost > 0) {
		// Right-aligned, so the dollars line up down the column.
		const spent = costText(task);
		segments.push({
			text: `${spent.length > columns.cost ? cell(spent, columns.cost) : spent.padStart(columns.cost)} `,
		});
	}

	segments.push({text: cell(task.title, columns.title)});
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
