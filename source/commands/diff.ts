/**
 * `jetpack-tui diff ID` (PRODUCT.md §12): what the task's last attempt in a worktree changed —
 * against the base it started from, or, once merged, what the merge brought into the integration
 * branch. Read-only: it asks git, and opens no workspace (which would follow the base branch and
 * could refuse while a person has the integration branch checked out).
 */
import {attemptDiff, DiffUnavailable} from '../adapters/git-workspaces.js';
import {GitError} from '../adapters/git.js';
import {UsageError} from '../core/errors.js';
import {diffSource} from '../core/review.js';
import type {WorkspaceRecord} from '../core/workspaces.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

export async function runDiff(context: CommandContext, {args, flags}: Invocation): CommandResult {
	const id = args[0] ?? '';
	const task = (await context.store.read()).get(id);
	if (task === undefined)
		throw new UsageError(
			`There is no task ${JSON.stringify(id)}; \`jetpack-tui task list\` shows the ids.`,
		);
	const source = diffSource(task);
	if (source.kind === 'none') {
		context.stderr.write(`jetpack-tui: ${source.message}\n`);
		return 0;
	}

	const text = await diffOf(context.dir, source.record, {
		color: context.color,
		stat: flags.stat === true,
	});
	if (text === '') {
		context.stderr.write(
			`jetpack-tui: ${task.id}'s attempt #${source.attempt} changed nothing (${source.record.branch}).\n`,
		);
		return 0;
	}

	context.stdout.write(text);
	return 0;
}

/** The diff, or one sentence (exit 1) when git can no longer give it. */
export async function diffOf(
	dir: string,
	record: WorkspaceRecord,
	options: {color: boolean; stat?: boolean},
): Promise<string> {
	try {
		return await attemptDiff(dir, record, options);
	} catch (error) {
		if (error instanceof GitError)
			throw new DiffUnavailable(
				`git cannot show the diff of ${record.branch} here (${error.stderr.trim().split('\n').at(-1) ?? 'no message'}); is ${dir} still the git repository the task ran in?`,
			);
		throw error;
	}
}
