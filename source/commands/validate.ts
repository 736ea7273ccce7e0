import {describeProblem, serializeStore, type LineProblem} from '../core/store-format.js';
import {buildGraph} from '../core/graph.js';
import {settleStatuses, type TaskTable} from '../core/task.js';
import {describeRecovery} from '../adapters/task-store.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

/** Lines the next write would change: missing defaults, CRLF, pending/ready out of step, order. */
function linesToNormalize(text: string, tasks: TaskTable, now: Date): number {
	const current = new Set(
		text
			.replace(/^\uFEFF/, '')
			.split('\n')
			.map((line) => line.replace(/\r$/, '')),
	);
	return serializeStore(settleStatuses(tasks, now))
		.split('\n')
		.filter((line) => line !== '' && !current.has(line)).length;
}

export async function runValidate(context: CommandContext, {flags}: Invocation): CommandResult {
	const {store} = context;
	const out = (line: string) => context.stdout.write(`${line}\n`);
	let inspected = await store.inspect();
	if (inspected === undefined) {
		out(`No task store at ${store.displayPath}; nothing to check.`);
		return 0;
	}

	if (inspected.contents.kind === 'damaged') {
		if (!flags.fix) {
			out(
				`${store.displayPath} is damaged: ${inspected.contents.reason}. \`jetpack-tui recover\` (or \`validate --fix\`) keeps it aside and restores the newest backup that validates.`,
			);
			return 1;
		}

		out(
			describeRecovery(await store.recover(), store.displayPath) ??
				`${store.displayPath}: ${inspected.contents.reason}; treated as an empty store.`,
		);
		inspected = await store.inspect();
		if (inspected === undefined) return 0;
	}

	const {contents, text} = inspected;
	if (contents.kind === 'mistake') {
		for (const problem of contents.problems) out(describeProblem(store.displayPath, problem));
		out(
			contents.conflict
				? 'Resolve the merge conflict in the file, then run `jetpack-tui validate` again.'
				: `${contents.problems.length} problem${contents.problems.length === 1 ? '' : 's'}; fix the lines by hand (the file was not changed), or \`jetpack-tui recover\` to go back to the last good backup.`,
		);
		return 1;
	}

	if (contents.kind !== 'ok') return 1;
	const tasks = contents.table;
	const graph = buildGraph(tasks);
	for (const {id, dependsOn} of graph.missing) {
		out(
			`${id} depends on ${dependsOn}, which is not in the store; it will not run until that is fixed.`,
		);
	}

	for (const cycle of graph.cycles)
		out(`cycle: ${cycle.join(' → ')} (none of these can run until it is broken)`);
	const problems = graph.missing.length + graph.cycles.length;

	const stale = linesToNormalize(text, tasks, context.clock.now());
	if (stale > 0 && flags.fix) {
		await store.update((current) => ({tasks: current, result: undefined}));
		out(`Wrote defaults and normal form to ${stale} line${stale === 1 ? '' : 's'}.`);
	} else if (stale > 0) {
		out(
			`${stale === 1 ? '1 line is' : `${stale} lines are`} missing defaults or not in normal form; \`jetpack-tui validate --fix\` writes them.`,
		);
	}

	out(
		`${tasks.size} task${tasks.size === 1 ? '' : 's'} checked; ${problems === 0 ? 'no problems' : `${graph.missing.length} missing dependenc${graph.missing.length === 1 ? 'y' : 'ies'}, ${graph.cycles.length} cycle${graph.cycles.length === 1 ? '' : 's'}`}.`,
	);
	return problems > 0 ? 1 : 0;
}

export type {LineProblem};
