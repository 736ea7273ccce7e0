/** The orchestrator and a budget (PRODUCT.md §14), through fake agents reporting what they spend. */
import {describe, expect, it} from 'vitest';
import {newTask, type Task} from '../../source/core/task.js';
import {settle} from '../helpers/fake-agents.js';
import {setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});
const spent = (costUsd: number) => ({kind: 'usage', usage: {costUsd}}) as const;

describe('Orchestrator with a budget', () => {
	it('warns at the alert, starts nothing once the budget is spent, lets running attempts finish, and ends as budget', async () => {
		const run = await setup([t('a'), t('b'), t('c')], {
			slots: [slot('s-1'), slot('s-2')],
			config: {budget: {usd: 10, alertPercent: 80}},
		});
		run.launcher.on('a').emit(spent(8.5));
		expect(run.events.find((e) => e.event.type === 'budget.alert')?.event).toMatchObject({
			spentUsd: 8.5,
			budgetUsd: 10,
		});
		expect(run.orchestrator.getSnapshot().cost).toMatchObject({usd: 8.5, budgetUsd: 10});
		run.launcher.on('b').emit(spent(2));
		expect(run.types()).toContain('budget.exhausted');
		// a ends: c does not start in its place; b runs on to its end.
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		expect(run.launcher.agents).toHaveLength(2);
		expect(run.launcher.on('b').stopped).toBeUndefined();
		run.launcher.on('b').exit({exitCode: 0, signal: null});
		expect(await run.orchestrator.finished).toBe('budget');
		expect(await run.task('c')).toMatchObject({status: 'ready', attempts: []});
		expect((await run.task('a')).attempts[0]).toMatchObject({usage: {costUsd: 8.5}});
	});

	it('stops an attempt that alone passes taskUsd, and fails its task with no retry', async () => {
		const run = await setup([t('a', {maxRetries: 5})], {
			slots: [slot('s-1')],
			config: {budget: {taskUsd: 1, alertPercent: 80}},
		});
		const agent = run.launcher.on('a');
		agent.emit(spent(0.5));
		expect(agent.stopped).toBeUndefined();
		agent.emit(spent(1.25));
		expect(agent.stopped).toBeDefined();
		agent.exit({exitCode: null, signal: 'SIGINT'});
		await settle();
		expect(await run.task('a')).toMatchObject({
			status: 'failed',
			failureType: 'budget',
			retryCount: 0,
			lastError: 'spent $1.25, more than budget.taskUsd ($1) allows one attempt; not tried again',
		});
	});

	it('prices what a CLI reports in tokens only, from the list or the config, as an estimate', async () => {
		const run = await setup([t('a')], {
			slots: [slot('s-1')],
			config: {prices: {'my-model': {input: 2, output: 10}}},
		});
		const agent = run.launcher.on('a');
		agent.emit({
			kind: 'result',
			ok: true,
			message: 'done',
			usage: {model: 'my-model', inputTokens: 1_000_000, outputTokens: 100_000},
		});
		agent.exit({exitCode: 0, signal: null});
		await settle();
		expect((await run.task('a')).attempts[0]).toMatchObject({
			usage: {costUsd: 3, costEstimated: true},
		});
	});

	it.each([
		['a stop', {resume: true}, true],
		['a stop, with resume off', {resume: false}, false],
	] as const)(
		'resumes the conversation after %s where the CLI can',
		async (_name, config, resumed) => {
			const claudeSlot = slot('claude-1', 'claude', [], 'claude');
			const run = await setup([t('a')], {
				slots: [{...claudeSlot, profile: {...claudeSlot.profile, args: ['-p', '{prompt}']}}],
				config,
			});
			run.launcher.on('a').emit({kind: 'session', sessionId: 'sess-1'});
			await run.orchestrator.stopTask('a');
			await settle();
			await run.timers.advance(2000);
			const retry = run.launcher.on('a');
			expect(run.launcher.agents).toHaveLength(2);
			expect(retry.launch.args.includes('--resume')).toBe(resumed);
			if (resumed) expect(retry.launch.args.slice(-2)).toEqual(['--resume', 'sess-1']);
		},
	);

	it('starts over after a failure of the task’s own', async () => {
		const claudeSlot = slot('claude-1', 'claude', [], 'claude');
		const run = await setup([t('a')], {slots: [claudeSlot], config: {retryBackoffSeconds: [1]}});
		run.launcher.on('a').emit({kind: 'session', sessionId: 'sess-1'});
		run.launcher.on('a').exit({exitCode: 1, signal: null});
		await settle();
		await run.timers.advance(2000);
		expect(run.launcher.agents).toHaveLength(2);
		expect(run.launcher.on('a').launch.args).not.toContain('--resume');
	});

	it('does not undo an attempt whose cost came with its final word: the work is done', async () => {
		const run = await setup([t('a')], {
			slots: [slot('s-1')],
			config: {budget: {taskUsd: 1, alertPercent: 80}},
		});
		const agent = run.launcher.on('a');
		agent.emit({kind: 'result', ok: true, message: 'done', usage: {costUsd: 2}});
		expect(agent.stopped).toBeUndefined();
		agent.exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.task('a')).toMatchObject({status: 'completed'});
	});
});
