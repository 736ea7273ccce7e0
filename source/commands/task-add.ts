import {addTask, parsePriority, type NewTaskInput} from '../core/task-ops.js';
import {taskToJson, type Task} from '../core/task.js';
import {UsageError} from '../core/errors.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

export async function runTaskAdd(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	const [title = ''] = args;
	if (flags.estimate !== undefined && Number.isNaN(flags.estimate)) {
		throw new UsageError('--estimate takes a number of minutes, like --estimate 45.');
	}

	const task = await createTask(context, {
		title,
		description: flags.description,
		priority: flags.priority,
		dependencies: flags.dep,
		requiredSkills: flags.skill,
		tags: flags.tag,
		estimatedMinutes: flags.estimate,
	});
	context.stdout.write(flags.json ? `${JSON.stringify(taskToJson(task))}\n` : `${task.id}\n`);
	return 0;
}

/** A new task in one transaction, for `task add` and the MCP server's `add_task` alike. */
export async function createTask(
	context: Pick<CommandContext, 'store' | 'clock'>,
	input: Omit<NewTaskInput, 'priority'> & {readonly priority?: string},
): Promise<Task> {
	const priority =
		input.priority === undefined ? undefined : parsePriority(input.priority, '--priority');
	const now = context.clock.now();
	return context.store.update((tasks) =>
		addTask(tasks, {...input, priority}, {now, random: Math.random}),
	);
}
