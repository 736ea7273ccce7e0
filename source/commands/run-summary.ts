/**
 * What a run did, once it ended: the counts, and for every task that failed, is blocked or never
 * ran, what happened to it in plain words. Worked out once as data; `summaryText` is what a person
 * reads after a run, `summaryJson` the `run.finished` line of `--headless --json` (README, "Output
 * for scripts").
 */
import {
	costliest,
	dollars,
	jsonUsd,
	jsonUsdRecord,
	spendOf,
	withPrices,
	type Price,
	type Spend,
} from '../core/cost.js';
import {buildGraph, type Graph} from '../core/graph.js';
import type {FinishReason} from '../core/orchestrator.js';
import type {AgentSlot} from '../core/profiles.js';
import {canTakeTask} from '../core/scheduler.js';
import type {Attempt, Task, TaskTable} from '../core/task.js';
import {minutesText, oneLine, printable, type Paint} from '../text/format.js';

export interface RunSummary {
	readonly reason: FinishReason;
	readonly wallMs: number;
	/** Share of the agents' time spent on tasks, 0 to 1. */
	readonly utilisation: number;
	readonly counts: {
		readonly completed: number;
		readonly failed: number;
		readonly blocked: number;
		readonly notRun: number;
		readonly review: number;
		readonly total: number;
	};
	readonly failed: ReadonlyArray<{
		readonly id: string;
		readonly failureType: string;
		readonly why: string;
	}>;
	readonly blocked: ReadonlyArray<{readonly id: string; readonly why: string}>;
	/** Tasks whose work waits for a person to accept it (`jetpack-tui review`), with their diff stat. */
	readonly review: ReadonlyArray<{readonly id: string; readonly why: string}>;
	/** Tasks left pending or ready: never started, or started and back in the queue. */
	readonly notRun: ReadonlyArray<{readonly id: string; readonly why: string}>;
	readonly paused: ReadonlyArray<{readonly profile: string; readonly reason: string}>;
	/** What the attempts spent (PRODUCT.md §14); absent when nothing was. */
	readonly cost?: {
		readonly usd: number;
		/** Some of it priced from list prices, not the CLIs' own figures. */
		readonly estimated: boolean;
		/** Some tokens had no price: the dollars leave them out. */
		readonly unpriced: boolean;
		readonly byProfile: Readonly<Record<string, number>>;
		/** The costliest tasks, at most `costliestShown`. */
		readonly costliest: ReadonlyArray<{readonly id: string; readonly usd: number}>;
	};
}

/** How many of the costliest tasks a summary names. */
export const costliestShown = 5;

export interface RunEnd {
	readonly reason: FinishReason;
	readonly wallMs: number;
	readonly utilisation: number;
	readonly paused: ReadonlyArray<{readonly profile: string; readonly reason: string}>;
	/** The run's agents, to tell a task none of them could take; absent, that is not judged. */
	readonly pool?: readonly AgentSlot[];
	readonly now: Date;
	/** The attempts whose spend counts (this run's, say); absent, every attempt in the store. */
	readonly include?: (task: Task, attempt: Attempt) => boolean;
	/** The config's `prices`, before the built-in list. */
	readonly prices?: Readonly<Record<string, Price>>;
}

/** The attempts a run started at `startedAt` (ISO) made: what its summary's spend counts. */
export function attemptsSince(startedAt: string): (task: Task, attempt: Attempt) => boolean {
	return (_task, attempt) => attempt.startedAt >= startedAt;
}

export function summarizeRun(tasks: TaskTable, end: RunEnd): RunSummary {
	const all = [...tasks.values()];
	const graph = buildGraph(tasks);
	const failed = all.filter((task) => task.status === 'failed');
	const blocked = all.filter((task) => task.status === 'blocked');
	const open = all.filter((task) => task.status === 'pending' || task.status === 'ready');
	const review = all.filter((task) => task.status === 'review');
	return {
		reason: end.reason,
		wallMs: end.wallMs,
		utilisation: end.utilisation,
		counts: {
			completed: all.filter((task) => task.status === 'completed').length,
			failed: failed.length,
			blocked: blocked.length,
			notRun: open.length,
			review: review.length,
			total: all.length,
		},
		failed: failed.map((task) => ({
			id: task.id,
			failureType: task.failureType ?? 'error',
			why: oneLine(task.lastError ?? '').slice(0, 200),
		})),
		blocked: blocked.map((task) => ({id: task.id, why: oneLine(task.blockers.join('; '))})),
		review: review.map((task) => ({id: task.id, why: reviewWhy(task)})),
		notRun: open.map((task) => ({id: task.id, why: whyNotRun(task, graph, end)})),
		paused: end.paused,
		...runCost(tasks, end.include, end.prices),
	};
}

function runCost(
	tasks: TaskTable,
	include: RunEnd['include'],
	prices: RunEnd['prices'],
): Pick<RunSummary, 'cost'> | undefined {
	const spend = spendOf(withPrices(tasks, prices), include);
	if (spend.usd === 0 && spend.inputTokens + spend.outputTokens === 0) return undefined;
	return {
		cost: {
			usd: jsonUsd(spend.usd),
			estimated: spend.estimated,
			unpriced: spend.unpriced,
			byProfile: jsonUsdRecord(spend.byProfile),
			costliest: costliest(spend.byTask)
				.slice(0, costliestShown)
				.map(({id, usd}) => ({id, usd: jsonUsd(usd)})),
		},
	};
}

const stateOf: Record<Task['status'], string> = {
	pending: 'not run',
	ready: 'not run',
	claimed: 'running',
	in_progress: 'running',
	review: 'waiting for review',
	completed: 'completed',
	failed: 'failed',
	blocked: 'blocked',
};

const endedBy: Record<FinishReason, string> = {
	done: 'the run ended',
	interrupted: 'the run was interrupted',
	'all-paused': 'every agent was paused',
	'max-hours': 'the run reached --max-hours',
	'lost-run': 'another run took over the store',
	budget: 'the run spent its budget',
};

/** A task in review, in a phrase: its branch and diff stat. */
function reviewWhy(task: Task): string {
	const workspace = task.attempts.at(-1)?.['workspace'] as
		| {branch?: string; files?: number; insertions?: number; deletions?: number; unmerged?: string}
		| undefined;
	if (workspace?.branch === undefined) return 'its work is done';
	const stat = `${workspace.branch} (+${workspace.insertions ?? 0} −${workspace.deletions ?? 0}, ${workspace.files ?? 0} file${workspace.files === 1 ? '' : 's'})`;
	return workspace.unmerged === undefined ? stat : `${stat}, not merged: ${workspace.unmerged}`;
}

const clockTime = (iso: string) => new Date(iso).toTimeString().slice(0, 5);

/** What happened to a task left pending or ready at the end of a run, as one phrase. */
export function whyNotRun(
	task: Task,
	graph: Graph,
	end: Pick<RunEnd, 'reason' | 'pool' | 'now'>,
): string {
	const last = task.attempts.at(-1);
	const error = oneLine(task.lastError ?? '').slice(0, 160);
	if (last !== undefined) {
		const retryAt = task.nextAttemptAt === undefined ? Number.NaN : Date.parse(task.nextAttemptAt);
		if (last.failureType === 'infra')
			return task.attempts.every((attempt) => attempt.failureType === 'infra')
				? `never started: its agent could not run (${error || 'infra'}); no retry spent`
				: `back in the queue: its agent could not start on attempt ${last.n} (${error || 'infra'}); no retry spent`;
		if (retryAt > end.now.getTime())
			return `waits to try again after ${clockTime(task.nextAttemptAt ?? '')}: attempt ${last.n} ended in ${last.failureType ?? 'error'}${error === '' ? '' : ` (${error})`}`;
		if (last.failureType === 'killed' || last.endedAt === undefined)
			return `stopped before it finished (attempt ${task.attempts.length}); back in the queue`;
		return `back in the queue after attempt ${last.n} ended in ${last.failureType ?? 'error'}${error === '' ? '' : ` (${error})`}`;
	}

	if (graph.inCycle.has(task.id)) return 'never ran: it is on a dependency cycle';
	const missing = task.dependencies.filter((dep) => !graph.tasks.has(dep));
	if (missing.length > 0)
		return `never ran: it depends on ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not in the store`;
	const waiting = task.dependencies.filter((dep) => graph.tasks.get(dep)?.status !== 'completed');
	if (waiting.length > 0) {
		const named = waiting.slice(0, 3).map((dep) => {
			const state = graph.inCycle.has(dep)
				? 'on a cycle'
				: stateOf[graph.tasks.get(dep)?.status ?? 'pending'];
			return `${dep} (${state})`;
		});
		const more = waiting.length > 3 ? ` and ${waiting.length - 3} more` : '';
		return `never ran: it waits for ${named.join(', ')}${more}`;
	}

	if (task.blockers.length > 0)
		return `never ran: held back (${oneLine(task.blockers.join('; '))})`;
	if (end.pool !== undefined && !end.pool.some((slot) => canTakeTask(slot, task)))
		return `never ran: no agent of this run has the skills it needs (${task.requiredSkills.join(', ')})`;
	if (task.nextAttemptAt !== undefined && Date.parse(task.nextAttemptAt) > end.now.getTime())
		return `never ran: it waits until ${clockTime(task.nextAttemptAt)}`;
	return `never ran: ${endedBy[end.reason]} before its turn came`;
}

export function summaryText(summary: RunSummary, paint: Paint): string {
	const {reason, wallMs, counts} = summary;
	const lines = [
		'',
		paint(
			'bold',
			`Run ${reason === 'done' ? 'finished' : `ended (${reason})`} after ${wallMs < 60_000 ? `${(wallMs / 1000).toFixed(1)} s` : minutesText(wallMs / 60_000)}; agents busy ${Math.round(summary.utilisation * 100)}% of the time.`,
		),
		`  ${counts.completed} completed, ${counts.failed} failed, ${counts.blocked} blocked, ${counts.review > 0 ? `${counts.review} waiting for review, ` : ''}${counts.notRun} not run, of ${counts.total}.`,
	];
	for (const task of summary.failed.slice(0, 20))
		lines.push(paint('red', `  ✗ ${task.id} (${task.failureType}): ${task.why}`.slice(0, 200)));
	if (summary.failed.length > 20)
		lines.push(
			`  … and ${summary.failed.length - 20} more failed (jetpack-tui task list --status failed)`,
		);
	for (const task of summary.blocked.slice(0, 10))
		lines.push(paint('magenta', `  ⊘ ${task.id} blocked: ${task.why}`));
	for (const task of summary.review.slice(0, 20))
		lines.push(paint('blue', `  ◕ ${task.id} waits for review: ${task.why}`));
	if (summary.review.length > 0)
		lines.push(
			paint(
				'blue',
				'  See each with `jetpack-tui diff ID`; accept or reject with `jetpack-tui review ID --accept | --reject REASON`.',
			),
		);
	for (const task of summary.notRun.slice(0, 10))
		lines.push(paint('dim', `  · ${task.id} ${task.why}`));
	if (summary.notRun.length > 10)
		lines.push(paint('dim', `  … and ${summary.notRun.length - 10} more not run`));
	for (const pause of summary.paused)
		lines.push(paint('red', `  ${pause.profile} is paused: ${pause.reason}`));
	if (summary.cost !== undefined) lines.push(...costLines(summary.cost));
	return lines.join('\n');
}

/**
 * The spend in one sentence, by profile costliest first, for the run summary and `status`. "At API
 * prices": claude reports what its usage would cost there even on a subscription login, and
 * estimates use list prices.
 */
export function spendSentence(
	spend: Pick<Spend, 'usd' | 'estimated' | 'unpriced' | 'byProfile'>,
): string {
	const profiles = costliest(spend.byProfile).map(
		({id, usd}) => `${printable(id)} ${dollars(usd)}`,
	);
	return (
		`Spent ${dollars(spend.usd, spend.estimated)} at API prices` +
		(profiles.length > 0 ? `: ${profiles.join(', ')}` : '') +
		(spend.unpriced ? '; some tokens have no price' : '')
	);
}

/** The spend by profile, then the costliest tasks. */
function costLines(cost: NonNullable<RunSummary['cost']>): string[] {
	const lines = [`  ${spendSentence(cost)}.`];
	if (cost.costliest.length > 0)
		lines.push(
			`  Costliest: ${cost.costliest.map(({id, usd}) => `${id} ${dollars(usd)}`).join(', ')} (jetpack-tui cost tells more).`,
		);
	return lines;
}

/** The fields of the `run.finished` JSON line, after `time`, `level` and `event`. */
export function summaryJson(summary: RunSummary): Record<string, unknown> {
	return {
		reason: summary.reason,
		seconds: Math.round(summary.wallMs / 100) / 10,
		utilisation: Math.round(summary.utilisation * 100) / 100,
		counts: summary.counts,
		failed: summary.failed,
		blocked: summary.blocked,
		review: summary.review,
		notRun: summary.notRun,
		paused: summary.paused,
		...(summary.cost === undefined ? {} : {cost: summary.cost}),
	};
}
