/**
 * `deps`: the dependency graph as a tree (or Graphviz, Mermaid, JSON) and the critical path with
 * an ETA. A cycle makes it exit 1 and names it; dependencies on unknown ids are reported.
 */
import {exitCodes, UsageError} from '../core/errors.js';
import {buildGraph, etaMinutes, isRunnable, type Graph} from '../core/graph.js';
import type {Task, TaskTable} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {
	graphJson,
	renderCriticalPath,
	renderDot,
	renderMermaid,
	renderTree,
	type CriticalPathReport,
} from './deps-render.js';
import {painter} from '../text/format.js';
import type {Invocation} from './registry.js';

const formats = ['text', 'dot', 'mermaid', 'json'] as const;
type Format = (typeof formats)[number];

function parseFormat(value: string | undefined, json: boolean): Format {
	if (value === undefined) return json ? 'json' : 'text';
	if ((formats as readonly string[]).includes(value)) return value as Format;
	throw new UsageError(
		`--format ${JSON.stringify(value)} is not a format; use ${formats.join(', ')}.`,
	);
}

/** `-a`, else the agents the config starts. */
export function agentCount(
	context: Pick<CommandContext, 'config'>,
	flag: number | undefined,
): number {
	if (flag !== undefined) {
		if (!Number.isInteger(flag) || flag < 1)
			throw new UsageError(
				`-a ${flag} is not a number of agents; give a whole number of at least 1.`,
			);
		return flag;
	}

	return Math.max(
		1,
		context.config.agents.reduce((sum, agent) => sum + agent.count, 0),
	);
}

/** The tasks that depend, at any depth, on `from`, with `from` itself. */
function downstream(graph: Graph, from: string): TaskTable {
	const keep = new Map<string, Task>();
	const queue = [from];
	for (let head = 0; head < queue.length; head++) {
		const id = queue[head] as string;
		const task = graph.tasks.get(id);
		if (task === undefined || keep.has(id)) continue;
		keep.set(id, task);
		queue.push(...graph.dependentsOf(id));
	}

	return keep;
}

/**
 * A part of the store as a graph of its own: a dependency outside it that is completed is
 * satisfied, so it is left out rather than taken for one that is not in the store.
 */
function view(part: TaskTable, all: TaskTable): TaskTable {
	const done = (id: string) => !part.has(id) && all.get(id)?.status === 'completed';
	return new Map(
		[...part].map(([id, task]) => [
			id,
			task.dependencies.some(done)
				? {...task, dependencies: task.dependencies.filter((dep) => !done(dep))}
				: task,
		]),
	);
}

/** What `deps --critical-path --format json` prints, and the MCP server's `critical_path` answers. */
export function criticalPathReport(graph: Graph, now: Date, agents: number): CriticalPathReport {
	return {
		path: graph.criticalPath,
		minutes: graph.criticalMinutes,
		// Only the first can be: each later task on the path depends on the one before it, unfinished.
		next: graph.criticalPath
			.slice(0, 1)
			.filter((id) => isRunnable(graph.tasks.get(id) as Task, graph, now)),
		etaMinutes: etaMinutes(graph, agents),
		agents,
	};
}

export async function runDeps(context: CommandContext, {flags}: Invocation): CommandResult {
	const format = parseFormat(flags.format, flags.json);
	const agents = agentCount(context, flags.agents);
	const tasks = await context.store.read();
	const now = context.clock.now();
	let graph = buildGraph(tasks);
	if (flags.from !== undefined) {
		if (!tasks.has(flags.from))
			throw new UsageError(
				`--from ${JSON.stringify(flags.from)}: there is no such task; \`jetpack-tui task list\` shows the ids.`,
			);
		graph = buildGraph(view(downstream(graph, flags.from), tasks));
	}

	const report = criticalPathReport(graph, now, agents);
	const showGraph = flags.graph || !flags.criticalPath;
	const paint = painter(context.color);
	const width = (context.stdout as {columns?: number}).columns;
	switch (format) {
		case 'json': {
			context.stdout.write(`${JSON.stringify(showGraph ? graphJson(graph, now) : report)}\n`);
			break;
		}

		case 'dot': {
			context.stdout.write(renderDot(graph));
			break;
		}

		case 'mermaid': {
			context.stdout.write(renderMermaid(graph));
			break;
		}

		case 'text': {
			if (tasks.size === 0) {
				context.stderr.write(`jetpack-tui: no tasks in ${context.store.displayPath} yet.\n`);
				return exitCodes.ok;
			}

			if (showGraph) context.stdout.write(renderTree(graph, {paint, now, from: flags.from, width}));
			if (showGraph && flags.criticalPath) context.stdout.write('\n');
			if (flags.criticalPath) context.stdout.write(renderCriticalPath(graph, report, paint, now));
			break;
		}
	}

	// A dependency outside a --from view is in the store all the same: only a real one is told.
	for (const {id, dependsOn} of graph.missing.filter((missing) => !tasks.has(missing.dependsOn))) {
		context.stderr.write(
			`jetpack-tui: ${id} depends on ${dependsOn}, which is not in the store; it will not run until that is fixed.\n`,
		);
	}

	for (const cycle of graph.cycles) context.stderr.write(`cycle: ${cycle.join(' → ')}\n`);
	return graph.cycles.length > 0 ? exitCodes.problems : exitCodes.ok;
}
