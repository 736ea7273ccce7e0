/** `task retry|done|fail|block|unblock`: one transaction each, one line of output. */
import {UsageError} from '../core/errors.js';
import {
	addNote,
	blockTask,
	maxNotesKept,
	markDone,
	reportDone,
	markFailed,
	retryTasks,
	unblockTask,
	type OpContext,
} from '../core/task-ops.js';
import type {Task} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

function opContext(context: CommandContext): OpContext {
	return {now: context.clock.now(), random: Math.random};
}

function onlyId(args: readonly string[]): string {
	return args[0] ?? '';
}

export async function runTaskRetry(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	if (flags.failed === args.length > 0) {
		throw new UsageError(
			'Name the tasks to retry, or give --failed for every failed task (not both).',
		);
	}

	const status = new Map<string, string>();
	const {retried, nothingToRetry} = await context.store.update((tasks) => {
		for (const id of args) {
			const task = tasks.get(id);
			if (task !== undefined) status.set(id, task.status);
		}

		return retryTasks(tasks, flags.failed ? 'failed' : args, opContext(context));
	});
	const idle = nothingToRetry.map((id) => `${id} (${status.get(id) ?? 'ready'})`);
	const lines = [
		...(retried.length > 0 ? [`Retrying ${retried.join(', ')}.`] : []),
		...(idle.length > 0
			? [
					`Nothing to retry for ${idle.join(', ')}: ${idle.length === 1 ? 'it has' : 'they have'} no failed attempt or backoff to reset.`,
				]
			: []),
	];
	// Like \`git merge\` when already up to date: what was asked for holds already, so exit 0.
	context.stdout.write(`${lines.length > 0 ? lines.join('\n') : 'No failed tasks to retry.'}\n`);
	return 0;
}

export async function runTaskDone(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	const {message, warning} = await finishTask(context, onlyId(args), flags.note);
	context.stdout.write(`${message}\n`);
	if (warning !== undefined) context.stderr.write(`jetpack-tui: note: ${warning}\n`);
	return 0;
}

export interface Finished {
	readonly task: Task;
	/** What `task done` prints. */
	readonly message: string;
	/** Said on stderr: done by hand before its dependencies. */
	readonly warning?: string;
}

/**
 * `task done`, for the CLI and the MCP server alike: an agent in its own worktree reports its
 * attempt done (the run merges, then completes it); anyone else completes the task. `note` is
 * added to the task's notes either way.
 */
export async function finishTask(
	context: CommandContext,
	id: string,
	note: string | undefined,
): Promise<Finished> {
	const attempt = ownAttempt(context.env, id);
	if (attempt !== undefined) {
		const reported = await context.store.update((tasks) =>
			reportDone(tasks, id, attempt, opContext(context), note),
		);
		if (reported !== undefined) {
			return {
				task: reported,
				message: `${id}: reported done; the run merges your work once its quality gates pass, then completes it.`,
			};
		}
	}

	const {task, unmetDependencies} = await context.store.update((tasks) =>
		markDone(tasks, id, opContext(context), note),
	);
	return {
		task,
		message: `${task.id} completed.`,
		...(unmetDependencies.length > 0
			? {
					warning: `${task.id} was marked done before its dependencies ${unmetDependencies.join(', ')}.`,
				}
			: {}),
	};
}

/**
 * The attempt number when this is the agent of task `id`'s attempt, working in its own worktree:
 * its environment says so (`JETPACK_WORKTREE`, `JETPACK_TASK_ID`, and the attempt token).
 */
function ownAttempt(env: NodeJS.ProcessEnv, id: string): number | undefined {
	if (env['JETPACK_WORKTREE'] === undefined || env['JETPACK_TASK_ID'] !== id) return undefined;
	const attempt = Number((env['JETPACK_AGENT_TOKEN'] ?? '').split('.').at(-1));
	return Number.isInteger(attempt) && attempt > 0 ? attempt : undefined;
}

/** A task changed, and the line the CLI prints about it. */
export interface Changed {
	readonly task: Task;
	readonly message: string;
}

export async function failTask(
	context: CommandContext,
	id: string,
	reason: string | undefined,
): Promise<Changed> {
	const task = await context.store.update((tasks) =>
		markFailed(tasks, id, reason, opContext(context)),
	);
	return {task, message: `${task.id} failed: ${task.lastError ?? ''}`};
}

export async function holdTask(
	context: CommandContext,
	id: string,
	reason: string | undefined,
): Promise<Changed> {
	if (reason === undefined)
		throw new UsageError('`task block` needs --reason TEXT: say why the task is held back.');
	const task = await context.store.update((tasks) =>
		blockTask(tasks, id, reason, opContext(context)),
	);
	return {task, message: `${task.id} blocked: ${task.blockers.join('; ')}`};
}

export async function releaseTask(context: CommandContext, id: string): Promise<Changed> {
	const task = await context.store.update((tasks) => unblockTask(tasks, id, opContext(context)));
	return {task, message: `${task.id} unblocked; it is ${task.status}.`};
}

export async function noteTask(
	context: CommandContext,
	id: string,
	note: string,
): Promise<Changed> {
	const task = await context.store.update((tasks) => addNote(tasks, id, note, opContext(context)));
	return {task, message: `${task.id}: noted (${task.notes.length} of at most ${maxNotesKept}).`};
}

export async function runTaskFail(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	context.stdout.write(`${(await failTask(context, onlyId(args), flags.reason)).message}\n`);
	return 0;
}

export async function runTaskBlock(
	context: CommandContext,
	{args, flags}: Invocation,
): CommandResult {
	context.stdout.write(`${(await holdTask(context, onlyId(args), flags.reason)).message}\n`);
	return 0;
}

export async function runTaskUnblock(context: CommandContext, {args}: Invocation): CommandResult {
	context.stdout.write(`${(await releaseTask(context, onlyId(args))).message}\n`);
	return 0;
}
