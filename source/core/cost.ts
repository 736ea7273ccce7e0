/**
 * What agents spent (PRODUCT.md §14): each attempt's `usage` as its CLI reported it, priced from a
 * table where the CLI gives tokens but no money (codex, gemini), and totals by task, profile and
 * day. Pure: the store's attempts in, figures out.
 */
import type {Usage} from './clis/detector.js';
import type {Attempt, Task, TaskTable} from './task.js';

/** US dollars per million tokens. */
export interface Price {
	readonly input: number;
	readonly output: number;
	/** Cached input read; default a tenth of `input`. */
	readonly cacheRead?: number;
	/** Cache writes; default `input` × 1.25. */
	readonly cacheWrite?: number;
}

/**
 * List prices per million tokens, by model family, from the providers' public pricing pages
 * (anthropic.com/pricing, openai.com/api/pricing, ai.google.dev/gemini-api/docs/pricing), as of
 * 2025-08-15. The first pattern that matches a model's name wins; `prices` in the config comes
 * before these. A model none matches is not priced (its cost stays unknown, never guessed).
 */
export const listPrices: ReadonlyArray<readonly [RegExp, Price]> = [
	[/opus/i, {input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75}],
	[/sonnet/i, {input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75}],
	[/haiku/i, {input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1}],
	[/^gpt-5.*-nano/i, {input: 0.05, output: 0.4, cacheRead: 0.005}],
	[/^gpt-5.*-mini/i, {input: 0.25, output: 2, cacheRead: 0.025}],
	[/^gpt-5/i, {input: 1.25, output: 10, cacheRead: 0.125}],
	[/^codex-mini/i, {input: 1.5, output: 6, cacheRead: 0.375}],
	[/^o4-mini/i, {input: 1.1, output: 4.4, cacheRead: 0.275}],
	[/^(o3|gpt-4\.1)/i, {input: 2, output: 8, cacheRead: 0.5}],
	[/^gemini-.*flash-lite/i, {input: 0.1, output: 0.4, cacheRead: 0.025}],
	[/^gemini-.*flash/i, {input: 0.3, output: 2.5, cacheRead: 0.075}],
	[/^gemini-.*pro/i, {input: 1.25, output: 10, cacheRead: 0.31}],
];

/** The price of `model`: the config's `prices` (exact names) first, then the list. */
export function priceOf(
	model: string,
	prices: Readonly<Record<string, Price>> = {},
): Price | undefined {
	return prices[model] ?? listPrices.find(([pattern]) => pattern.test(model))?.[1];
}

/**
 * `usage` with a cost: the CLI's own figure where it gave one; else the tokens priced from the
 * table (`costEstimated`); else as it was (no model, or one we have no price for).
 */
export function priced(usage: Usage, prices?: Readonly<Record<string, Price>>): Usage {
	if (usage.costUsd !== undefined || usage.model === undefined) return usage;
	const price = priceOf(usage.model, prices);
	if (price === undefined) return usage;
	const perToken = (perMillion: number) => perMillion / 1_000_000;
	const cost =
		(usage.inputTokens ?? 0) * perToken(price.input) +
		(usage.outputTokens ?? 0) * perToken(price.output) +
		(usage.cacheReadTokens ?? 0) * perToken(price.cacheRead ?? price.input / 10) +
		(usage.cacheWriteTokens ?? 0) * perToken(price.cacheWrite ?? price.input * 1.25);
	return {...usage, costUsd: Math.round(cost * 1_000_000) / 1_000_000, costEstimated: true};
}

export interface Spend {
	readonly usd: number;
	readonly inputTokens: number;
	readonly outputTokens: number;
	readonly cacheReadTokens: number;
	/** Some of the money is our estimate (a price table), not a CLI's own figure. */
	readonly estimated: boolean;
	/** Tokens were spent that no price covers: the dollars are a floor. */
	readonly unpriced: boolean;
	readonly byTask: Readonly<Record<string, number>>;
	readonly byProfile: Readonly<Record<string, number>>;
	/** By the day each attempt ended (UTC, `2026-11-29`). */
	readonly byDay: Readonly<Record<string, number>>;
}

/** An agent's profile from its name: `claude-2` → `claude`. */
export function profileOfAgent(agent: string): string {
	return agent.replace(/-\d+$/, '');
}

/**
 * What the attempts spent, all of them or those `include` keeps (one run's, say). Money is rounded
 * to the cent only when shown; sums keep what the CLIs reported.
 */
export function spendOf(
	tasks: TaskTable | readonly Task[],
	include: (task: Task, attempt: Task['attempts'][number]) => boolean = () => true,
): Spend {
	const byTask: Record<string, number> = {};
	const byProfile: Record<string, number> = {};
	const byDay: Record<string, number> = {};
	let usd = 0;
	let inputTokens = 0;
	let outputTokens = 0;
	let cacheReadTokens = 0;
	let estimated = false;
	let unpriced = false;
	for (const task of tasks.values()) {
		for (const attempt of task.attempts) {
			const usage = usageOf(attempt);
			if (usage === undefined || !include(task, attempt)) continue;
			inputTokens += usage.inputTokens ?? 0;
			outputTokens += usage.outputTokens ?? 0;
			cacheReadTokens += usage.cacheReadTokens ?? 0;
			if (usage.costUsd === undefined) {
				unpriced ||= (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) > 0;
				continue;
			}

			estimated ||= usage.costEstimated === true;
			usd += usage.costUsd;
			byTask[task.id] = (byTask[task.id] ?? 0) + usage.costUsd;
			const profile = profileOfAgent(attempt.agent);
			byProfile[profile] = (byProfile[profile] ?? 0) + usage.costUsd;
			const day = (attempt.endedAt ?? attempt.startedAt).slice(0, 10);
			byDay[day] = (byDay[day] ?? 0) + usage.costUsd;
		}
	}

	return {
		usd,
		inputTokens,
		outputTokens,
		cacheReadTokens,
		estimated,
		unpriced,
		byTask,
		byProfile,
		byDay,
	};
}

/** Dollars as people read them: `$12.40`, `$0.042`, `~$3.10` when estimated. */
export function dollars(usd: number, estimated = false): string {
	const text = usd < 1 && usd > 0 ? usd.toFixed(3) : usd.toFixed(2);
	return `${estimated ? '~' : ''}$${text}`;
}

const usageCounts = [
	'inputTokens',
	'outputTokens',
	'cacheReadTokens',
	'cacheWriteTokens',
	'costUsd',
] as const;

/**
 * An attempt's `usage`, keeping only what has the right type: the store is edited by hand too, and
 * a count written as `"12"` must not turn a total into text or NaN.
 */
export function usageOf(attempt: Attempt): Usage | undefined {
	const raw = attempt['usage'];
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
	const record = raw as Record<string, unknown>;
	const usage: Record<string, unknown> = {};
	for (const key of usageCounts) {
		const value = record[key];
		if (typeof value === 'number' && Number.isFinite(value) && value >= 0) usage[key] = value;
	}

	for (const key of ['model', 'sessionId'] as const)
		if (typeof record[key] === 'string' && record[key] !== '') usage[key] = record[key];
	if (typeof record['costEstimated'] === 'boolean')
		usage['costEstimated'] = record['costEstimated'];
	return usage as Usage;
}

/**
 * The tasks with every attempt's usage `priced`: an attempt recorded with tokens and a model but
 * no money (a price added to the table since, say) is costed when reported, never left at $0.
 */
export function withPrices(
	tasks: TaskTable | readonly Task[],
	prices?: Readonly<Record<string, Price>>,
): Task[] {
	return [...tasks.values()].map((task) =>
		task.attempts.some((attempt) => attempt['usage'] !== undefined)
			? {
					...task,
					attempts: task.attempts.map((attempt) => {
						const usage = usageOf(attempt);
						return usage === undefined ? attempt : {...attempt, usage: priced(usage, prices)};
					}),
				}
			: task,
	);
}

/** Totals (by task, profile or day) costliest first; equal ones by name, for a stable order. */
export function costliest(
	totals: Readonly<Record<string, number>>,
): Array<{id: string; usd: number}> {
	return Object.entries(totals)
		.map(([id, usd]) => ({id, usd}))
		.sort((a, b) => b.usd - a.usd || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Dollars for JSON: to the micro-dollar the prices are given in, without float noise (0.1 + 0.2). */
export function jsonUsd(usd: number): number {
	return Math.round(usd * 1_000_000) / 1_000_000;
}

/** Every total of a record through `jsonUsd`. */
export function jsonUsdRecord(totals: Readonly<Record<string, number>>): Record<string, number> {
	return Object.fromEntries(Object.entries(totals).map(([key, usd]) => [key, jsonUsd(usd)]));
}
