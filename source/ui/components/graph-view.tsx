/**
 * The graph view (PRODUCT.md §7): the dependency DAG in layers, left → right, a window of them
 * around the selection. No edges are drawn (lines between columns wrap into garbage on a narrow
 * terminal); instead each column lists the centre's neighbours first, and the panel below names the
 * selection's dependencies and dependents.
 */
import {Box, Text} from 'ink';
import stringWidth from 'string-width';
import {memo, useMemo, useRef, useState, useSyncExternalStore} from 'react';
import {minutesText, oneLine} from '../../text/format.js';
import {etaMinutes, isRunnable, type Graph} from '../../core/graph.js';
import type {Task} from '../../core/task.js';
import {
	columnGap,
	fitColumns,
	indexGraph,
	moveAcross,
	moveWithin,
	neighbourhoods,
	nextOnCriticalPath,
	recentre,
	settle,
	startCursor,
	windowColumns,
	type GraphCursor,
	type WindowColumn,
	type WindowContext,
} from '../graph-window.js';
import {useBoard} from '../hooks/use-run.js';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {commandIn, keyName} from '../keymap.js';
import {statusStyle, theme} from '../theme.js';
import {taskLook} from '../task-table.js';
import {minutesShort} from './status-bar.js';
import type {TaskBoard} from '../run-control.js';
import type {ViewProps} from './view-props.js';
import {StyledLine} from './styled-line.js';

/** Lists in the panel stop here: a task with 300 dependents would only be cut off anyway. */
const listedLinks = 12;

interface Budget {
	readonly warnings: number;
	readonly panel: number;
	readonly rule: boolean;
	readonly rows: number;
}

/**
 * Lines of the view, in order of need: header, column titles, three rows of tasks, the selection,
 * warnings, two more lines about the selection, a rule; whatever is left goes to the rows.
 */
function budget(height: number, warnings: number): Budget {
	let left = Math.max(3, height) - 2;
	const take = (wanted: number) => {
		const taken = Math.max(0, Math.min(wanted, left));
		left -= taken;
		return taken;
	};

	const rows = take(3);
	const panel = take(1);
	const shownWarnings = take(warnings);
	const more = height >= 14 ? take(2) : 0;
	const rule = height >= 16 && take(1) === 1;
	return {warnings: shownWarnings, panel: panel + more, rule, rows: rows + left};
}

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function warningLines(graph: Graph): string[] {
	const lines: string[] = [];
	if (graph.cycles.length > 0) {
		const shown = graph.cycles.slice(0, 10).map((cycle) => cycle.join(' → '));
		lines.push(
			graph.cycles.length === 1
				? `⚠ cycle, never runs until broken: ${shown[0]}`
				: `⚠ ${graph.cycles.length} cycles, never run until broken: ${shown.join('; ')}`,
		);
	}

	if (graph.missing.length > 0) {
		const shown = graph.missing
			.slice(0, 10)
			.map(({id, dependsOn}) => `${id} needs unknown ${dependsOn}`);
		lines.push(
			graph.missing.length === 1
				? `⚠ ${shown[0]}`
				: `⚠ ${graph.missing.length} missing dependencies: ${shown.join(', ')}`,
		);
	}

	return lines;
}

/**
 * Where the cursor was, per board: the view is unmounted while help is open or another view is
 * shown, and coming back should find the selection where it was left.
 */
const remembered = new WeakMap<TaskBoard, GraphCursor>();

export function GraphView(props: ViewProps) {
	const {run, board, width, height, flash} = props;
	const state = useBoard(board);
	// Only the number of agents matters here: the snapshot changes with every agent's heartbeat.
	const agents = useSyncExternalStore(
		(listener) => run.subscribe(listener),
		() => run.getSnapshot().agents.length,
	);
	const graph = state.graph;
	const index = useMemo(() => indexGraph(graph), [graph]);
	const hoods = useMemo(() => neighbourhoods(index), [index]);
	const summary = useMemo(
		() => ({eta: etaMinutes(graph, agents), warnings: warningLines(graph)}),
		[graph, agents],
	);

	const lines = budget(height, summary.warnings.length);
	const fit = fitColumns(width, index.layers.length);
	const context = useMemo(
		(): WindowContext => ({index, viewport: {columns: fit.count, rows: lines.rows}, hood: hoods}),
		[index, fit.count, lines.rows, hoods],
	);
	const [cursor, setCursor] = useState<GraphCursor>(
		() => remembered.get(board) ?? startCursor(index),
	);
	// Keys can come faster than renders: each one moves from where the last one left the cursor.
	const latest = useRef(cursor);
	const view = useMemo(() => settle(cursor, context), [cursor, context]);
	const columns = useMemo(() => windowColumns(view, context), [view, context]);

	const move = (
		step: (now: GraphCursor, context: WindowContext) => GraphCursor | undefined,
		otherwise = '',
	) => {
		const next = step(settle(latest.current, context), context);
		if (next === undefined) {
			if (otherwise !== '') flash(otherwise);
			return;
		}

		latest.current = next;
		remembered.set(board, next);
		setCursor(next);
	};

	useLatestInput((input, key) => {
		const page = context.viewport.rows;
		const within = (delta: number) => {
			move((now) => moveWithin(now, delta, context));
		};

		switch (commandIn('graph', keyName(input, key))) {
			case 'list.down': {
				within(1);
				break;
			}

			case 'list.up': {
				within(-1);
				break;
			}

			case 'list.pageDown': {
				within(page);
				break;
			}

			case 'list.pageUp': {
				within(-page);
				break;
			}

			case 'list.top': {
				within(-Infinity);
				break;
			}

			case 'list.bottom': {
				within(Infinity);
				break;
			}

			case 'graph.left': {
				move((now) => moveAcross(now, -1, context), 'This is the first layer.');
				break;
			}

			case 'graph.right': {
				move((now) => moveAcross(now, 1, context), 'This is the last layer.');
				break;
			}

			case 'graph.center': {
				move(recentre);
				break;
			}

			case 'graph.critical': {
				move(nextOnCriticalPath, 'No critical path: nothing is left to do.');
				break;
			}

			default: {
				break;
			}
		}
	}, props.keysActive);

	const now = board.now();
	const selected = view.selected === undefined ? undefined : graph.tasks.get(view.selected);

	return (
		<Box flexDirection="column" width={width} height={Math.max(3, height)} overflow="hidden">
			<Box width={width}>
				<Text wrap="truncate-end">
					{graph.criticalPath.length === 0 ? (
						<Text color={theme.muted}>critical path: nothing left to do</Text>
					) : (
						<>
							<Text bold color={theme.critical}>
								★ critical path
							</Text>
							<Text>
								: {plural(graph.criticalPath.length, 'task')} ·{' '}
								{minutesShort(graph.criticalMinutes)} of work · ETA {minutesShort(summary.eta)} with{' '}
								{plural(agents, 'agent')}
							</Text>
						</>
					)}
					<Text color={theme.muted}> · </Text>
					<Text color={theme.accent}>▶ runnable</Text>
				</Text>
			</Box>
			{summary.warnings.slice(0, lines.warnings).map((line) => (
				<Box key={line} width={width}>
					<Text wrap="truncate-end" color={theme.warn}>
						{line}
					</Text>
				</Box>
			))}
			{columns.length === 0 ? (
				<Box width={width} height={lines.rows + 1}>
					<Text wrap="truncate-end" color={theme.muted}>
						{graph.tasks.size === 0
							? 'No tasks yet: n in the tasks view adds one.'
							: 'Every task is on a cycle: nothing can be laid out until one is broken.'}
					</Text>
				</Box>
			) : (
				gridLines(columns, {
					graph,
					onPath: index.onPath,
					layers: index.layers.length,
					selected: view.selected,
					now,
					rows: lines.rows,
					width: fit.width,
				}).map((segments, row) => (
					<GridLine
						// Rows are places on the screen, not tasks: a row keeps its line as the window scrolls.
						key={row}
						segments={segments}
						signature={signature(segments)}
						width={width}
					/>
				))
			)}
			{lines.rule ? (
				<Text color={theme.muted} wrap="truncate-end">
					{'─'.repeat(width)}
				</Text>
			) : undefined}
			{selected === undefined || lines.panel === 0 ? undefined : (
				<SelectionPanel
					task={selected}
					graph={graph}
					layer={(index.layerOf.get(selected.id) ?? 0) + 1}
					layers={index.layers.length}
					onPath={index.onPath.has(selected.id)}
					runnable={isRunnable(selected, graph, now)}
					lines={lines.panel}
					width={width}
				/>
			)}
		</Box>
	);
}

/** A run of text in one style: a grid line is a few of these, so Ink writes one line, not a cell. */
interface Segment {
	readonly text: string;
	readonly color?: string;
	readonly bold?: boolean;
	readonly dim?: boolean;
	readonly inverse?: boolean;
}

const sameStyle = (a: Segment, b: Segment) =>
	a.color === b.color && a.bold === b.bold && a.dim === b.dim && a.inverse === b.inverse;

/** `segments` cut to `width` columns (an ellipsis where cut) and padded to exactly `width`. */
function fitCell(segments: readonly Segment[], width: number, pad: boolean): Segment[] {
	const out: Segment[] = [];
	let left = width;
	for (const segment of segments) {
		const wide = stringWidth(segment.text);
		if (wide <= left) {
			out.push(segment);
			left -= wide;
			continue;
		}

		let text = '';
		let used = 0;
		for (const char of segment.text) {
			const charWidth = stringWidth(char);
			if (used + charWidth > left - 1) break;
			text += char;
			used += charWidth;
		}

		if (left >= 1) out.push({...segment, text: `${text}…`});
		left -= used + Math.min(left, 1);
		break;
	}

	if (pad && left > 0) out.push({text: ' '.repeat(left), inverse: segments[0]?.inverse});
	return out;
}

interface GridOptions {
	readonly graph: Graph;
	readonly onPath: ReadonlySet<string>;
	readonly layers: number;
	readonly selected: string | undefined;
	readonly now: Date;
	readonly rows: number;
	readonly width: number;
}

function cell(task: Task, options: GridOptions): Segment[] {
	const look = taskLook(task, options.graph);
	const critical = options.onPath.has(task.id);
	const runnable = isRunnable(task, options.graph, options.now);
	const inverse = task.id === options.selected;
	// Only what can show is measured: titles can run to hundreds of characters.
	const title = oneLine(task.title.slice(0, options.width * 2)).slice(0, options.width);
	return [
		{text: critical ? '★' : ' ', color: theme.critical, bold: true, inverse},
		{text: runnable ? '▶' : look.symbol, color: runnable ? theme.accent : look.color, inverse},
		{text: ' ', inverse},
		{text: task.id, color: critical ? theme.critical : look.color, bold: critical, inverse},
		{text: ` ${title}`, dim: task.status === 'completed', inverse},
	];
}

/**
 * A column's title: its layer and the rows shown; the first and last say how many layers are
 * hidden beyond them (`‹ 3 more`, `2 more ›`), which stays when the column is too narrow for all.
 */
function columnTitle(
	column: WindowColumn,
	options: GridOptions,
	edges: {readonly first: boolean; readonly last: boolean},
): Segment[] {
	const here = options.selected !== undefined && column.ids.includes(options.selected);
	const end = column.offset + column.ids.length;
	const range =
		column.ids.length < column.size ? `${column.offset + 1}–${end}/${column.size}` : column.size;
	const before = edges.first ? column.layer : 0;
	const after = edges.last ? options.layers - 1 - column.layer : 0;
	const name = `layer ${column.layer + 1}/${options.layers}`;
	const title = (long: boolean, withRange: boolean) =>
		[
			before > 0 ? (long ? `‹ ${before} more` : `‹${before}`) : '',
			withRange ? `${name} · ${range}` : name,
			after > 0 ? (long ? `${after} more ›` : `${after}›`) : '',
		]
			.filter((part) => part !== '')
			.join(long ? ' · ' : ' ');
	const text =
		[title(true, true), title(true, false), title(false, false)].find(
			(candidate) => stringWidth(candidate) <= options.width,
		) ?? title(false, false);
	return [{text, color: here ? theme.accent : theme.muted, bold: here}];
}

/** The columns as screen lines: a title line, then one line per row, cells side by side. */
function gridLines(columns: readonly WindowColumn[], options: GridOptions): Segment[][] {
	const lines: Segment[][] = [];
	for (let row = -1; row < options.rows; row++) {
		const line: Segment[] = [];
		for (const [position, column] of columns.entries()) {
			const last = position === columns.length - 1;
			const id = row < 0 ? undefined : column.ids[row];
			const task = id === undefined ? undefined : options.graph.tasks.get(id);
			const content =
				row < 0
					? columnTitle(column, options, {first: position === 0, last})
					: task
						? cell(task, options)
						: [];
			for (const segment of fitCell(content, options.width, !last)) {
				const previous = line.at(-1);
				if (previous !== undefined && sameStyle(previous, segment))
					line[line.length - 1] = {...previous, text: previous.text + segment.text};
				else line.push(segment);
			}

			if (!last) line.push({text: ' '.repeat(columnGap)});
		}

		lines.push(line);
	}

	return lines;
}

const signature = (segments: readonly Segment[]) =>
	segments.map((s) => `${s.text}\u0001${s.color}${s.bold}${s.dim}${s.inverse}`).join('\u0002');

const GridLine = memo(
	function GridLine({
		segments,
		width,
	}: {
		readonly segments: readonly Segment[];
		readonly signature: string;
		readonly width: number;
	}) {
		return <StyledLine segments={segments} width={width} />;
	},
	(before, after) => before.signature === after.signature && before.width === after.width,
);

function SelectionPanel({
	task,
	graph,
	layer,
	layers,
	onPath,
	runnable,
	lines,
	width,
}: {
	readonly task: Task;
	readonly graph: Graph;
	readonly layer: number;
	readonly layers: number;
	readonly onPath: boolean;
	readonly runnable: boolean;
	readonly lines: number;
	readonly width: number;
}) {
	const look = taskLook(task, graph);
	const slack = graph.slack.get(task.id);
	const facts = [
		task.status.replace('_', ' '),
		minutesText(task.estimatedMinutes),
		slack === undefined ? undefined : `slack ${slack <= 0 ? '0' : minutesShort(slack)}`,
		`layer ${layer}/${layers}`,
		runnable ? 'runnable' : undefined,
		task.status !== 'completed' && graph.stuck.has(task.id)
			? 'stuck behind a missing task or a cycle'
			: undefined,
	].filter((fact) => fact !== undefined);
	const needs = <Links label="needs" ids={task.dependencies} graph={graph} />;
	const unblocks = <Links label="unblocks" ids={graph.dependentsOf(task.id)} graph={graph} />;
	return (
		<Box flexDirection="column" width={width}>
			<Box width={width}>
				<Text wrap="truncate-end">
					<Text bold color={theme.critical}>
						{onPath ? '★ ' : ''}
					</Text>
					<Text color={runnable ? theme.accent : look.color}>{runnable ? '▶' : look.symbol} </Text>
					<Text bold>{task.id}</Text>
					<Text color={theme.muted}> · {facts.join(' · ')} · </Text>
					<Text>{oneLine(task.title.slice(0, width * 2)).slice(0, width)}</Text>
				</Text>
			</Box>
			{lines === 2 ? (
				<Box width={width}>
					<Text wrap="truncate-end">
						{needs}
						<Text color={theme.muted}> · </Text>
						{unblocks}
					</Text>
				</Box>
			) : undefined}
			{lines >= 3 ? (
				<>
					<Box width={width}>
						<Text wrap="truncate-end">{needs}</Text>
					</Box>
					<Box width={width}>
						<Text wrap="truncate-end">{unblocks}</Text>
					</Box>
				</>
			) : undefined}
		</Box>
	);
}

function Links({
	label,
	ids,
	graph,
}: {
	readonly label: string;
	readonly ids: readonly string[];
	readonly graph: Graph;
}) {
	if (ids.length === 0) return <Text color={theme.muted}>{label}: nothing</Text>;
	const shown = ids.slice(0, listedLinks);
	return (
		<Text>
			<Text color={theme.muted}>{label}: </Text>
			{shown.map((id, position) => {
				const task = graph.tasks.get(id);
				const mark =
					task === undefined ? '?' : graph.inCycle.has(id) ? '↻' : statusStyle[task.status].symbol;
				const color =
					task === undefined || graph.inCycle.has(id) ? theme.warn : statusStyle[task.status].color;
				return (
					// A task may list the same dependency twice.
					<Text key={`${position}:${id}`}>
						{position > 0 ? ', ' : ''}
						{id} <Text color={color}>{mark}</Text>
					</Text>
				);
			})}
			{ids.length > shown.length ? (
				<Text color={theme.muted}> +{ids.length - shown.length} more</Text>
			) : undefined}
		</Text>
	);
}
