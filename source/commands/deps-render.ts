/**
 * The dependency graph as text for people (a tree), for Graphviz, for Mermaid, and as JSON
 * (PRODUCT.md §10). Pure: a graph in, a string out.
 */
import {isRunnable, type Graph} from '../core/graph.js';
import type {Task} from '../core/task.js';
import {minutesText, oneLine, statusLook, truncate, type Paint} from '../text/format.js';

/** Past this depth the tree says how to look further instead of indenting off the screen. */
const maxDepth = 24;

interface TreeOptions {
	readonly paint: Paint;
	readonly now: Date;
	/** Show only this task and what depends on it. */
	readonly from?: string;
	readonly width?: number;
}

/**
 * Roots are the tasks that depend on nothing; under each task, the tasks that depend on it
 * (critical path first, then by remaining work). A task met a second time is named, not repeated.
 */
export function renderTree(graph: Graph, options: TreeOptions): string {
	const {paint} = options;
	const onPath = new Set(graph.criticalPath);
	const shown = new Set<string>();
	const lines: string[] = [];
	const order = (ids: readonly string[]) =>
		[...ids].sort((a, b) => {
			const path = Number(onPath.has(b)) - Number(onPath.has(a));
			if (path !== 0) return path;
			const work = (graph.remaining.get(b) ?? 0) - (graph.remaining.get(a) ?? 0);
			return work !== 0 ? work : a < b ? -1 : 1;
		});

	const label = (task: Task) => {
		const look = statusLook[task.status];
		const mark = onPath.has(task.id) ? paint('red', '◆ ') : '';
		const runnable = isRunnable(task, graph, options.now) ? paint('cyan', ' ← runnable') : '';
		return `${mark}${paint('bold', task.id)} ${paint(look.style, look.symbol)} ${oneLine(task.title)} ${paint('dim', `(${minutesText(task.estimatedMinutes)})`)}${runnable}`;
	};

	// An explicit stack: chains can be far longer than the call stack.
	const stack: Array<{id: string; prefix: string; last: boolean; depth: number; root: boolean}> =
		[];
	const push = (ids: readonly string[], prefix: string, depth: number, root: boolean) => {
		const sorted = order(ids);
		for (let i = sorted.length - 1; i >= 0; i--)
			stack.push({id: sorted[i] as string, prefix, last: i === sorted.length - 1, depth, root});
	};

	const roots =
		options.from === undefined
			? graph.ids.filter(
					(id) =>
						(graph.tasks.get(id)?.dependencies ?? []).every((dep) => !graph.tasks.has(dep)) &&
						!graph.inCycle.has(id),
				)
			: [options.from];
	push(roots, '', 0, true);
	while (stack.length > 0) {
		const {id, prefix, last, depth, root} = stack.pop() as (typeof stack)[number];
		const task = graph.tasks.get(id);
		if (task === undefined) continue;
		const branch = root ? '' : last ? '└── ' : '├── ';
		const line = `${prefix}${branch}`;
		if (shown.has(id)) {
			lines.push(`${line}${paint('dim', `${id} ↑ (shown above)`)}`);
			continue;
		}

		shown.add(id);
		lines.push(`${line}${label(task)}`);
		const children = graph.dependentsOf(id);
		if (children.length === 0) continue;
		const childPrefix = root ? prefix : `${prefix}${last ? '    ' : '│   '}`;
		if (depth >= maxDepth) {
			lines.push(
				`${childPrefix}└── ${paint('dim', `… ${children.length} more below; jetpack-tui deps --from ${id}`)}`,
			);
			continue;
		}

		push(children, childPrefix, depth + 1, false);
	}

	const unseen = graph.ids.filter((id) => !shown.has(id) && graph.inCycle.has(id));
	if (unseen.length > 0 && options.from === undefined) {
		lines.push('', paint('red', 'On a cycle (never run until it is broken):'));
		for (const id of unseen) lines.push(`  ${label(graph.tasks.get(id) as Task)}`);
	}

	const width = options.width;
	return lines.map((line) => (width === undefined ? line : clip(line, width))).join('\n') + '\n';
}

/** Cuts a line with colour codes to `width` visible columns. */
function clip(line: string, width: number): string {
	// eslint-disable-next-line no-control-regex
	const visible = line.replaceAll(/\u001B\[\d+m/g, '');
	if (visible.length <= width) return line;
	// Rare and only on a terminal: drop the colours rather than count around them.
	return truncate(visible, width);
}

export interface CriticalPathReport {
	readonly path: readonly string[];
	readonly minutes: number;
	readonly next: readonly string[];
	readonly etaMinutes: number;
	readonly agents: number;
}

export function renderCriticalPath(
	graph: Graph,
	report: CriticalPathReport,
	paint: Paint,
	now: Date,
): string {
	if (report.path.length === 0) return 'Nothing is left to do: every task is completed.\n';
	const lines = [
		`${paint('bold', 'Critical path')}: ${report.path.length} task${report.path.length === 1 ? '' : 's'}, ${minutesText(report.minutes)}, first to do → last`,
	];
	const width = String(report.path.length).length;
	for (const [index, id] of report.path.entries()) {
		const task = graph.tasks.get(id) as Task;
		const look = statusLook[task.status];
		const runnable = isRunnable(task, graph, now) ? paint('cyan', '  ← runnable now') : '';
		lines.push(
			`  ${String(index + 1).padStart(width)}. ${paint('bold', id)}  ${paint(look.style, `${look.symbol} ${task.status}`)}  ${minutesText(task.estimatedMinutes)}  ${oneLine(task.title)}${runnable}`,
		);
	}

	lines.push(
		report.next.length > 0
			? `Runnable now on the path: ${report.next.join(', ')}.`
			: 'Nothing on the path can run yet: its first task is waiting on something (blocked, failed, backing off, or a missing dependency).',
		`With ${report.agents} agent${report.agents === 1 ? '' : 's'}, the rest takes at least ${minutesText(report.etaMinutes)} (the longer of the critical path and the remaining work shared among the agents).`,
	);
	return lines.join('\n') + '\n';
}

export function graphJson(graph: Graph, now: Date): unknown {
	const onPath = new Set(graph.criticalPath);
	const nodes = [];
	const edges = [];
	for (const task of graph.tasks.values()) {
		nodes.push({
			id: task.id,
			title: task.title,
			status: task.status,
			estimatedMinutes: task.estimatedMinutes,
			runnable: isRunnable(task, graph, now),
			onCriticalPath: onPath.has(task.id),
		});
		for (const dep of task.dependencies)
			if (graph.tasks.has(dep)) edges.push({from: dep, to: task.id});
	}

	return {
		nodes,
		edges,
		criticalPath: graph.criticalPath,
		cycles: graph.cycles,
		missing: graph.missing,
	};
}

const fill: Record<Task['status'], string> = {
	pending: '#eeeeee',
	ready: '#bbdefb',
	claimed: '#fff59d',
	in_progress: '#fff59d',
	review: '#d1c4e9',
	blocked: '#e1bee7',
	completed: '#c8e6c9',
	failed: '#ffcdd2',
};

const dotEscape = (text: string) =>
	text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll(/\s+/g, ' ');
const dotString = (text: string) => `"${dotEscape(text)}"`;

export function renderDot(graph: Graph): string {
	const onPath = new Set(graph.criticalPath);
	const onPathEdge = new Set(
		graph.criticalPath.slice(1).map((id, i) => `${graph.criticalPath[i]}\u0000${id}`),
	);
	const lines = [
		'digraph tasks {',
		'  rankdir=LR;',
		'  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
	];
	for (const task of graph.tasks.values()) {
		const critical = onPath.has(task.id) ? ', color=red, penwidth=2, fontcolor=red' : '';
		const label = `"${dotEscape(task.id)}\\n${dotEscape(truncate(task.title, 40))}"`;
		lines.push(
			`  ${dotString(task.id)} [label=${label}, fillcolor="${fill[task.status]}"${critical}];`,
		);
	}

	for (const task of graph.tasks.values()) {
		for (const dep of task.dependencies) {
			if (!graph.tasks.has(dep)) continue;
			const critical = onPathEdge.has(`${dep}\u0000${task.id}`) ? ' [color=red, penwidth=2]' : '';
			lines.push(`  ${dotString(dep)} -> ${dotString(task.id)}${critical};`);
		}
	}

	lines.push('}');
	return lines.join('\n') + '\n';
}

const mermaidText = (text: string) =>
	text.replaceAll('"', '#quot;').replaceAll(/[<>]/g, (c) => (c === '<' ? '#lt;' : '#gt;'));

export function renderMermaid(graph: Graph): string {
	const position = new Map(graph.criticalPath.map((id, index) => [id, index]));
	// Mermaid ids must be plain words; task ids may hold dots and dashes.
	const node = new Map(graph.ids.map((id, index) => [id, `t${index}`]));
	const lines = ['graph LR'];
	for (const task of graph.tasks.values()) {
		lines.push(
			`  ${node.get(task.id)}["${mermaidText(`${task.id}: ${truncate(task.title, 40)}`)}"]:::${task.status}`,
		);
	}

	let edge = 0;
	const criticalEdges: number[] = [];
	for (const task of graph.tasks.values()) {
		for (const dep of task.dependencies) {
			if (!graph.tasks.has(dep)) continue;
			lines.push(`  ${node.get(dep)} --> ${node.get(task.id)}`);
			if (position.get(task.id) === (position.get(dep) ?? -2) + 1) criticalEdges.push(edge);
			edge++;
		}
	}

	for (const [status, color] of Object.entries(fill))
		lines.push(`  classDef ${status} fill:${color}`);
	if (graph.criticalPath.length > 0) {
		lines.push(
			`  classDef critical stroke:#d00,stroke-width:3px`,
			`  class ${graph.criticalPath.map((id) => node.get(id)).join(',')} critical`,
		);
	}

	if (criticalEdges.length > 0)
		lines.push(`  linkStyle ${criticalEdges.join(',')} stroke:#d00,stroke-width:3px`);
	return lines.join('\n') + '\n';
}
