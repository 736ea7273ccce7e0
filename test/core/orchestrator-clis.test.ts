/**
 * The orchestrator with the real agent CLIs' ways (PRODUCT.md §13), through fake agents: a
 * question on the screen, a usage limit waited out, the agent's own report, a structured CLI's
 * final word and what it spent.
 */
import {describe, expect, it} from 'vitest';
import {newTask, type Task} from '../../source/core/task.js';
import {settle} from '../helpers/fake-agents.js';
import {setup, slot} from '../helpers/orchestrator-setup.js';
import {markDone} from '../../source/core/task-ops.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

describe('Orchestrator and agents that ask', () => {
	it('says an agent waits for input after inputWaitSeconds of quiet with a question on its screen, and forgets it once the agent goes on', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')], config: {inputWaitSeconds: 20}});
		const agent = run.launcher.on('a');
		agent.draw(['Working…', 'Overwrite src/app.ts? [y/N]']);
		await run.timers.advance(10_000);
		expect(run.types()).not.toContain('agent.waiting a');
		await run.timers.advance(11_000);
		expect(run.events.find((e) => e.event.type === 'agent.waiting')?.event).toMatchObject({
			task: 'a',
			agent: 's-1',
			question: 'Overwrite src/app.ts? [y/N]',
		});
		expect(run.orchestrator.getSnapshot().agents[0]?.waiting).toBe('Overwrite src/app.ts? [y/N]');
		// Once: a question still there is not news.
		await run.timers.advance(5000);
		expect(run.types().filter((type) => type === 'agent.waiting a')).toHaveLength(1);
		// A person answered in the pane: the agent prints again.
		agent.say('y');
		await settle();
		expect(run.orchestrator.getSnapshot().agents[0]?.waiting).toBeUndefined();
	});

	it('ends an attempt nobody answered as needs_input: no retry spent, never a stall, and it counts toward pausing the profile', async () => {
		const run = await setup([t('a', {estimatedMinutes: 600})], {
			slots: [slot('s-1')],
			config: {
				inputWaitSeconds: 20,
				inputWaitMinutes: 15,
				stallMinutes: 10,
				infraFailuresToPause: 1,
			},
		});
		const agent = run.launcher.on('a');
		agent.draw(['Do you want to proceed? (y/n)']);
		// Past the stall limit: a question is not a stall.
		await run.timers.advance(11 * 60_000);
		expect(agent.stopped).toBeUndefined();
		await run.timers.advance(5 * 60_000);
		expect(agent.stopped).toBeDefined();
		// It redraws as it is stopped: still the question it was stopped for is the reason.
		agent.draw(['Press Ctrl-C again to exit']);
		agent.say('Press Ctrl-C again to exit');
		agent.exit({exitCode: null, signal: 'SIGINT'});
		await settle();
		const task = await run.task('a');
		expect(task).toMatchObject({status: 'ready', retryCount: 0, failureType: 'needs_input'});
		expect(task.lastError).toBe('waited too long for an answer to: Do you want to proceed? (y/n)');
		expect(run.events.find((e) => e.event.type === 'profile.paused')?.event).toMatchObject({
			profile: 'sim',
			kind: 'infra',
		});
	});
});

describe('Orchestrator and usage limits', () => {
	it('pauses the profile until the reset the CLI gave, spends no retry, waits with every profile paused, and goes on by itself', async () => {
		const run = await setup([t('a'), t('b')], {slots: [slot('claude-1', 'claude')]});
		const resetsAt = new Date(run.clock.now().getTime() + 60_000);
		const agent = run.launcher.on('a');
		agent.emit({kind: 'limit', message: "You've hit your limit · resets 6:23pm (UTC)", resetsAt});
		agent.exit({exitCode: 1, signal: null});
		await settle();
		expect(await run.task('a')).toMatchObject({
			status: 'ready',
			retryCount: 0,
			failureType: 'rate_limited',
		});
		expect(run.events.find((e) => e.event.type === 'profile.paused')?.event).toMatchObject({
			profile: 'claude',
			kind: 'limit',
			seconds: 60,
			until: resetsAt.toISOString(),
		});
		expect(run.orchestrator.getSnapshot().paused).toMatchObject([
			{profile: 'claude', kind: 'limit'},
		]);
		// Every profile paused by a limit: the run waits rather than ending.
		await run.timers.advance(59_000);
		expect(run.orchestrator.getSnapshot().finished).toBeUndefined();
		expect(run.launcher.agents).toHaveLength(1);
		await run.timers.advance(2000);
		expect(run.types()).toContain('profile.resumed');
		expect(run.launcher.agents).toHaveLength(2);
	});

	it('stops an agent that sits on a limit it reported, instead of letting it stall', async () => {
		const run = await setup([t('a')], {slots: [slot('claude-1', 'claude')]});
		const agent = run.launcher.on('a');
		agent.emit({kind: 'limit', message: 'usage limit'});
		await run.timers.advance(31_000);
		expect(agent.stopped).toBeDefined();
		agent.exit({exitCode: null, signal: 'SIGINT'});
		await settle();
		expect(await run.task('a')).toMatchObject({failureType: 'rate_limited', retryCount: 0});
		// No reset time given: the backoff, from five minutes.
		expect(run.events.find((e) => e.event.type === 'profile.paused')?.event).toMatchObject({
			seconds: 300,
		});
	});
});

describe('Orchestrator and what agents report', () => {
	it('stops an agent that reported its task done and lingers, and writes task.completed', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')]});
		const agent = run.launcher.on('a');
		// The agent's `$JETPACK_CLI task done a`, from outside the run.
		await run.repository.update((tasks) => ({
			tasks: markDone(tasks, 'a', {now: run.clock.now(), random: Math.random}).tasks,
			result: undefined,
		}));
		run.orchestrator.notifyStoreChanged();
		await settle();
		expect(agent.stopped).toBeUndefined();
		await run.timers.advance(4000);
		expect(agent.stopped).toBeDefined();
		agent.exit({exitCode: null, signal: 'SIGINT'});
		await settle();
		expect(await run.task('a')).toMatchObject({status: 'completed'});
		expect(run.types()).toContain('task.completed a');
		expect(run.types()).not.toContain('task.released a');
	});

	it('gives the agent its run, task and name in its environment', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')]});
		expect(run.launcher.on('a').launch.env).toMatchObject({
			JETPACK_RUN_ID: 'run1',
			JETPACK_TASK_ID: 'a',
			JETPACK_AGENT: 's-1',
		});
	});

	it('records what a CLI reported spending on the attempt', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')]});
		const agent = run.launcher.on('a');
		agent.emit({kind: 'session', model: 'claude-sonnet-4-5', sessionId: 's-123'});
		agent.emit({
			kind: 'result',
			ok: true,
			message: 'done',
			usage: {inputTokens: 1200, outputTokens: 300, costUsd: 0.0123},
		});
		expect(run.orchestrator.getSnapshot().agents[0]?.usage).toMatchObject({costUsd: 0.0123});
		agent.exit({exitCode: 0, signal: null});
		await settle();
		expect((await run.task('a')).attempts[0]).toMatchObject({
			usage: {
				model: 'claude-sonnet-4-5',
				sessionId: 's-123',
				inputTokens: 1200,
				outputTokens: 300,
				costUsd: 0.0123,
			},
		});
	});
});
