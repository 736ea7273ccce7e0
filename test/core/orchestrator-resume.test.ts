/**
 * A run that finished with nothing left to do starts again when work comes back (the TUI's retry
 * or new task after the end); a run ended any other way stays ended.
 */
import {describe, expect, it} from 'vitest';
import {newTask, type Task} from '../../source/core/task.js';
import {addTask, retryTasks} from '../../source/core/task-ops.js';
import {settle} from '../helpers/fake-agents.js';
import {FakeStats, setup, slot} from '../helpers/orchestrator-setup.js';

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

async function finishedWithAFailure() {
	const run = await setup([t('bad', {maxRetries: 0})], {
		slots: [slot('sim-1')],
		memory: new FakeStats(),
	});
	run.launcher.on('bad').exit({exitCode: 1, signal: null});
	await settle();
	expect(await run.orchestrator.finished).toBe('done');
	expect((await run.task('bad')).status).toBe('failed');
	return run;
}

describe('Orchestrator.resume', () => {
	it('starts a finished run again when a retry makes a task runnable, and it ends again when done', async () => {
		const run = await finishedWithAFailure();
		// Nothing holds the process once the run is over.
		expect(run.timers.live).toBe(0);
		const context = {now: run.clock.now(), random: Math.random};
		await run.repository.update((tasks) => retryTasks(tasks, ['bad'], context));

		expect(await run.orchestrator.resume()).toBe(true);
		await settle();
		expect(run.orchestrator.getSnapshot().finished).toBeUndefined();
		expect(run.types()).toContain('run.resumed');
		expect(run.events.find((e) => e.event.type === 'run.resumed')?.event).toMatchObject({
			runnable: 1,
		});
		// The tick and the memory watchdog are back.
		expect(run.timers.live).toBe(2);
		expect(run.launcher.agents).toHaveLength(2);
		expect((await run.task('bad')).status).toBe('in_progress');

		run.launcher.on('bad').exit({exitCode: 0, signal: null});
		await settle();
		expect(await run.orchestrator.finished).toBe('done');
		expect(run.orchestrator.getSnapshot().finished).toBe('done');
		expect((await run.task('bad')).status).toBe('completed');
		expect(run.types().filter((type) => type === 'run.finished')).toHaveLength(2);
		expect(run.timers.live).toBe(0);
	});

	it('runs a task added after the end', async () => {
		const run = await finishedWithAFailure();
		const context = {now: run.clock.now(), random: () => 0.5};
		await run.repository.update((tasks) => addTask(tasks, {title: 'one more'}, context));
		expect(await run.orchestrator.resume()).toBe(true);
		await settle();
		expect(run.launcher.agents.at(-1)?.launch.args[1]).toContain('one more');
	});

	it('stays finished when nothing became runnable', async () => {
		const run = await finishedWithAFailure();
		const before = run.events.length;
		expect(await run.orchestrator.resume()).toBe(false);
		expect(run.orchestrator.getSnapshot().finished).toBe('done');
		expect(run.events).toHaveLength(before);
		expect(run.timers.live).toBe(0);
	});

	it('does not start a run that was stopped, even with work to do', async () => {
		const run = await setup([t('long')], {slots: [slot('sim-1')]});
		await run.orchestrator.shutdown({immediate: true});
		expect(await run.orchestrator.finished).toBe('interrupted');
		expect((await run.task('long')).status).toBe('ready');
		expect(await run.orchestrator.resume()).toBe(false);
		expect(run.orchestrator.getSnapshot().finished).toBe('interrupted');
	});

	it('stays finished when another run has taken the repository since', async () => {
		let holds = true;
		const run = await setup([t('bad', {maxRetries: 0})], {
			slots: [slot('sim-1')],
			holdsRun: async () => holds,
		});
		run.launcher.on('bad').exit({exitCode: 1, signal: null});
		expect(await run.orchestrator.finished).toBe('done');
		const context = {now: run.clock.now(), random: Math.random};
		await run.repository.update((tasks) => retryTasks(tasks, ['bad'], context));
		holds = false;
		expect(await run.orchestrator.resume()).toBe(false);
		expect(run.orchestrator.getSnapshot().finished).toBe('done');
		expect(run.launcher.agents).toHaveLength(1);
	});

	it('stays finished when the run is stopped while it looks at the store', async () => {
		const run = await finishedWithAFailure();
		const context = {now: run.clock.now(), random: Math.random};
		await run.repository.update((tasks) => retryTasks(tasks, ['bad'], context));
		const resumed = run.orchestrator.resume();
		await run.orchestrator.shutdown({immediate: false});
		expect(await resumed).toBe(false);
		expect(run.orchestrator.getSnapshot().finished).toBe('done');
		expect(run.timers.live).toBe(0);
	});

	it('is stopped as a run is, after it resumed: the quit is what `finished` reports', async () => {
		const run = await finishedWithAFailure();
		const context = {now: run.clock.now(), random: Math.random};
		await run.repository.update((tasks) => retryTasks(tasks, ['bad'], context));
		expect(await run.orchestrator.resume()).toBe(true);
		await settle();
		await run.orchestrator.shutdown({immediate: true});
		expect(await run.orchestrator.finished).toBe('interrupted');
		expect(run.orchestrator.getSnapshot().finished).toBe('interrupted');
		expect((await run.task('bad')).status).toBe('ready');
		expect(run.timers.live).toBe(0);
	});
});
