import {claimantAlive, isLive, readRunInfo} from '../adapters/run-file.js';
import {describeRecovery} from '../adapters/task-store.js';
import {StoreError} from '../core/errors.js';
import {describeProblem} from '../core/store-format.js';
import {releaseDeadClaims, releaseLapsedClaims} from '../core/claims.js';
import type {ClaimedBy, Task} from '../core/task.js';
import {stopAgentsOfGoneRuns} from './gone-runs.js';
import type {CommandContext, CommandResult} from './context.js';

export async function runRecover(context: CommandContext): CommandResult {
	const {store} = context;
	const out = (line: string) => context.stdout.write(`${line}\n`);
	const outcome = await store.recover();
	switch (outcome.kind) {
		case 'healthy': {
			out(`${store.displayPath} is healthy; nothing to restore.`);
			break;
		}

		case 'missing': {
			out(`There is no ${store.displayPath} and no backup; nothing to recover.`);
			return 0;
		}

		case 'no-backup': {
			const inspected = await store.inspect();
			if (inspected?.contents.kind === 'mistake') {
				const [first] = inspected.contents.problems;
				throw new StoreError(
					`No backup validates to go back to; ${first === undefined ? store.displayPath : describeProblem(store.displayPath, first)}. Fix it by hand (the file was not changed); \`jetpack-tui validate\` lists every problem.`,
				);
			}

			out(`${store.displayPath}: ${outcome.reason}; with no backup, that is an empty store.`);
			break;
		}

		default: {
			out(describeRecovery(outcome, store.displayPath) ?? '');
		}
	}

	if (store.kind === 'postgres') {
		// Shared: a run is live while its lease holds, on whatever machine it is.
		const lapsed = await store.updateWithRuns((tasks, live) =>
			releaseLapsedClaims(tasks, live, context.clock.now()),
		);
		out(
			lapsed.length > 0
				? `Returned ${lapsed.length} task${lapsed.length === 1 ? '' : 's'} held by a run whose lease lapsed to ready: ${lapsed.join(', ')}.`
				: 'No task is held by a run whose lease lapsed.',
		);
		return 0;
	}

	// Claims of the live run (if one is going) stay, and so do those of a process that is still
	// alive here; every other claim belongs to a run that is gone.
	const info = await readRunInfo(context.dir);
	const live = info !== undefined && isLive(info, Date.now()) ? info.runId : undefined;
	const isGone = (claim: ClaimedBy | undefined, task: Task) =>
		claim === undefined || (claim.runId !== live && !claimantAlive(claim, task.startedAt));
	// What the gone runs' agents left running would work beside the next run: stopped first.
	const stopped = await stopAgentsOfGoneRuns(
		await store.read(),
		isGone,
		info !== undefined && info.runId !== live ? info.runId : undefined,
		context.config.graceSeconds * 1000,
	);
	if (stopped > 0)
		out(
			`Stopped ${stopped} process${stopped === 1 ? '' : 'es'} that agents of a run that is gone had left running.`,
		);
	const released = await store.update((tasks) =>
		releaseDeadClaims(tasks, isGone, context.clock.now()),
	);
	if (released.length > 0)
		out(
			`Returned ${released.length} task${released.length === 1 ? '' : 's'} held by a run that is gone to ready: ${released.join(', ')}.`,
		);
	else out('No task is held by a run that is gone.');
	return 0;
}
