import {addTask, parsePriority} from '../core/task-ops.js';
import {taskToJson} from '../core/task.js';
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

	const priority =
		flags.priority === undefined ? undefined : parsePriority(flags.priority, '--priority');
	const now = context.clock.now();
	const task = await context.store.update((tasks) =>
		addTask(
			tasks,
			{
				title,
				description: flags.description,
				priority,
				dependencies: flags.dep,
				requiredSkills: flags.skill,
				tags: flags.tag,
				estimatedMinutes: flags.estimate,
			},
			{now, random: Math.random},
		),
	);
	context.stdout.write(flags.json ? `${JSON.stringify(taskToJson(task))}\n` : `${task.id}\n`);
	return 0;
}
