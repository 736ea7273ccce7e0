/**
 * `jetpack-tui export`: the store as JSONL on stdout, whatever its backend (PRODUCT.md §15) — the
 * normalised task objects in id order, byte for byte what `.beads/tasks.jsonl` would hold.
 */
import {UsageError} from '../core/errors.js';
import {serializeStore} from '../core/store-format.js';
import {settleStatuses} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

export async function runExport(context: CommandContext, {flags}: Invocation): CommandResult {
	if (flags.format !== undefined && flags.format !== 'jsonl')
		throw new UsageError(
			`--format ${JSON.stringify(flags.format)} is not a format of export; the only one is jsonl.`,
		);
	if (!(await context.store.exists())) {
		context.stderr.write(
			`jetpack-tui: no task store at ${context.store.displayPath} yet; nothing to export.\n`,
		);
		return 0;
	}

	// Normalised as a write leaves them: defaults filled, pending and ready in step with the graph.
	context.stdout.write(
		serializeStore(settleStatuses(await context.store.read(), context.clock.now())),
	);
	return 0;
}
