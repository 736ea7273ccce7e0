import {UsageError} from '../core/errors.js';
import {buildGraph, isRunnable} from '../core/graph.js';
import {sortedTasks, taskStatuses, taskToJson, type Task, type TaskStatus} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {painter, statusLabel, table} from '../text/format.js';
import type {Invocation} from './registry.js';

export function parseStatusFilter(value: string): Set<TaskStatus> {
	const wanted = value
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s !== '');
	for (const status of wanted) {
		if (!(taskStatuses as readonly string[]).includes(status)) {
			throw new UsageError(
				`--status ${JSON.stringify(status)} is not a status; use ${taskStatuses.join(', ')}.`,
			);
		}
	}

	return new Set(wanted as TaskStatus[]);
}

export async function runTaskList(context: CommandContext, {flags}: Invocation): CommandResult {
	const statuses = flags.status === undefined ? undefined : parseStatusFilter(flags.status);
	const all = await context.store.read();
	const now = context.clock.now();
	const graph = flags.ready ? buildGraph(all) : undefined;
	const tasks = sortedTasks(all).filter(
		(task) =>
			(statuses === undefined || statuses.has(task.status)) &&
			(graph === undefined || isRunnable(task, graph, now)),
	);
	if (flags.json) {
		context.stdout.write(`${JSON.stringify(tasks.map((task) => taskToJson(task)))}\n`);
		return 0;
	}

	if (tasks.length === 0) {
		const why =
			all.size === 0
				? `no tasks in ${context.store.displayPath} yet; add one with \`jetpack-tui task add TITLE\``
				: 'no task matches';
		context.stderr.write(`jetpack-tui: ${why}.\n`);
		return 0;
	}

	context.stdout.write(renderTaskTable(tasks, context));
	return 0;
}

export function renderTaskTable(
	tasks: readonly Task[],
	context: Pick<CommandContext, 'color' | 'stdout'>,
): string {
	const paint = painter(context.color);
	const width = (context.stdout as {columns?: number}).columns;
	return table(
		[
			{header: 'ID', cells: tasks.map((t) => t.id)},
			{
				header: 'STATUS',
				cells: tasks.map((t) => statusLabel(t.status, painter(false))),
				shown: tasks.map((t) => statusLabel(t.status, paint)),
			},
			{header: 'PRIORITY', cells: tasks.map((t) => t.priority)},
			{
				header: 'DEPS',
				cells: tasks.map((t) => (t.dependencies.length === 0 ? '' : String(t.dependencies.length))),
			},
			{header: 'TITLE', cells: tasks.map((t) => t.title)},
		],
		width,
		paint,
	);
}
