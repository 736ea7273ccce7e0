/**
 * `jetpack-tui cost` and the cost in `status` end to end (PRODUCT.md §14): the built CLI over a
 * store whose attempts carry usage as the CLIs report it (claude with its own dollars, codex with
 * tokens only, a model nobody prices), written by hand.
 */
import {existsSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {repoWith, tempRepo} from '../helpers/temp-repo.js';

const attempt = (n: number, agent: string, endedAt: string, usage?: object) => ({
	n,
	agent,
	startedAt: endedAt,
	endedAt,
	exitCode: 0,
	...(usage === undefined ? {} : {usage}),
});
const day1 = '2026-11-29T22:10:00.000Z';
const day2 = '2026-11-30T09:30:00.000Z';

/** Claude's own dollars, codex tokens to price, a local model without a price, and no usage. */
const store = [
	{
		id: 'bd-api',
		title: 'Build the API',
		status: 'completed',
		attempts: [
			attempt(1, 'claude-1', day1, {
				model: 'claude-sonnet-4-20250514',
				inputTokens: 1200,
				outputTokens: 3400,
				cacheReadTokens: 250_000,
				cacheWriteTokens: 12_000,
				costUsd: 1.25,
				sessionId: 'c0ffee',
			}),
			attempt(2, 'claude-2', day2, {model: 'claude-sonnet-4-20250514', costUsd: 0.5}),
		],
	},
	{
		id: 'bd-ui',
		title: 'Draw the login form',
		status: 'failed',
		attempts: [
			// 400k input (cached ones included, as codex counts them) and 20k output at gpt-5's prices.
			attempt(1, 'codex-1', day2, {
				model: 'gpt-5',
				inputTokens: 400_000,
				outputTokens: 20_000,
				cacheReadTokens: 100_000,
			}),
			attempt(2, 'local-1', day2, {model: 'llama3:70b', inputTokens: 500, outputTokens: 50}),
		],
	},
	...Array.from({length: 22}, (_, index) => ({
		id: `bd-s${String(index).padStart(2, '0')}`,
		title: `Small task ${index}`,
		status: 'completed',
		attempts: [attempt(1, 'claude-1', day1, {costUsd: 0.01 * (index + 1)})],
	})),
	{id: 'bd-sim', title: 'Simulated', status: 'completed', attempts: [attempt(1, 'sim-1', day1)]},
	{id: 'bd-next', title: 'Not run yet', status: 'ready'},
];

// codex: 400,000 × $1.25/M + 20,000 × $10/M + 100,000 cached × $0.125/M. The small tasks: $2.53.
// Dollars in JSON come without float noise, so they are written out here.
const codexUsd = 0.7125;
const claudeUsd = 4.28;
const totalUsd = 4.9925;

describe('jetpack-tui cost', () => {
	it('prints the totals as JSON, the CLIs’ dollars and the estimates together', async () => {
		const cwd = await repoWith(store);
		const result = await runCli(['cost', '--json'], {cwd});
		expect(result).toMatchObject({code: 0, stderr: ''});
		const json = JSON.parse(result.stdout) as Record<string, unknown>;
		expect(Object.keys(json).sort()).toEqual(
			[
				'usd',
				'estimated',
				'unpriced',
				'inputTokens',
				'outputTokens',
				'cacheReadTokens',
				'byTask',
				'byProfile',
				'byDay',
			].sort(),
		);
		expect(json).toMatchObject({
			usd: totalUsd,
			estimated: true,
			unpriced: true,
			inputTokens: 1200 + 400_000 + 500,
			outputTokens: 3400 + 20_000 + 50,
			cacheReadTokens: 250_000 + 100_000,
			byProfile: {claude: claudeUsd, codex: codexUsd},
			byDay: {'2026-11-29': 3.78, '2026-11-30': 1.2125},
		});
		const byTask = json['byTask'] as Record<string, number>;
		expect(byTask['bd-api']).toBe(1.75);
		expect(byTask['bd-ui']).toBe(codexUsd);
		expect(byTask['bd-s21']).toBe(0.22);
		expect(Object.keys(byTask)).toHaveLength(24);
		expect(byTask).not.toHaveProperty('bd-sim');
	});

	it('prints the totals and the costliest tasks first, 20 of them and how many more', async () => {
		const cwd = await repoWith(store);
		const result = await runCli(['cost'], {cwd});
		expect(result).toMatchObject({code: 0, stderr: ''});
		const lines = result.stdout.split('\n');
		expect(lines.slice(0, 5)).toEqual([
			'Spent ~$4.99 on 24 tasks.',
			'Tokens: 401,700 input, 23,450 output, 350,000 cache read.',
			'~: partly estimated from list prices, for the CLIs that report tokens but no money (codex, gemini).',
			'Some tokens could not be priced (their model has no list price, or none was named): the dollars leave them out.',
			"Claude's figures are what the usage would cost at API prices; on a subscription login (Pro, Max) that is not what is billed.",
		]);
		const rows = lines.slice(lines.indexOf('TASK    COST    TITLE') + 1).filter(Boolean);
		expect(rows[0]).toBe('bd-api   $1.75  Build the API');
		expect(rows[1]).toBe('bd-ui   $0.713  Draw the login form');
		expect(rows[2]).toBe('bd-s21  $0.220  Small task 21');
		expect(rows).toHaveLength(21);
		expect(rows.at(-1)).toBe('… and 4 more (jetpack-tui cost --json lists them all)');
	});

	it('groups by profile, costliest first, and by day, oldest first', async () => {
		const cwd = await repoWith(store);
		const byProfile = await runCli(['cost', '--by', 'profile'], {cwd});
		expect(byProfile.code).toBe(0);
		expect(byProfile.stdout).toContain('PROFILE  COST\nclaude    $4.28\ncodex    $0.713\n');
		const byDay = await runCli(['cost', '--by=day'], {cwd});
		expect(byDay.code).toBe(0);
		expect(byDay.stdout).toContain('DAY (UTC)   COST\n2026-11-29  $3.78\n2026-11-30  $1.21\n');
	});

	it('refuses an unknown --by in one sentence, exit 2', async () => {
		const cwd = await repoWith(store);
		expect(await runCli(['cost', '--by', 'week'], {cwd})).toMatchObject({
			code: 2,
			stdout: '',
			stderr: 'jetpack-tui: --by "week" is not task, profile or day, like `--by profile`.\n',
		});
	});

	it('says when nothing was spent, and when there is no store, creating nothing', async () => {
		const quiet = await repoWith([store.at(-2) ?? {}, store.at(-1) ?? {}]);
		expect(await runCli(['cost'], {cwd: quiet})).toMatchObject({
			code: 0,
			stdout: 'Nothing spent yet: no attempt in the store has reported tokens or money.\n',
		});
		const empty = await tempRepo();
		expect(await runCli(['cost'], {cwd: empty})).toMatchObject({
			code: 0,
			stdout: 'No task store here (.beads/tasks.jsonl); nothing spent.\n',
		});
		expect(JSON.parse((await runCli(['cost', '--json'], {cwd: empty})).stdout)).toEqual({
			usd: 0,
			estimated: false,
			unpriced: false,
			inputTokens: 0,
			outputTokens: 0,
			cacheReadTokens: 0,
			byTask: {},
			byProfile: {},
			byDay: {},
		});
		expect(existsSync(path.join(empty, '.beads'))).toBe(false);
	});
});

describe('jetpack-tui status and the spend', () => {
	it('gives the cost in --json and a line in the text', async () => {
		const cwd = await repoWith(store);
		const json = JSON.parse((await runCli(['status', '--json'], {cwd})).stdout) as {
			cost: unknown;
		};
		expect(json.cost).toEqual({
			usd: totalUsd,
			inputTokens: 401_700,
			outputTokens: 23_450,
			byProfile: {claude: claudeUsd, codex: codexUsd},
		});
		const text = await runCli(['status'], {cwd});
		expect(text.code).toBe(0);
		expect(text.stdout).toContain(
			'Spent ~$4.99 at API prices: claude $4.28, codex $0.713; some tokens have no price (jetpack-tui cost tells more).\n',
		);
	});

	it('has no spend line when nothing was spent, and zeros in --json', async () => {
		const cwd = await repoWith([store.at(-1) ?? {}]);
		expect((await runCli(['status'], {cwd})).stdout).not.toContain('Spent');
		expect(JSON.parse((await runCli(['status', '--json'], {cwd})).stdout)).toMatchObject({
			cost: {usd: 0, inputTokens: 0, outputTokens: 0, byProfile: {}},
		});
	});
});
