import os from 'node:os';
import {describeRecovery} from '../adapters/task-store.js';
import {StoreError} from '../core/errors.js';
import {describeProblem} from '../core/store-format.js';
import {releaseDeadClaims} from '../core/claims.js';
import type {CommandContext, CommandResult} from './context.js';

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

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

	const host = os.hostname();
	const released = await store.update((tasks) =>
		releaseDeadClaims(
			tasks,
			(claim) => claim === undefined || (claim.host === host && !isAlive(claim.pid)),
			context.clock.now(),
		),
	);
	if (released.length > 0)
		out(
			`Returned ${released.length} task${released.length === 1 ? '' : 's'} held by a run that is gone to ready: ${released.join(', ')}.`,
		);
	else out('No task is held by a run that is gone.');
	return 0;
}
