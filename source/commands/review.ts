/**
 * `jetpack-tui review [ID] [--accept | --reject REASON]` (PRODUCT.md §12): the finished work that
 * waits for a person (`merge: "review"`), one task's diff stat, and the two answers. Accepting
 * merges through the same queue as a run (the merge lock makes it safe while one goes on).
 */
import {DiffUnavailable} from '../adapters/git-workspaces.js';
import {UsageError} from '../core/errors.js';
import {
	acceptReview,
	rejectReview,
	requireReview,
	reviewEntry,
	statPhrase,
	waitingForReview,
	type ReviewEntry,
} from '../core/review.js';
import {painter, printable, table} from '../text/format.js';
import type {CommandContext, CommandResult} from './context.js';
import {diffOf} from './diff.js';
import type {Invocation} from './registry.js';
import {openWorkspaces} from './workspaces.js';

export async function runReview(context: CommandContext, {args, flags}: Invocation): CommandResult {
	const id = args[0];
	const accept = flags.accept === true;
	const {reject} = flags;
	if (accept && reject !== undefined)
		throw new UsageError(
			'--accept and --reject are two answers; give one: `jetpack-tui review ID --accept` or `jetpack-tui review ID --reject "why"`.',
		);
	if (id === undefined) {
		if (accept || reject !== undefined)
			throw new UsageError(
				`${accept ? '--accept' : '--reject'} needs the task it answers: \`jetpack-tui review ID ${accept ? '--accept' : '--reject "why"'}\`; \`jetpack-tui review\` lists them.`,
			);
		return list(context, flags.json);
	}

	// Refused before any git is touched: an unknown id, a task not in review, no reason.
	const {task} = requireReview(await context.store.read(), id);
	if (reject !== undefined) {
		const message = await rejectReview(context.store, task.id, reject, context.clock.now());
		return answered(context, flags.json, task.id, message, false);
	}

	if (accept) {
		const {workspaces} = await openWorkspaces(context, `review-${process.pid}`);
		const message = await acceptReview(context.store, workspaces, task.id, context.clock.now(), {
			maxRetries: context.config.maxRetries,
			backoffSeconds: context.config.retryBackoffSeconds,
		});
		return answered(context, flags.json, task.id, message, true);
	}

	return show(context, flags.json, reviewEntry(task));
}

async function list(context: CommandContext, json: boolean): CommandResult {
	const waiting = waitingForReview(await context.store.read());
	if (json) {
		context.stdout.write(`${JSON.stringify(waiting)}\n`);
		return 0;
	}

	if (waiting.length === 0) {
		context.stderr.write('jetpack-tui: nothing waits for review.\n');
		return 0;
	}

	const paint = painter(context.color);
	const change = (entry: ReviewEntry) => `+${entry.insertions} −${entry.deletions}`;
	context.stdout.write(
		table(
			[
				{header: 'ID', cells: waiting.map((entry) => entry.id)},
				{header: 'BRANCH', cells: waiting.map((entry) => entry.branch ?? '-')},
				{
					header: 'CHANGE',
					cells: waiting.map(change),
					shown: waiting.map(
						(entry) =>
							`${paint('green', `+${entry.insertions}`)} ${paint('red', `−${entry.deletions}`)}`,
					),
				},
				{header: 'FILES', cells: waiting.map((entry) => String(entry.files))},
				{header: 'TITLE', cells: waiting.map((entry) => printable(entry.title))},
			],
			(context.stdout as {columns?: number}).columns,
			paint,
		),
	);
	context.stderr.write(
		'jetpack-tui: `jetpack-tui review ID` shows one; `jetpack-tui diff ID` its diff; then `--accept` or `--reject "why"`.\n',
	);
	return 0;
}

async function show(context: CommandContext, json: boolean, entry: ReviewEntry): CommandResult {
	if (json) {
		context.stdout.write(`${JSON.stringify(entry)}\n`);
		return 0;
	}

	const paint = painter(context.color);
	const lines = [
		`${paint('bold', entry.id)}  ${printable(entry.title)}`,
		`  branch   ${entry.branch ?? '-'}${entry.base === undefined || entry.base === '' ? '' : ` (from ${entry.base.slice(0, 12)})`}`,
		`  change   ${statPhrase(entry)}`,
	];
	if (entry.branch !== undefined && entry.head !== undefined) {
		const stat = await diffOf(
			context.dir,
			{branch: entry.branch, base: entry.base ?? '', head: entry.head, merged: null},
			{color: context.color, stat: true},
		).catch((error: unknown) => {
			if (error instanceof DiffUnavailable) return `${error.message}\n`;
			throw error;
		});
		lines.push('', ...stat.trimEnd().split('\n'));
	}

	lines.push(
		'',
		`The whole diff: jetpack-tui diff ${entry.id}`,
		`Accept (merge it): jetpack-tui review ${entry.id} --accept`,
		`Reject (back to the queue): jetpack-tui review ${entry.id} --reject "why"`,
	);
	context.stdout.write(`${lines.join('\n')}\n`);
	return 0;
}

/** Prints the answer; an accepted task that did not end up completed (a conflict) exits 1. */
async function answered(
	context: CommandContext,
	json: boolean,
	id: string,
	message: string,
	accepting: boolean,
): CommandResult {
	const status = (await context.store.read()).get(id)?.status;
	context.stdout.write(json ? `${JSON.stringify({id, status, message})}\n` : `${message}\n`);
	return accepting && status !== 'completed' ? 1 : 0;
}
