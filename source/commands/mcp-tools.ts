/**
 * The tools of `jetpack-tui mcp` (PRODUCT.md §16): each one the CLI's own operation — the same
 * core function in one store transaction, the same validation, the same sentence when the call is
 * wrong — answered as MCP tool results instead of lines on stdout.
 */
import {z} from 'zod';
import {buildGraph, runnableTasks} from '../core/graph.js';
import {compareForScheduling} from '../core/scheduler.js';
import {sortedTasks, taskStatuses, taskToJson, type Task, type TaskTable} from '../core/task.js';
import type {CommandContext} from './context.js';
import {agentCount, criticalPathReport} from './deps.js';
import {statusOf} from './status.js';
import {createTask} from './task-add.js';
import {failTask, finishTask, holdTask, noteTask, releaseTask} from './task-change.js';
import {parseStatusFilter} from './task-list.js';
import {missingTask} from './task-show.js';

/** What a tool answers: a sentence for a change, then the data as JSON. */
export interface ToolAnswer {
	readonly message?: string;
	readonly data: unknown;
}

export interface ToolSpec {
	readonly name: string;
	readonly description: string;
	readonly input: z.ZodRawShape;
	/** Only reads: a client may call it without asking the person. */
	readonly readOnly: boolean;
	readonly run: (context: CommandContext, args: Record<string, unknown>) => Promise<ToolAnswer>;
}

/** Rows a list answers at most, unless the call asks for fewer (or more, up to `maxLimit`). */
export const defaultLimit = 100;
export const maxLimit = 1000;

const id = z.string().describe('a task id, like bd-a1b2');
const limit = z
	.number()
	.int()
	.min(1)
	.max(maxLimit)
	.optional()
	.describe(`how many tasks to answer at most (default ${defaultLimit})`);

/** A task in a list: what tells it apart, not its attempts (`show_task` has everything). */
function row(task: Task): Record<string, unknown> {
	return {
		id: task.id,
		title: task.title,
		status: task.status,
		priority: task.priority,
		...(task.type === undefined ? {} : {type: task.type}),
		dependencies: task.dependencies,
		requiredSkills: task.requiredSkills,
		tags: task.tags,
		estimatedMinutes: task.estimatedMinutes,
		...(task.parentId === undefined ? {} : {parentId: task.parentId}),
		...(task.blockers.length === 0 ? {} : {blockers: task.blockers}),
		...(task.notes.length === 0 ? {} : {notes: task.notes.length}),
	};
}

function listed(tasks: readonly Task[], wanted: number | undefined): Record<string, unknown> {
	const shown = tasks.slice(0, wanted ?? defaultLimit);
	return {total: tasks.length, shown: shown.length, tasks: shown.map((task) => row(task))};
}

const brief = (tasks: TaskTable, ids: readonly string[]) =>
	ids.map((other) => {
		const task = tasks.get(other);
		return task === undefined
			? {id: other, missing: true}
			: {id: other, title: task.title, status: task.status};
	});

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const texts = (value: unknown) => (Array.isArray(value) ? (value as string[]) : undefined);

export const tools: readonly ToolSpec[] = [
	{
		name: 'list_tasks',
		description:
			'The tasks of the store, sorted by id, filtered like `jetpack-tui task list`. Answers {total, shown, tasks}; each task without its attempts (show_task has them).',
		input: {
			status: z
				.string()
				.optional()
				.describe(`statuses, comma-separated: ${taskStatuses.join(', ')}`),
			ready: z.boolean().optional().describe('only the tasks that can run now'),
			tag: z.string().optional().describe('only the tasks with this tag'),
			skill: z.string().optional().describe('only the tasks that require this skill'),
			parent: z.string().optional().describe('only the children of this epic'),
			limit,
		},
		readOnly: true,
		async run(context, args) {
			const status = text(args['status']);
			const statuses = status === undefined ? undefined : parseStatusFilter(status);
			const all = await context.store.read();
			const graph = args['ready'] === true ? buildGraph(all) : undefined;
			const ready =
				graph === undefined ? undefined : new Set(runnableTasks(graph, context.clock.now()));
			const tag = text(args['tag']);
			const skill = text(args['skill']);
			const parent = text(args['parent']);
			const tasks = sortedTasks(all).filter(
				(task) =>
					(statuses === undefined || statuses.has(task.status)) &&
					(ready === undefined || ready.has(task)) &&
					(tag === undefined || task.tags.includes(tag)) &&
					(skill === undefined || task.requiredSkills.includes(skill)) &&
					(parent === undefined || task.parentId === parent),
			);
			return {data: listed(tasks, args['limit'] as number | undefined)};
		},
	},
	{
		name: 'show_task',
		description:
			'One task as stored (`jetpack-tui task show ID --json`): its attempts and notes, with its dependencies and dependents and their statuses.',
		input: {id},
		readOnly: true,
		async run(context, args) {
			const tasks = await context.store.read();
			const wanted = String(args['id']);
			const task = tasks.get(wanted);
			if (task === undefined) throw missingTask(wanted);
			const dependents = sortedTasks(tasks)
				.filter((other) => other.dependencies.includes(task.id))
				.map((other) => other.id);
			return {
				data: {
					task: taskToJson(task),
					dependencies: brief(tasks, task.dependencies),
					dependents: brief(tasks, dependents),
				},
			};
		},
	},
	{
		name: 'add_task',
		description:
			'Adds a task (`jetpack-tui task add`): ready once its dependencies are completed. Answers the task as stored, with its new id.',
		input: {
			title: z.string().describe('what to do, in a line'),
			description: z.string().optional().describe('what the agent should do, in full'),
			priority: z.string().optional().describe('critical, high, medium (default) or low'),
			dependencies: z
				.array(z.string())
				.optional()
				.describe('ids of tasks that must be completed first'),
			requiredSkills: z
				.array(z.string())
				.optional()
				.describe('skills the agent must have, like python'),
			tags: z.array(z.string()).optional().describe('tags, for filtering and taskLimits'),
			estimatedMinutes: z
				.number()
				.optional()
				.describe('minutes it should take (default 30); weights the critical path'),
		},
		readOnly: false,
		async run(context, args) {
			const task = await createTask(context, {
				title: String(args['title']),
				description: text(args['description']),
				priority: text(args['priority']),
				dependencies: texts(args['dependencies']),
				requiredSkills: texts(args['requiredSkills']),
				tags: texts(args['tags']),
				estimatedMinutes: args['estimatedMinutes'] as number | undefined,
			});
			return {message: `${task.id} added; it is ${task.status}.`, data: taskToJson(task)};
		},
	},
	{
		name: 'complete_task',
		description:
			'Marks a task done (`jetpack-tui task done ID --note TEXT`). From an agent working on that task in its own worktree, reports its attempt done: the run merges the work, then completes it. `note`: what you learned that the tasks depending on it need; their prompts carry it.',
		input: {
			id,
			note: z.string().optional().describe('what the next task should know, in a few lines'),
		},
		readOnly: false,
		async run(context, args) {
			const {task, message, warning} = await finishTask(
				context,
				String(args['id']),
				text(args['note']),
			);
			return {
				message: warning === undefined ? message : `${message} Note: ${warning}`,
				data: taskToJson(task),
			};
		},
	},
	{
		name: 'fail_task',
		description: 'Marks a task failed (`jetpack-tui task fail ID --reason TEXT`).',
		input: {id, reason: z.string().optional().describe('why; kept as its last error')},
		readOnly: false,
		async run(context, args) {
			const {task, message} = await failTask(context, String(args['id']), text(args['reason']));
			return {message, data: taskToJson(task)};
		},
	},
	{
		name: 'block_task',
		description:
			'Holds a task back by hand (`jetpack-tui task block ID --reason TEXT`): no agent takes it until it is unblocked.',
		input: {id, reason: z.string().describe('why it is held back')},
		readOnly: false,
		async run(context, args) {
			const {task, message} = await holdTask(context, String(args['id']), text(args['reason']));
			return {message, data: taskToJson(task)};
		},
	},
	{
		name: 'unblock_task',
		description: 'Clears the blockers of a task (`jetpack-tui task unblock ID`).',
		input: {id},
		readOnly: false,
		async run(context, args) {
			const {task, message} = await releaseTask(context, String(args['id']));
			return {message, data: taskToJson(task)};
		},
	},
	{
		name: 'add_note',
		description:
			'Adds a note to a task without changing its status: what was learned doing it, which the prompts of the tasks depending on it carry.',
		input: {id, note: z.string().describe('what the next task should know, in a few lines')},
		readOnly: false,
		async run(context, args) {
			const {task, message} = await noteTask(context, String(args['id']), String(args['note']));
			return {message, data: taskToJson(task)};
		},
	},
	{
		name: 'ready_tasks',
		description:
			'The tasks that can run now, in the order the scheduler hands them out (priority, then the longest chain of work behind them). Answers {total, shown, tasks}.',
		input: {limit},
		readOnly: true,
		async run(context, args) {
			const graph = buildGraph(await context.store.read());
			const ready = runnableTasks(graph, context.clock.now()).sort(compareForScheduling(graph));
			return {data: listed(ready, args['limit'] as number | undefined)};
		},
	},
	{
		name: 'critical_path',
		description:
			'The longest chain of unfinished work, first to do to last (`jetpack-tui deps --critical-path --format json`), with its minutes, what can start on it now, and the ETA with `agents` agents (default: those in .jetpack/config.json).',
		input: {agents: z.number().optional().describe('agents for the ETA')},
		readOnly: true,
		async run(context, args) {
			const agents = agentCount(context, args['agents'] as number | undefined);
			const graph = buildGraph(await context.store.read());
			const report = criticalPathReport(graph, context.clock.now(), agents);
			return {
				data: {
					...report,
					tasks: report.path.map((pathId) => row(graph.tasks.get(pathId) as Task)),
					...(graph.cycles.length > 0 ? {cycles: graph.cycles} : {}),
				},
			};
		},
	},
	{
		name: 'run_status',
		description:
			'Task counts, the live run (pid, host, agents) if one is going, and what the agents spent (`jetpack-tui status --json`).',
		input: {},
		readOnly: true,
		async run(context) {
			return {data: await statusOf(context, await context.store.read())};
		},
	},
];
