/**
 * What an attack on an overnight run found, at the orchestrator's level (issue 11): a stopped
 * orchestrator, a store that cannot take results, infra failures across runs, retry counts.
 * Fake agents, clock and store, injected through the ports.
 */
import {describe, expect, it} from 'vitest';
import {StoreError} from '../../source/core/errors.js';
import {newTask, type Task} from '../../source/core/task.js';
import {settle} from '../helpers/fake-agents.js';
import {FakeStats, setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

describe('Orchestrator, attacked', () => {
	it('never counts the time it was itself stopped against an agent’s stall or time limit', async () => {
		const run = await setup([t('a', {estimatedMinutes: 1})], {
			slots: [slot('s-1')],
			config: {stallMinutes: 0.25, timeoutFactor: 1},
		});
		const agent = run.launcher.on('a');
		// It prints every 200 ms, until we are stopped for 30 s, and at once again after.
		for (let i = 0; i < 10; i++) {
			agent.say(`line ${i}`);
			await run.timers.advance(200);
		}

		await run.timers.freeze(30_000);
		agent.say('still here');
		await run.timers.advance(2000);
		expect(agent.stopped).toBeUndefined();
		expect(run.types()).not.toContain('agent.stopping a');
		// Its own silence still counts: 15 s with nothing said is a stall.
		await run.timers.advance(16_000);
		expect(run.types()).toContain('agent.stopping a');
		expect(run.events.find((e) => e.event.type === 'agent.stopping')?.event).toMatchObject({
			reason: 'stalled',
		});
	});

	it('writes a result the store refused once it can, exactly once, however many ticks try meanwhile', async () => {
		const run = await setup([t('a'), t('b')], {slots: [slot('s-1'), slot('s-2')]});
		const update = run.repository.update.bind(run.repository);
		let broken = true;
		let slow: (() => void) | undefined;
		run.repository.update = async (change) => {
			if (broken) throw new StoreError('No space left on device');
			// The first write after the disk frees up is slow: ticks come while it is under way.
			if (slow === undefined) await new Promise<void>((resolve) => (slow = resolve));
			return update(change);
		};

		run.launcher.on('a').exit({exitCode: 0, signal: null});
		run.launcher.on('b').exit({exitCode: 1, signal: null});
		await run.timers.advance(3000);
		broken = false;
		await run.timers.advance(5000);
		slow?.();
		await run.timers.advance(3000);
		expect(await run.task('a')).toMatchObject({status: 'completed'});
		expect(await run.task('b')).toMatchObject({status: 'pending', retryCount: 1});
		expect(run.types().filter((type) => type === 'task.completed a')).toHaveLength(1);
		expect(run.types().filter((type) => type === 'task.retry b')).toHaveLength(1);
		// A result applied a second time would read as the task having been set meanwhile.
		expect(run.types().filter((type) => type.startsWith('task.released'))).toEqual([]);
		expect((await run.task('a')).attempts).toHaveLength(1);
	});

	it('keeps the results the store never took through a shutdown, for the caller to keep', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')], config: {graceSeconds: 2}});
		run.repository.update = async () => {
			throw new StoreError('No space left on device');
		};

		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await run.timers.advance(1000);
		const stopping = run.orchestrator.shutdown({immediate: false});
		await run.timers.advance(5000);
		await stopping;
		expect(run.orchestrator.unrecordedResults()).toMatchObject([
			{taskId: 'a', attempt: 1, outcome: 'completed', runId: 'run1'},
		]);
	});

	it('charges no retry for infra, however many earlier runs also failed the task on infra', async () => {
		const earlier = Array.from({length: 6}, (_, i) => ({
			n: i + 1,
			agent: 'claude-1',
			startedAt: '2026-11-22T09:00:00.000Z',
			endedAt: '2026-11-22T09:00:01.000Z',
			failureType: 'infra' as const,
		}));
		const run = await setup([t('a', {attempts: earlier})], {
			slots: [slot('s-1')],
			missing: ['sim'],
		});
		await settle();
		expect(await run.task('a')).toMatchObject({
			status: 'ready',
			retryCount: 0,
			failureType: 'infra',
		});
	});

	it('stops an agent that only says it is reconnecting, as infra, long before its time limit', async () => {
		const run = await setup([t('a', {estimatedMinutes: 30})], {
			slots: [slot('claude-1', 'claude', [], 'claude')],
		});
		const agent = run.launcher.on('a');
		for (let i = 0; i < 200; i++) {
			agent.say(
				`Unable to connect to API (ConnectionRefused) · Retrying in 4s · attempt ${(i % 10) + 1}/10`,
			);
			await run.timers.advance(1000);
		}

		expect(agent.stopped).toBeDefined();
		agent.exit({exitCode: null, signal: 'SIGINT'});
		await settle();
		// Back to the queue at no cost (and taken again at once by the free agent).
		const task = await run.task('a');
		expect(task.retryCount).toBe(0);
		expect(task.lastError).toMatch(/^Unable to connect to API \(ConnectionRefused\)/);
		expect(task.attempts[0]).toMatchObject({failureType: 'infra'});
		expect(run.types()).toContain('task.released a');
	});

	it('gives a task without its own maxRetries the config’s, and counts only the retries spent', async () => {
		const run = await setup([t('a')], {
			slots: [slot('s-1')],
			config: {maxRetries: 1, retryBackoffSeconds: [1]},
		});
		run.launcher.on('a').exit({exitCode: 1, signal: null});
		await run.timers.advance(2000);
		run.launcher.on('a').exit({exitCode: 1, signal: null});
		await settle();
		const task = await run.task('a');
		expect(task).toMatchObject({status: 'failed', retryCount: 1});
		expect(task.attempts).toHaveLength(2);
	});

	it('reports a failed memory sample as its own event, not as a task', async () => {
		const stats = new FakeStats();
		stats.sample = async () => {
			throw new Error('/proc is gone');
		};

		const run = await setup([t('a')], {slots: [slot('s-1')], memory: stats});
		await run.timers.advance(3000);
		const event = run.events.find((e) => e.event.type === 'memory.unavailable');
		expect(event?.event).toMatchObject({message: 'memory sampling failed: /proc is gone'});
		expect(run.types()).not.toContain('task.released ');
	});

	it('claims nothing more once it has lost the repository to another run, and lets its agents finish', async () => {
		let holds = true;
		const run = await setup([t('a'), t('b'), t('c')], {
			slots: [slot('s-1'), slot('s-2')],
			holdsRun: async () => holds,
		});
		expect(run.launcher.agents).toHaveLength(2);
		holds = false;
		run.orchestrator.lostRun('another run took over');
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		run.launcher.on('b').exit({exitCode: 0, signal: null});
		await run.timers.advance(10_000);
		expect(run.launcher.agents).toHaveLength(2);
		expect(await run.task('a')).toMatchObject({status: 'completed'});
		expect(await run.task('c')).toMatchObject({status: 'ready', attempts: []});
		expect(await run.orchestrator.finished).toBe('lost-run');
	});

	it('kills at once an agent that passes 120% of its limit while its recycle’s grace runs', async () => {
		const memory = new FakeStats();
		const run = await setup([t('a')], {memory, slots: [slot('s-1')]});
		run.launcher.onStop = () => undefined;
		memory.rssMb.set('a', 1100);
		await run.timers.advance(2000);
		const agent = run.launcher.on('a');
		expect(agent.stopped).toEqual({graceMs: 2000, immediate: false});
		memory.rssMb.set('a', 1300);
		await run.timers.advance(2000);
		expect(agent.stopped).toEqual({graceMs: 0, immediate: true});
	});

	it('gives back the tasks it claimed but had not started when a shutdown comes during a failed launch', async () => {
		let release: () => void = () => undefined;
		const held = new Promise<void>((resolve) => (release = resolve));
		const run = await setup([t('t1'), t('t2')], {
			slots: [slot('a-1', 'ghost'), slot('b-1', 'sim')],
			missing: ['ghost'],
			// 1: the claim of both tasks; 2: the infra result of the agent that could not start.
			beforeUpdate: async (count) => (count === 2 ? held : undefined),
		});
		await run.orchestrator.shutdown({immediate: true});
		release();
		await settle();
		expect(run.launcher.agents).toHaveLength(0);
		expect(await run.task('t2')).toMatchObject({status: 'ready', attempts: []});
		expect(await run.orchestrator.finished).toBe('interrupted');
	});

	it('never takes an agent for offline when its test output ends with a refused connection and it goes quiet', async () => {
		const run = await setup([t('a', {estimatedMinutes: 60})], {
			slots: [slot('s-1')],
			config: {stallMinutes: 10},
		});
		const agent = run.launcher.on('a');
		agent.say('Error: connect ECONNREFUSED 127.0.0.1:5432');
		await run.timers.advance(5 * 60_000);
		expect(agent.stopped).toBeUndefined();
	});

	it('ends as lost-run, not hung, when the repository was lost before anyone was told', async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')], holdsRun: async () => false});
		expect(run.launcher.agents).toHaveLength(0);
		expect(await run.orchestrator.finished).toBe('lost-run');
	});

	it('stops quality gates at once on an immediate shutdown: the task goes back, no retry spent', async () => {
		const run = await setup([t('a')], {
			slots: [slot('s-1')],
			config: {qualityGates: ['npm test']},
		});
		run.gates.hold = new Promise(() => undefined);
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		expect(run.gates.runs).toBe(1);
		await run.orchestrator.shutdown({immediate: true});
		expect(await run.task('a')).toMatchObject({status: 'ready', retryCount: 0});
		expect((await run.task('a')).attempts[0]).toMatchObject({failureType: 'killed'});
	});
});
