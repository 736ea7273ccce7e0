import {UsageError} from '../core/errors.js';
import {taskToJson, type Task, type TaskTable} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {painter, printable, statusLabel, type Paint} from '../text/format.js';
import type {Invocation} from './registry.js';

export async function runTaskShow(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	const id = args[0] ?? '';
	const tasks = await context.store.read();
	const task = tasks.get(id);
	if (task === undefined) throw missingTask(id);

	context.stdout.write(
		flags.json
			? `${JSON.stringify(taskToJson(task))}\n`
			: describeTask(task, tasks, context.config.maxRetries, painter(context.color)),
	);
	return 0;
}

export function missingTask(id: string): UsageError {
	return new UsageError(
		`There is no task ${JSON.stringify(id)}; \`jetpack-tui task list\` shows the ids.`,
	);
}

function describeTask(task: Task, tasks: TaskTable, maxRetries: number, paint: Paint): string {
	const lines = [
		`${paint('bold', task.id)}  ${printable(task.title)}`,
		`  status     ${statusLabel(task.status, paint)}`,
		`  priority   ${task.priority}`,
	];
	const field = (name: string, value: string | undefined) => {
		if (value !== undefined && value !== '') lines.push(`  ${name.padEnd(10)} ${printable(value)}`);
	};

	field('estimate', `${task.estimatedMinutes} min`);
	field('skills', task.requiredSkills.join(', '));
	field('tags', task.tags.join(', '));
	field('blockers', task.blockers.join('; '));
	field(
		'retries',
		task.retryCount > 0 ? `${task.retryCount} of ${task.maxRetries ?? maxRetries}` : undefined,
	);
	field('agent', task.assignedAgent);
	field('failure', task.failureType);
	field('last error', task.lastError);
	field('next try', task.nextAttemptAt);
	field('parent', task.parentId);
	field('created', task.createdAt);
	field('completed', task.completedAt);
	if (task.dependencies.length > 0) {
		lines.push('  depends on');
		for (const dep of task.dependencies) {
			const other = tasks.get(dep);
			lines.push(
				other === undefined
					? `    ${dep}  ${paint('red', '(no such task)')}`
					: `    ${dep}  ${statusLabel(other.status, paint)}  ${printable(other.title)}`,
			);
		}
	}

	const dependents = [...tasks.values()].filter((other) => other.dependencies.includes(task.id));
	if (dependents.length > 0) {
		lines.push('  needed by');
		for (const other of dependents)
			lines.push(`    ${other.id}  ${statusLabel(other.status, paint)}  ${printable(other.title)}`);
	}

	if (task.attempts.length > 0) {
		lines.push('  attempts');
		for (const attempt of task.attempts) {
			const outcome =
				attempt.failureType ??
				(attempt.exitCode === 0
					? 'completed'
					: attempt.endedAt === undefined
						? 'running'
						: 'ended');
			const exit =
				attempt.exitCode === undefined || attempt.exitCode === null
					? ''
					: ` exit ${attempt.exitCode}`;
			lines.push(
				`    #${attempt.n} ${attempt.agent} ${attempt.startedAt} ${outcome}${exit}${attempt.log === undefined ? '' : `  ${attempt.log}`}`,
			);
		}
	}

	if (task.notes.length > 0) {
		lines.push('  notes');
		for (const note of task.notes)
			lines.push(`    - ${note.split('\n').map(printable).join('\n      ')}`);
	}

	if (task.description !== '')
		lines.push('', ...task.description.split('\n').map((line) => `  ${printable(line)}`));
	return lines.join('\n') + '\n';
}
