import {isLive, readRunInfo, type RunInfo} from '../adapters/run-file.js';
import type {SharedRun} from '../adapters/pg-store.js';
import {jsonUsd, jsonUsdRecord, spendOf, withPrices, type Price, type Spend} from '../core/cost.js';
import {buildGraph, isRunnable} from '../core/graph.js';
import {taskStatuses, type TaskStatus, type TaskTable} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {painter, statusLook} from '../text/format.js';
import {spendSentence} from './run-summary.js';
import type {Invocation} from './registry.js';

export interface StatusSummary {
	readonly tasks: {
		readonly total: number;
		readonly byStatus: Partial<Record<TaskStatus, number>>;
		/** Can run now (PRODUCT.md §3). */
		readonly runnable: number;
		/** Pending, waiting on dependencies that are not completed yet. */
		readonly waiting: number;
		/** Can never run as the graph stands: on a cycle, or behind an unknown id or a cycle. */
		readonly stuck: number;
	};
	readonly run: RunInfo | null;
	/** On a shared store (PRODUCT.md §15): every live run, on any machine. */
	readonly runs?: readonly SharedRun[];
	/** What every attempt in the store spent (PRODUCT.md §14); `jetpack-tui cost` tells more. */
	readonly cost: {
		readonly usd: number;
		readonly inputTokens: number;
		readonly outputTokens: number;
		readonly byProfile: Readonly<Record<string, number>>;
	};
}

export function summarize(
	tasks: TaskTable,
	now: Date,
	prices?: Readonly<Record<string, Price>>,
): StatusSummary {
	const graph = buildGraph(tasks);
	const byStatus: Partial<Record<TaskStatus, number>> = {};
	let runnable = 0;
	let waiting = 0;
	let stuck = 0;
	for (const task of tasks.values()) {
		byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
		if (isRunnable(task, graph, now)) runnable++;
		else if (task.status === 'pending' || task.status === 'ready') {
			if (graph.stuck.has(task.id)) stuck++;
			else if (task.blockers.length === 0) waiting++;
		}
	}

	const spend = spendOf(withPrices(tasks, prices));
	return {
		tasks: {total: tasks.size, byStatus, runnable, waiting, stuck},
		run: null,
		cost: {
			usd: jsonUsd(spend.usd),
			inputTokens: spend.inputTokens,
			outputTokens: spend.outputTokens,
			byProfile: jsonUsdRecord(spend.byProfile),
		},
	};
}

/** The spend in one line, or nothing when nothing was spent. */
export function spendLine(spend: Spend): string | undefined {
	if (spend.usd === 0 && spend.inputTokens + spend.outputTokens === 0) return undefined;
	return `${spendSentence(spend)} (jetpack-tui cost tells more).`;
}

/** The live run, if any: what `.jetpack/run.json` names while its heartbeat is fresh. */
async function liveRun(dir: string): Promise<RunInfo | null> {
	const info = await readRunInfo(dir);
	return info !== undefined && isLive(info, Date.now()) ? info : null;
}

/** What `status --json` prints, and the MCP server's `run_status` answers. */
export async function statusOf(context: CommandContext, tasks: TaskTable): Promise<StatusSummary> {
	const local = await liveRun(context.dir);
	// On a shared store: every live run, on any machine (PRODUCT.md §15).
	const runs = context.store.kind === 'postgres' ? await context.store.liveRuns() : undefined;
	const first = runs?.[0];
	return {
		...summarize(tasks, context.clock.now(), context.config.prices),
		run:
			local ??
			(first === undefined
				? null
				: {
						runId: first.runId,
						pid: first.pid,
						host: first.host,
						startedAt: first.startedAt,
						heartbeatAt: first.heartbeatAt,
						agents: first.agents,
					}),
		...(runs === undefined ? {} : {runs}),
	};
}

export async function runStatus(context: CommandContext, {flags}: Invocation): CommandResult {
	const exists = await context.store.exists();
	const tasks = await context.store.read();
	const summary = await statusOf(context, tasks);
	if (flags.json) {
		context.stdout.write(`${JSON.stringify(summary)}\n`);
		return 0;
	}

	if (!exists) {
		context.stdout.write(
			`No task store here (${context.store.displayPath}); add a task with \`jetpack-tui task add TITLE\` or \`jetpack-tui import FILE\`.\n`,
		);
		return 0;
	}

	const paint = painter(context.color);
	const {total, byStatus, runnable, waiting, stuck} = summary.tasks;
	const spent = spendLine(spendOf(withPrices(tasks, context.config.prices)));
	const counts = taskStatuses
		.filter((status) => (byStatus[status] ?? 0) > 0)
		.map((status) => paint(statusLook[status].style, `${byStatus[status]} ${status}`));
	context.stdout.write(
		`${total} task${total === 1 ? '' : 's'}: ${counts.join(', ') || 'none'}\n` +
			`${runnable} runnable now, ${waiting} waiting on dependencies${stuck > 0 ? `, ${paint('red', `${stuck} stuck behind a cycle or a missing dependency (jetpack-tui deps shows where)`)}` : ''}\n` +
			(summary.runs !== undefined
				? runsText(summary.runs)
				: summary.run === null
					? 'No run is going.\n'
					: `A run is going: pid ${summary.run.pid} on ${summary.run.host}, started ${summary.run.startedAt}, ${summary.run.agents?.length ?? 0} agents.\n`) +
			(spent === undefined ? '' : `${spent}\n`),
	);
	return 0;
}

/** Every live run of a shared store, one line each. */
function runsText(runs: readonly SharedRun[]): string {
	if (runs.length === 0) return 'No run is going.\n';
	const lines = runs.map(
		(run) =>
			`  ${run.runId}  pid ${run.pid} on ${run.host}  ${run.agents.length} agent${run.agents.length === 1 ? '' : 's'} (${run.agents.join(', ')})  in ${run.folder}  since ${run.startedAt}, heartbeat ${run.heartbeatAt}`,
	);
	return `${runs.length} run${runs.length === 1 ? ' is' : 's are'} going:\n${lines.join('\n')}\n`;
}
