/**
 * The end-of-run summary says, for each task left undone, what happened to it in plain words; the
 * text and the `run.finished` JSON line come from the same data.
 */
import {describe, expect, it} from 'vitest';
import {buildGraph} from '../../source/core/graph.js';
import type {FinishReason} from '../../source/core/orchestrator.js';
import {newTask, type Attempt, type Task} from '../../source/core/task.js';
import {
	summarizeRun,
	summaryJson,
	summaryText,
	whyNotRun,
} from '../../source/commands/run-summary.js';
import {slot} from '../helpers/orchestrator-setup.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const later = '2026-03-01T12:05:00.000Z';
const t = (id: string, fields: Partial<Task> = {}) =>
	newTask({id, title: `task ${id}`, status: 'ready', ...fields});
const attempt = (n: number, failureType: Attempt['failureType'], ended = true): Attempt => ({
	n,
	agent: 'claude-1',
	startedAt: '2026-03-01T11:00:00.000Z',
	...(ended ? {endedAt: '2026-03-01T11:01:00.000Z'} : {}),
	failureType,
});
const notFound = {lastError: 'claude: command not found on PATH', failureType: 'infra' as const};
const hhmm = (iso: string) => new Date(iso).toTimeString().slice(0, 5);

describe('whyNotRun', () => {
	const others = [
		t('done', {status: 'completed'}),
		t('broken', {status: 'failed'}),
		t('later', {status: 'pending', dependencies: ['broken']}),
		t('held', {status: 'blocked', blockers: ['by hand']}),
		t('c1', {status: 'pending', dependencies: ['c2']}),
		t('c2', {status: 'pending', dependencies: ['c1']}),
	];
	const cases: Array<{
		name: string;
		task: Task;
		reason?: FinishReason;
		pool?: ReturnType<typeof slot>[];
		why: string;
	}> = [
		{
			name: 'its agent never started (command not found)',
			task: t('a', {...notFound, attempts: [attempt(1, 'infra'), attempt(2, 'infra')]}),
			reason: 'all-paused',
			why: 'never started: its agent could not run (claude: command not found on PATH); no retry spent',
		},
		{
			name: 'it ran before, then its agent could not start',
			task: t('a', {...notFound, attempts: [attempt(1, 'error'), attempt(2, 'infra')]}),
			why: 'back in the queue: its agent could not start on attempt 2 (claude: command not found on PATH); no retry spent',
		},
		{
			name: 'it waits for a retry',
			task: t('a', {
				lastError: 'tests failed',
				failureType: 'error',
				nextAttemptAt: later,
				attempts: [attempt(1, 'error')],
			}),
			reason: 'interrupted',
			why: `waits to try again after ${hhmm(later)}: attempt 1 ended in error (tests failed)`,
		},
		{
			name: 'it was stopped mid-attempt',
			task: t('a', {attempts: [attempt(1, 'killed')]}),
			reason: 'interrupted',
			why: 'stopped before it finished (attempt 1); back in the queue',
		},
		{
			name: 'no agent of the pool has its skills',
			task: t('a', {requiredSkills: ['rust']}),
			pool: [slot('py-1', 'py', ['python'])],
			why: 'never ran: no agent of this run has the skills it needs (rust)',
		},
		{
			name: 'a generalist could have taken it: the run ended first',
			task: t('a', {requiredSkills: ['rust']}),
			reason: 'max-hours',
			pool: [slot('claude-1')],
			why: 'never ran: the run reached --max-hours before its turn came',
		},
		{
			name: 'its dependencies, each with its state',
			task: t('a', {status: 'pending', dependencies: ['done', 'broken', 'later', 'held']}),
			why: 'never ran: it waits for broken (failed), later (not run), held (blocked)',
		},
		{
			name: 'behind a cycle',
			task: t('a', {status: 'pending', dependencies: ['c1']}),
			why: 'never ran: it waits for c1 (on a cycle)',
		},
		{
			name: 'on a cycle',
			task: others[4] as Task,
			why: 'never ran: it is on a dependency cycle',
		},
		{
			name: 'a dependency not in the store',
			task: t('a', {status: 'pending', dependencies: ['bd-gone']}),
			why: 'never ran: it depends on bd-gone, which is not in the store',
		},
		{
			name: 'held back by hand',
			task: t('a', {blockers: ['waiting for the API key']}),
			why: 'never ran: held back (waiting for the API key)',
		},
		{
			name: 'the user stopped the run first',
			task: t('a'),
			reason: 'interrupted',
			why: 'never ran: the run was interrupted before its turn came',
		},
	];
	it.each(cases)('$name', ({task, reason = 'done', pool, why}) => {
		const tasks = new Map([...others, task].map((each) => [each.id, each]));
		expect(whyNotRun(task, buildGraph(tasks), {reason, pool, now})).toBe(why);
	});
});

describe('the summary, as text and as JSON', () => {
	const tasks = new Map(
		[
			t('ok', {status: 'completed'}),
			t('bad', {status: 'failed', failureType: 'timeout', lastError: 'took too long\nreally'}),
			t('held', {status: 'blocked', blockers: ['needs a key']}),
			t('next', {status: 'pending', dependencies: ['bad']}),
		].map((task) => [task.id, task]),
	);
	const summary = summarizeRun(tasks, {
		reason: 'done',
		wallMs: 12_345,
		utilisation: 0.5,
		paused: [{profile: 'claude', reason: 'Not logged in'}],
		now,
	});

	it('says the same in both', () => {
		expect(summaryJson(summary)).toEqual({
			reason: 'done',
			seconds: 12.3,
			utilisation: 0.5,
			counts: {completed: 1, failed: 1, blocked: 1, notRun: 1, review: 0, total: 4},
			failed: [{id: 'bad', failureType: 'timeout', why: 'took too long really'}],
			blocked: [{id: 'held', why: 'needs a key'}],
			review: [],
			notRun: [{id: 'next', why: 'never ran: it waits for bad (failed)'}],
			paused: [{profile: 'claude', reason: 'Not logged in'}],
		});
		expect(summaryText(summary, (_style, text) => text).split('\n')).toEqual([
			'',
			'Run finished after 12.3 s; agents busy 50% of the time.',
			'  1 completed, 1 failed, 1 blocked, 1 not run, of 4.',
			'  ✗ bad (timeout): took too long really',
			'  ⊘ held blocked: needs a key',
			'  · next never ran: it waits for bad (failed)',
			'  claude is paused: Not logged in',
		]);
	});

	it('lists the work that waits for review, with its branch and diff stat, and how to answer it', () => {
		const waiting = t('rv', {
			status: 'review',
			attempts: [
				{
					n: 1,
					agent: 'a-1',
					startedAt: now.toISOString(),
					endedAt: now.toISOString(),
					workspace: {
						branch: 'jetpack/tasks/rv',
						base: 'b',
						head: 'h',
						files: 2,
						insertions: 12,
						deletions: 3,
					},
				},
			],
		});
		const reviewed = summarizeRun(new Map([[waiting.id, waiting]]), {
			reason: 'done',
			wallMs: 1000,
			utilisation: 1,
			paused: [],
			now,
		});
		expect(summaryJson(reviewed)).toMatchObject({
			counts: {review: 1, notRun: 0},
			review: [{id: 'rv', why: 'jetpack/tasks/rv (+12 −3, 2 files)'}],
		});
		const text = summaryText(reviewed, (_style, line) => line);
		expect(text).toContain(
			'0 completed, 0 failed, 0 blocked, 1 waiting for review, 0 not run, of 1.',
		);
		expect(text).toContain('◕ rv waits for review: jetpack/tasks/rv (+12 −3, 2 files)');
		expect(text).toContain('jetpack-tui review ID --accept | --reject REASON');
	});
});

describe('the spend in the run summary', () => {
	const end = {reason: 'done' as const, wallMs: 1000, utilisation: 1, paused: [], now};
	const used = (
		n: number,
		agent: string,
		usage: Record<string, unknown>,
		startedAt = '2026-03-01T11:00:00.000Z',
	): Attempt => ({n, agent, startedAt, endedAt: later, usage});
	const table = (tasks: Task[]) => new Map(tasks.map((task) => [task.id, task]));
	const plain = (_style: unknown, line: string) => line;

	it('lists the costliest five tasks and the spend by profile, in the text and in run.finished', () => {
		const tasks = table([
			...[0.5, 0.1, 2, 0.75, 0.05, 1].map((usd, index) =>
				t(`t${index}`, {
					status: 'completed',
					attempts: [used(1, 'claude-1', {model: 'claude-sonnet-4', costUsd: usd})],
				}),
			),
			t('cx', {
				status: 'failed',
				attempts: [used(1, 'codex-2', {model: 'gpt-5', inputTokens: 400_000, outputTokens: 1000})],
			}),
		]);
		const summary = summarizeRun(tasks, end);
		const cost = {
			usd: 4.91,
			estimated: true,
			unpriced: false,
			byProfile: {claude: 4.4, codex: 0.51},
			costliest: [
				{id: 't2', usd: 2},
				{id: 't5', usd: 1},
				{id: 't3', usd: 0.75},
				{id: 'cx', usd: 0.51},
				{id: 't0', usd: 0.5},
			],
		};
		expect(summary.cost).toEqual(cost);
		expect(summaryJson(summary)['cost']).toEqual(cost);
		expect(summaryText(summary, plain).split('\n').slice(-2)).toEqual([
			'  Spent ~$4.91 at API prices: claude $4.40, codex $0.510.',
			'  Costliest: t2 $2.00, t5 $1.00, t3 $0.750, cx $0.510, t0 $0.500 (jetpack-tui cost tells more).',
		]);
	});

	it('counts only the attempts `include` keeps (this run’s)', () => {
		const tasks = table([
			t('a', {
				status: 'completed',
				attempts: [
					used(1, 'claude-1', {costUsd: 3}, '2026-02-01T00:00:00.000Z'),
					used(2, 'claude-1', {costUsd: 0.25}),
				],
			}),
		]);
		const thisRun = (_task: Task, attempt: Attempt) => attempt.startedAt >= '2026-03-01';
		expect(summarizeRun(tasks, {...end, include: thisRun}).cost).toMatchObject({
			usd: 0.25,
			costliest: [{id: 'a', usd: 0.25}],
		});
		expect(summarizeRun(tasks, end).cost).toMatchObject({usd: 3.25});
	});

	it('says nothing of money when nothing was spent', () => {
		const tasks = table([
			t('a', {status: 'completed', attempts: [attempt(1, undefined)]}),
			t('b', {
				status: 'completed',
				attempts: [used(1, 'claude-1', {costUsd: 3}, '2026-02-01T00:00:00.000Z')],
			}),
		]);
		const summary = summarizeRun(tasks, {...end, include: (task) => task.id === 'a'});
		expect(summary.cost).toBeUndefined();
		expect(summaryJson(summary)).not.toHaveProperty('cost');
		expect(summaryText(summary, plain)).not.toContain('Spent');
	});

	it('says when some tokens had no price', () => {
		const tasks = table([
			t('a', {
				status: 'completed',
				attempts: [used(1, 'mine-1', {model: 'llama3', inputTokens: 10, outputTokens: 1})],
			}),
		]);
		const summary = summarizeRun(tasks, end);
		expect(summary.cost).toEqual({
			usd: 0,
			estimated: false,
			unpriced: true,
			byProfile: {},
			costliest: [],
		});
		expect(summaryText(summary, plain).split('\n').at(-1)).toBe(
			'  Spent $0.00 at API prices; some tokens have no price.',
		);
	});
});
