/**
 * Cost as pure core (PRODUCT.md §14): prices from the list or the config, an estimate only where a
 * CLI gave tokens but no money, nothing guessed for a model without a price, and the totals by
 * task, profile and day that `cost`, `status` and the run summary show.
 */
import {describe, expect, it} from 'vitest';
import type {Usage} from '../../source/core/clis/detector.js';
import {
	costliest,
	dollars,
	jsonUsd,
	jsonUsdRecord,
	priced,
	priceOf,
	profileOfAgent,
	spendOf,
	usageOf,
	withPrices,
	type Price,
} from '../../source/core/cost.js';
import {newTask, type Attempt, type Task} from '../../source/core/task.js';

const config: Record<string, Price> = {
	'my-local-model': {input: 2, output: 8},
	'gpt-5': {input: 1, output: 1},
};

describe('priceOf', () => {
	const cases: Array<[model: string, prices: Record<string, Price> | undefined, input?: number]> = [
		['claude-opus-4-1-20250805', undefined, 15],
		['claude-sonnet-4-20250514', undefined, 3],
		['claude-3-5-haiku-20241022', undefined, 0.8],
		['gpt-5', undefined, 1.25],
		['gpt-5-mini', undefined, 0.25],
		['gpt-5-nano', undefined, 0.05],
		['gpt-5-codex', undefined, 1.25],
		['codex-mini-latest', undefined, 1.5],
		['o4-mini', undefined, 1.1],
		['o3', undefined, 2],
		['gpt-4.1', undefined, 2],
		['gemini-2.5-pro', undefined, 1.25],
		['gemini-2.5-flash', undefined, 0.3],
		['gemini-2.5-flash-lite', undefined, 0.1],
		// The config names models exactly, and comes before the list.
		['gpt-5', config, 1],
		['my-local-model', config, 2],
		['gpt-5-mini', config, 0.25],
		// Unknown: no price, never a guess.
		['llama3:70b', undefined, undefined],
		['my-local-model', undefined, undefined],
		['', undefined, undefined],
	];
	it.each(cases)('%s (config %o) costs %s per million input tokens', (model, prices, input) => {
		expect(priceOf(model, prices)?.input).toBe(input);
	});
});

describe('priced', () => {
	const cases: Array<{
		name: string;
		usage: Usage;
		prices?: Record<string, Price>;
		costUsd?: number;
		costEstimated?: boolean;
	}> = [
		{
			name: "the CLI's own figure is kept as it is",
			usage: {model: 'claude-sonnet-4', inputTokens: 1_000_000, costUsd: 0.42},
			costUsd: 0.42,
		},
		{
			name: 'tokens of a listed model, with its cache prices',
			usage: {
				model: 'claude-sonnet-4',
				inputTokens: 1_000_000,
				outputTokens: 100_000,
				cacheReadTokens: 1_000_000,
				cacheWriteTokens: 200_000,
			},
			costUsd: 3 + 1.5 + 0.3 + 0.75,
			costEstimated: true,
		},
		{
			name: 'codex tokens (a model from its config)',
			usage: {
				model: 'gpt-5',
				inputTokens: 1_000_000,
				outputTokens: 100_000,
				cacheReadTokens: 200_000,
			},
			costUsd: 1.25 + 1 + 0.025,
			costEstimated: true,
		},
		{
			name: "a config price, with the cache's defaults (a tenth, and 1.25×)",
			usage: {
				model: 'my-local-model',
				inputTokens: 500_000,
				outputTokens: 250_000,
				cacheReadTokens: 1_000_000,
				cacheWriteTokens: 400_000,
			},
			prices: config,
			costUsd: 1 + 2 + 0.2 + 1,
			costEstimated: true,
		},
		{
			name: 'a model with no price stays unpriced',
			usage: {model: 'llama3:70b', inputTokens: 1000, outputTokens: 10},
		},
		{
			name: 'no model: nothing to price by',
			usage: {inputTokens: 1000, outputTokens: 10},
		},
		{
			name: 'a listed model with no tokens costs nothing',
			usage: {model: 'o3'},
			costUsd: 0,
			costEstimated: true,
		},
	];
	it.each(cases)('$name', ({usage, prices, costUsd, costEstimated}) => {
		const result = priced(usage, prices);
		if (costUsd === undefined) expect(result.costUsd).toBeUndefined();
		else expect(result.costUsd).toBeCloseTo(costUsd, 6);
		expect(result.costEstimated).toBe(costEstimated);
		expect(result.inputTokens).toBe(usage.inputTokens);
	});

	it('rounds an estimate to the micro-dollar', () => {
		expect(priced({model: 'gpt-5', inputTokens: 1}).costUsd).toBe(0.000001);
		expect(priced({model: 'gpt-5-nano', inputTokens: 3}).costUsd).toBe(0);
	});
});

const attempt = (
	agent: string,
	endedAt: string,
	usage?: Record<string, unknown> | string,
): Attempt => ({
	n: 1,
	agent,
	startedAt: endedAt,
	endedAt,
	...(usage === undefined ? {} : {usage}),
});
const task = (id: string, attempts: Attempt[]): Task =>
	newTask({id, title: id, attempts: attempts.map((a, index) => ({...a, n: index + 1}))});

describe('spendOf', () => {
	const day1 = '2026-11-29T23:59:00.000Z';
	const day2 = '2026-11-30T00:01:00.000Z';
	const claude = (costUsd: number) => ({
		model: 'claude-sonnet-4',
		inputTokens: 100,
		outputTokens: 10,
		cacheReadTokens: 1000,
		costUsd,
	});
	const codex = (costUsd: number) => ({
		model: 'gpt-5',
		inputTokens: 200,
		outputTokens: 20,
		cacheReadTokens: 50,
		costUsd,
		costEstimated: true,
	});
	const unpricedUsage = {model: 'llama3:70b', inputTokens: 7, outputTokens: 3};

	const cases: Array<{
		name: string;
		tasks: Task[];
		spend: Partial<ReturnType<typeof spendOf>>;
	}> = [
		{name: 'no tasks', tasks: [], spend: {usd: 0, byTask: {}, estimated: false, unpriced: false}},
		{
			name: 'attempts without usage (the simulated agent, a custom CLI)',
			tasks: [task('a', [attempt('sim-1', day1)])],
			spend: {usd: 0, inputTokens: 0, byTask: {}, byProfile: {}, byDay: {}},
		},
		{
			name: 'by task, profile and day, summed over attempts',
			tasks: [
				task('a', [attempt('claude-1', day1, claude(1)), attempt('claude-2', day2, claude(0.5))]),
				task('b', [attempt('codex-1', day2, codex(0.25))]),
			],
			spend: {
				usd: 1.75,
				inputTokens: 400,
				outputTokens: 40,
				cacheReadTokens: 2050,
				estimated: true,
				unpriced: false,
				byTask: {a: 1.5, b: 0.25},
				byProfile: {claude: 1.5, codex: 0.25},
				byDay: {'2026-11-29': 1, '2026-11-30': 0.75},
			},
		},
		{
			name: "only CLIs' own figures: not estimated",
			tasks: [task('a', [attempt('claude-1', day1, claude(2))])],
			spend: {usd: 2, estimated: false, unpriced: false},
		},
		{
			name: 'tokens no price covers: counted, flagged, not costed',
			tasks: [
				task('a', [attempt('ollama-1', day1, unpricedUsage), attempt('claude-1', day1, claude(1))]),
			],
			spend: {usd: 1, inputTokens: 107, outputTokens: 13, unpriced: true, byTask: {a: 1}},
		},
		{
			name: 'a running attempt counts on the day it started',
			tasks: [task('a', [{n: 1, agent: 'claude-1', startedAt: day2, usage: claude(1)}])],
			spend: {byDay: {'2026-11-30': 1}},
		},
		{
			name: 'usage of the wrong types in a hand-edited store is skipped, never NaN',
			tasks: [
				task('a', [
					attempt('claude-1', day1, 'lots'),
					attempt('claude-1', day1, {inputTokens: '12', costUsd: 'free', outputTokens: -1}),
					attempt('claude-1', day1, {costUsd: 0.5, inputTokens: Number.NaN}),
				]),
			],
			spend: {usd: 0.5, inputTokens: 0, outputTokens: 0, unpriced: false, byTask: {a: 0.5}},
		},
	];
	it.each(cases)('$name', ({tasks, spend}) => {
		expect(spendOf(tasks)).toMatchObject(spend);
		expect(spendOf(new Map(tasks.map((t) => [t.id, t])))).toMatchObject(spend);
	});

	it('keeps only the attempts `include` keeps (one run, say)', () => {
		const tasks = [
			task('a', [attempt('claude-1', day1, claude(1)), attempt('claude-1', day2, claude(2))]),
		];
		expect(spendOf(tasks, (_task, a) => a.endedAt === day2)).toMatchObject({
			usd: 2,
			byTask: {a: 2},
			byDay: {'2026-11-30': 2},
		});
	});
});

describe('withPrices', () => {
	it('prices the usage a CLI left without money, and leaves the rest alone', () => {
		const tasks = [
			task('a', [
				attempt('codex-1', '2026-01-01T00:00:00.000Z', {model: 'gpt-5', inputTokens: 1_000_000}),
				attempt('claude-1', '2026-01-01T00:00:00.000Z', {model: 'claude-sonnet-4', costUsd: 0.1}),
				attempt('x-1', '2026-01-01T00:00:00.000Z', {model: 'llama3', inputTokens: 5}),
				attempt('sim-1', '2026-01-01T00:00:00.000Z'),
			]),
			task('b', []),
		];
		const result = withPrices(tasks);
		expect(result[0]?.attempts.map((a) => a['usage'])).toEqual([
			{model: 'gpt-5', inputTokens: 1_000_000, costUsd: 1.25, costEstimated: true},
			{model: 'claude-sonnet-4', costUsd: 0.1},
			{model: 'llama3', inputTokens: 5},
			undefined,
		]);
		expect(result[1]).toBe(tasks[1]);
		expect(spendOf(result)).toMatchObject({usd: 1.35, estimated: true, unpriced: true});
		expect(spendOf(withPrices(tasks, {llama3: {input: 1_000_000, output: 0}}))).toMatchObject({
			usd: 6.35,
			unpriced: false,
		});
	});
});

describe('usageOf', () => {
	const cases: Array<[raw: unknown, usage: Usage | undefined]> = [
		[undefined, undefined],
		[null, undefined],
		['lots', undefined],
		[[1, 2], undefined],
		[{}, {}],
		[
			{
				model: 'o3',
				inputTokens: 1,
				cacheWriteTokens: 2,
				costUsd: 0,
				costEstimated: true,
				sessionId: 's',
			},
			{
				model: 'o3',
				inputTokens: 1,
				cacheWriteTokens: 2,
				costUsd: 0,
				costEstimated: true,
				sessionId: 's',
			},
		],
		[
			{
				model: 3,
				inputTokens: '1',
				outputTokens: -2,
				costUsd: Infinity,
				costEstimated: 'yes',
				extra: 1,
			},
			{},
		],
	];
	it.each(cases)('%o → %o', (raw, usage) => {
		expect(usageOf({n: 1, agent: 'a', startedAt: '2026-01-01T00:00:00.000Z', usage: raw})).toEqual(
			usage,
		);
	});
});

describe('costliest, dollars, jsonUsd, profileOfAgent', () => {
	it('orders totals costliest first, equal ones by name', () => {
		expect(costliest({b: 1, a: 1, c: 3, d: 0.5})).toEqual([
			{id: 'c', usd: 3},
			{id: 'a', usd: 1},
			{id: 'b', usd: 1},
			{id: 'd', usd: 0.5},
		]);
		expect(costliest({})).toEqual([]);
	});

	it.each([
		[0, false, '$0.00'],
		[12.4, false, '$12.40'],
		[0.0421, false, '$0.042'],
		[0.0004, false, '$0.000'],
		[1, false, '$1.00'],
		[1234.567, false, '$1234.57'],
		[3.1, true, '~$3.10'],
		[0.5, true, '~$0.500'],
	])('dollars(%s, %s) is %s', (usd, estimated, text) => {
		expect(dollars(usd, estimated)).toBe(text);
	});

	it('gives JSON dollars without float noise', () => {
		expect(0.1 + 0.2).not.toBe(0.3);
		expect(jsonUsd(0.1 + 0.2)).toBe(0.3);
		expect(jsonUsd(1.2345674)).toBe(1.234567);
		expect(jsonUsdRecord({a: 0.1 + 0.2, b: 2})).toEqual({a: 0.3, b: 2});
	});

	it.each([
		['claude-1', 'claude'],
		['codex-12', 'codex'],
		['mine', 'mine'],
		['gpt-5-2', 'gpt-5'],
	])('the agent %s is of the profile %s', (agent, profile) => {
		expect(profileOfAgent(agent)).toBe(profile);
	});
});
