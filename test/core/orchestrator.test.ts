/**
 * The orchestrator's decisions with fake agents, a fake clock and an in-memory store, all
 * injected through the ports: milliseconds per test, no processes.
 */
import {describe, expect, it} from 'vitest';
import {newTask, type Task} from '../../source/core/task.js';
import {blockTask, markDone, markFailed, unblockTask} from '../../source/core/task-ops.js';
import {StoreError} from '../../source/core/errors.js';
import {settle} from '../helpers/fake-agents.js';
import {FakeStats, setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

describe('Orchestrator', () => {
	it('gives free agents the runnable tasks, critical path first, and runs a chain in order', async () => {
		const run = await setup([
			t('short', {estimatedMinutes: 5}),
			t('chain1', {estimatedMinutes: 10}),
			t('chain2', {dependencies: ['chain1'], estimatedMinutes: 10}),
			t('chain3', {dependencies: ['chain2'], estimatedMinutes: 10}),
			t('lonely', {estimatedMinutes: 1}),
		]);
		expect(run.launcher.agents.map((a) => a.launch.env['JETPACK_TASK_ID'])).toEqual([
			'chain1',
			'short',
		]);
		expect(await run.task('chain1')).toMatchObject({
			status: 'in_progress',
			claimedBy: {runId: 'run1'},
			assignedAgent: 'sim-1',
		});
		expect(run.launcher.on('chain1').launch.args[0]).toBe('chain1');
		expect(run.launcher.on('chain1').launch.args[1]).toContain(
			'You are working on task chain1: task chain1',
		);

		run.launcher.on('chain1').exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.task('chain1')).toMatchObject({
			status: 'completed',
			attempts: [{n: 1, agent: 'sim-1', exitCode: 0}],
		});
		expect(run.launcher.on('chain2')).toBeDefined();
		for (const id of ['short', 'chain2']) run.launcher.on(id).exit({exitCode: 0, signal: null});
		await settle();
		for (const id of ['chain3', 'lonely']) run.launcher.on(id).exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.types().at(-1)).toBe('run.finished');
		for (const agent of run.launcher.agents) expect(agent.listenerCount).toBe(0);
	});

	it('retries a failing task with backoff on another agent kind, then fails it; its dependents never run', async () => {
		const run = await setup([t('bad', {maxRetries: 1}), t('after', {dependencies: ['bad']})], {
			slots: [slot('a-1', 'a'), slot('b-1', 'b')],
		});
		const first = run.launcher.on('bad');
		expect(first.launch.command).toBe('a');
		first.say('Error: tests failed');
		first.exit({exitCode: 1, signal: null});
		await settle();
		expect(await run.task('bad')).toMatchObject({
			status: 'pending',
			retryCount: 1,
			failureType: 'error',
			lastError: 'exit 1: Error: tests failed',
			nextAttemptAt: '2026-11-23T09:00:30.000Z',
		});
		expect(run.launcher.agents).toHaveLength(1);
		await run.timers.advance(31_000);
		const second = run.launcher.on('bad');
		expect(second.launch.command).toBe('b');
		second.exit({exitCode: 2, signal: null});
		await settle();
		// retryCount is the retries spent: the last failure spends none.
		expect(await run.task('bad')).toMatchObject({status: 'failed', retryCount: 1});
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.launcher.agents.map((a) => a.launch.env['JETPACK_TASK_ID'])).toEqual(['bad', 'bad']);
		expect(run.types()).toContain('task.retry bad');
		expect(run.types()).toContain('task.failed bad');
	});

	it('stops a task that runs past estimatedMinutes x timeoutFactor, and one that goes quiet', async () => {
		const run = await setup(
			[t('slow', {estimatedMinutes: 1}), t('quiet', {estimatedMinutes: 100})],
			{config: {timeoutFactor: 2, stallMinutes: 1}},
		);
		await run.timers.advance(30_000);
		run.launcher.on('slow').say('still working');
		await run.timers.advance(31_000);
		// Quiet for 61 s: stalled. Slow spoke 31 s ago: fine for now.
		expect((await run.task('quiet')).attempts[0]).toMatchObject({failureType: 'stalled'});
		expect(await run.task('quiet')).toMatchObject({retryCount: 1, failureType: 'stalled'});
		expect(run.launcher.on('slow').stopped).toBeUndefined();
		await run.timers.advance(14_000);
		run.launcher.on('slow').say('still working');
		await run.timers.advance(46_000);
		// Past 1 min x 2: timed out, however chatty.
		expect((await run.task('slow')).attempts[0]).toMatchObject({failureType: 'timeout'});
	});

	it('pauses a profile after infra failures, charges no retry, and ends with all-paused', async () => {
		const run = await setup([t('a'), t('b'), t('c'), t('d')], {
			slots: [slot('claude-1', 'claude', [], 'claude')],
			config: {infraFailuresToPause: 3},
		});
		for (let i = 0; i < 3; i++) {
			const agent = run.launcher.agents.at(-1);
			agent?.say('Not logged in · Please run /login');
			agent?.exit({exitCode: 1, signal: null});
			await settle();
		}

		expect(await run.orchestrator.finished).toBe('all-paused');
		const tasks = await run.repository.read();
		for (const task of tasks.values()) expect(task.retryCount).toBe(0);
		expect(run.events.find((e) => e.event.type === 'profile.paused')?.event).toMatchObject({
			profile: 'claude',
			reason: 'Not logged in · Please run /login',
		});
		expect(run.orchestrator.getSnapshot().paused).toHaveLength(1);
	});

	it('treats a command that is not on PATH as infra', async () => {
		const clockless = await setup([t('x')], {
			slots: [slot('ghost-1', 'ghost')],
			config: {infraFailuresToPause: 1},
			missing: ['ghost'],
		});
		expect(await clockless.orchestrator.finished).toBe('all-paused');
		expect(await clockless.task('x')).toMatchObject({
			status: 'ready',
			retryCount: 0,
			failureType: 'infra',
		});
	}, 10_000);

	it('shuts down gracefully: stops agents after the grace, returns their tasks, spends no retry', async () => {
		const run = await setup([t('one'), t('two')]);
		const stopping = run.orchestrator.shutdown({immediate: false});
		await settle();
		expect(run.launcher.on('one').stopped).toBeUndefined();
		await run.timers.advance(5000);
		await stopping;
		expect(run.launcher.on('one').stopped).toEqual({graceMs: 5000, immediate: false});
		expect(await run.orchestrator.finished).toBe('interrupted');
		for (const id of ['one', 'two'])
			expect(await run.task(id)).toMatchObject({
				status: 'ready',
				retryCount: 0,
				failureType: 'killed',
			});
		expect(await run.task('one')).not.toHaveProperty('claimedBy');
	});

	it('lets a second interrupt stop agents at once', async () => {
		const run = await setup([t('one')]);
		void run.orchestrator.shutdown({immediate: false});
		await run.orchestrator.shutdown({immediate: true});
		expect(run.launcher.on('one').stopped).toEqual({graceMs: 5000, immediate: true});
	});

	it('matches skills, reports tasks no agent can take, and keeps to taskLimits', async () => {
		const run = await setup(
			[
				t('py', {requiredSkills: ['python']}),
				t('t1', {tags: ['test']}),
				t('t2', {tags: ['test']}),
				t('rust', {requiredSkills: ['rust']}),
			],
			{
				// No generalist (a profile without skills) in this pool: rust is for nobody.
				slots: [slot('a-1', 'a', ['python']), slot('b-1', 'b', ['js']), slot('b-2', 'b', ['js'])],
				config: {taskLimits: {test: 1}},
			},
		);
		const running = run.launcher.agents.map(
			(a) => `${a.launch.env['JETPACK_AGENT']}:${a.launch.env['JETPACK_TASK_ID']}`,
		);
		expect(running).toContain('a-1:py');
		expect(running.filter((r) => r.endsWith(':t1') || r.endsWith(':t2'))).toHaveLength(1);
		expect(run.events.find((e) => e.event.type === 'tasks.unassignable')?.event).toEqual({
			type: 'tasks.unassignable',
			tasks: ['rust'],
		});
	});

	it('fails a completed attempt whose quality gate fails', async () => {
		const run = await setup([t('gated', {maxRetries: 0})], {config: {qualityGates: ['npm test']}});
		run.gates.failing = {
			command: 'npm test',
			tail: ['1 failing', 'AssertionError: expected 2 to be 3'],
		};
		run.launcher.on('gated').exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.task('gated')).toMatchObject({status: 'failed', failureType: 'quality'});
		expect((await run.task('gated')).lastError).toContain('quality gate `npm test` failed');
	});

	it('records the results of agents that end in the same moment together, each told apart', async () => {
		const ids = ['a', 'b', 'c', 'd'];
		const run = await setup(
			ids.map((id) => t(id)),
			{slots: ids.map((id) => slot(`sim-${id}`))},
		);
		const update = run.repository.update.bind(run.repository);
		let transactions = 0;
		run.repository.update = async (change) => {
			transactions++;
			return update(change);
		};
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		run.launcher.on('b').exit({exitCode: 1, signal: null});
		run.launcher.on('c').exit({exitCode: 0, signal: null});
		run.launcher.on('d').exit({exitCode: 0, signal: null});
		await settle();
		// The first result goes at once; the three that came while it was written go together.
		expect(transactions).toBe(2);
		for (const id of ['a', 'c', 'd'])
			expect(await run.task(id)).toMatchObject({status: 'completed'});
		expect(await run.task('b')).toMatchObject({status: 'pending', retryCount: 1});
		expect(run.types().filter((type) => /^task\.(completed|retry)/.test(type))).toEqual([
			'task.completed a',
			'task.retry b',
			'task.completed c',
			'task.completed d',
		]);
	});

	it('keeps a bounded event history', async () => {
		const run = await setup(
			Array.from({length: 150}, (_, i) => t(`t${String(i).padStart(3, '0')}`)),
			{slots: [slot('s-1')]},
		);
		for (let i = 0; i < 150; i++) {
			run.launcher.agents.at(-1)?.exit({exitCode: 0, signal: null});
			await settle();
		}

		expect(await run.orchestrator.finished).toBe('done');
		expect(run.events.length).toBeGreaterThan(300);
		expect(run.orchestrator.recentEvents().length).toBeLessThanOrEqual(200);
	});
});

describe('Orchestrator endings', () => {
	it('finishes when the only runnable tasks need skills no agent has', async () => {
		const run = await setup([t('rust', {requiredSkills: ['rust']})], {
			slots: [slot('py-1', 'py', ['python'])],
		});
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.types()).toContain('tasks.unassignable');
	});

	it('gives a task that needs a skill to a generalist (a profile with no skills) and waits for it', async () => {
		const run = await setup([t('api', {requiredSkills: ['node']})], {slots: [slot('claude-1')]});
		expect(run.launcher.on('api')).toBeDefined();
		expect(run.types()).not.toContain('tasks.unassignable');
		expect(run.types()).not.toContain('run.finished');
		run.launcher.on('api').exit({exitCode: 0, signal: null});
		expect(await run.orchestrator.finished).toBe('done');
		expect((await run.task('api')).status).toBe('completed');
	});
});

describe('Orchestrator under memory pressure (through the sampler port)', () => {
	it('holds claims under the reserve, recycles the largest agent under half of it, and takes work again when memory returns', async () => {
		const memory = new FakeStats();
		const run = await setup([t('a'), t('b'), t('c'), t('d')], {
			memory,
			config: {retryBackoffSeconds: [1]},
		});
		expect(run.launcher.agents).toHaveLength(2);
		memory.rssMb.set('a', 200).set('b', 900);
		memory.availableMb = 2000;
		await run.timers.advance(2000);
		expect(run.types()).toContain('memory.low');
		expect(run.orchestrator.getSnapshot().memoryLow).toBe(true);
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await run.timers.advance(1000);
		// Claims are held: the freed agent takes nothing.
		expect(run.launcher.agents).toHaveLength(2);
		memory.availableMb = 1000;
		await run.timers.advance(2000);
		expect(run.launcher.on('b').stopped).toBeDefined();
		expect(await run.task('b')).toMatchObject({failureType: 'oom', retryCount: 1});
		memory.availableMb = 20_000;
		await run.timers.advance(2000);
		expect(run.types()).toContain('memory.ok');
		expect(run.launcher.agents.length).toBeGreaterThan(2);
		expect(run.orchestrator.getSnapshot().self).toEqual({rssMb: 80, heapMb: 20});
	});

	it('warns at 90% of the limit and recycles over it', async () => {
		const memory = new FakeStats();
		const run = await setup([t('a')], {memory, slots: [slot('s-1')]});
		memory.rssMb.set('a', 950);
		await run.timers.advance(2000);
		expect(run.events.find((e) => e.event.type === 'agent.memory')?.event).toMatchObject({
			task: 'a',
			rssMb: 950,
			limitMb: 1000,
		});
		expect(run.orchestrator.getSnapshot().agents[0]).toMatchObject({rssMb: 950, limitMb: 1000});
		memory.rssMb.set('a', 1100);
		await run.timers.advance(2000);
		expect(run.launcher.on('a').stopped).toEqual({graceMs: 2000, immediate: false});
		expect(run.events.find((e) => e.event.type === 'agent.recycled')?.event).toMatchObject({
			task: 'a',
			rssMb: 1100,
			limitMb: 1000,
		});
	});
});

describe('Orchestrator and changes made outside the run', () => {
	it('keeps what the agent reported itself: task done then exit 1 stays completed; task fail then exit 0 stays failed', async () => {
		const run = await setup([
			t('done-then-1'),
			t('fail-then-0'),
			t('after', {dependencies: ['fail-then-0']}),
		]);
		await run.repository.update((tasks) =>
			markDone(tasks, 'done-then-1', {now: run.clock.now(), random: Math.random}),
		);
		run.launcher.on('done-then-1').exit({exitCode: 1, signal: null});
		await run.repository.update((tasks) =>
			markFailed(tasks, 'fail-then-0', 'gave up', {now: run.clock.now(), random: Math.random}),
		);
		run.launcher.on('fail-then-0').exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.task('done-then-1')).toMatchObject({
			status: 'completed',
			retryCount: 0,
			attempts: [{n: 1, exitCode: 1}],
		});
		expect(await run.task('fail-then-0')).toMatchObject({
			status: 'failed',
			lastError: 'gave up',
			attempts: [{n: 1, exitCode: 0}],
		});
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.launcher.agents.map((a) => a.launch.env['JETPACK_TASK_ID'])).not.toContain('after');
	});

	it('never runs a task twice when it is blocked and unblocked by hand while running', async () => {
		const run = await setup([t('busy'), t('other', {priority: 'low'})]);
		const context = {now: run.clock.now(), random: Math.random};
		await run.repository.update((tasks) => blockTask(tasks, 'busy', 'hold on', context));
		await run.repository.update((tasks) => unblockTask(tasks, 'busy', context));
		run.orchestrator.notifyStoreChanged();
		await settle();
		expect(
			run.launcher.agents.filter((a) => a.launch.env['JETPACK_TASK_ID'] === 'busy'),
		).toHaveLength(1);
		run.launcher.on('busy').exit({exitCode: 0, signal: null});
		await settle();
		// Back in the queue by hand, but the work got done: done it is, after one attempt.
		expect(await run.task('busy')).toMatchObject({
			status: 'completed',
			attempts: [{n: 1, exitCode: 0}],
		});
	});

	it("keeps an attempt's result while the store cannot take it, and records it once it can", async () => {
		const run = await setup([t('a')], {slots: [slot('s-1')]});
		const update = run.repository.update.bind(run.repository);
		let broken = true;
		run.repository.update = async (change) => {
			if (broken)
				throw new StoreError('.beads/tasks.jsonl line 2: field "status" must be one of …');
			return update(change);
		};

		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await run.timers.advance(3000);
		expect(run.events.filter((e) => e.event.type === 'run.warning')).toHaveLength(1);
		expect(run.orchestrator.getSnapshot().finished).toBeUndefined();
		broken = false;
		await run.timers.advance(1000);
		expect(await run.task('a')).toMatchObject({status: 'completed'});
		expect(await run.orchestrator.finished).toBe('done');
	});

	it('starts nothing once a shutdown has begun', async () => {
		const run = await setup([t('a'), t('b'), t('c')], {slots: [slot('s-1')]});
		const stopping = run.orchestrator.shutdown({immediate: true});
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await stopping;
		await settle();
		expect(run.launcher.agents).toHaveLength(1);
		for (const id of ['b', 'c'])
			expect(await run.task(id)).toMatchObject({status: 'ready', attempts: []});
	});

	it('gives a task that needs no skill to the least skilled agent', async () => {
		const run = await setup(
			[t('plain', {priority: 'critical'}), t('py', {requiredSkills: ['python']})],
			{slots: [slot('py-1', 'py', ['python']), slot('plain-1', 'plain')]},
		);
		const on = (agent: string) =>
			run.launcher.agents.find((a) => a.launch.env['JETPACK_AGENT'] === agent)?.launch.env[
				'JETPACK_TASK_ID'
			];
		expect([on('plain-1'), on('py-1')]).toEqual(['plain', 'py']);
	});
});
