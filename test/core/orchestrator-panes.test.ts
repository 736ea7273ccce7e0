/**
 * What the TUI asks of the orchestrator: pane sizes, keys for an attached agent, the screens a
 * pane shows, a person's recycle, and agents added or removed while the run goes on.
 */
import {describe, expect, it} from 'vitest';
import {defaultConfig} from '../../source/core/config.js';
import {Orchestrator} from '../../source/core/orchestrator.js';
import type {AgentSlot} from '../../source/core/profiles.js';
import {newTask, type Task} from '../../source/core/task.js';
import {FakeGates, FakeLauncher, FakeTimers, settle} from '../helpers/fake-agents.js';
import {FakeClock, InMemoryTaskRepository} from '../helpers/in-memory-repository.js';

const slot = (name: string): AgentSlot => ({
	name,
	profile: {
		name: 'sim',
		command: 'sim',
		args: ['{id}'],
		skills: [],
		cli: 'generic',
		defaultEnv: {},
	},
});

const t = (id: string, fields: Partial<Task> = {}) => newTask({id, title: `task ${id}`, ...fields});

async function setup(tasks: Task[], slots = [slot('sim-1'), slot('sim-2')]) {
	const clock = new FakeClock();
	const repository = new InMemoryTaskRepository(clock);
	await repository.update(() => ({tasks: new Map(tasks.map((x) => [x.id, x])), result: undefined}));
	const launcher = new FakeLauncher();
	const timers = new FakeTimers(clock);
	const orchestrator = new Orchestrator({
		repository,
		launcher,
		gates: new FakeGates(),
		clock,
		timers,
		config: {...defaultConfig, graceSeconds: 1},
		slots,
		run: {runId: 'run1', pid: 1, host: 'here'},
		cwd: '/repo',
		logFile: (id, n) => `/logs/${id}/${n}.log`,
		terminalSize: {cols: 100, rows: 30},
	});
	const task = async (id: string) => (await repository.read()).get(id) as Task;
	return {orchestrator, launcher, repository, task, timers};
}

describe('Orchestrator for the panes', () => {
	it('starts an agent at its pane size and resizes the running process', async () => {
		const run = await setup([t('a'), t('b')], [slot('sim-1')]);
		run.orchestrator.resizeAgent('sim-1', 60, 20);
		await run.orchestrator.start();
		await settle();
		const agent = run.launcher.on('a');
		expect(agent.launch).toMatchObject({cols: 60, rows: 20});
		run.orchestrator.resizeAgent('sim-1', 120.7, 40);
		expect(agent.size).toEqual({cols: 120, rows: 40});
		// The next process of this agent starts at the new size.
		agent.exit({exitCode: 0, signal: null});
		await settle();
		expect(run.launcher.on('b').launch).toMatchObject({cols: 120, rows: 40});
	});

	it('sends typed keys to the agent working now, and nowhere when it is idle', async () => {
		const run = await setup([t('a')]);
		await run.orchestrator.start();
		await settle();
		run.orchestrator.writeToAgent('sim-1', 'y\r');
		run.orchestrator.writeToAgent('sim-2', 'lost');
		expect(run.launcher.on('a').input).toEqual(['y\r']);
	});

	it("shows each agent's screen, keeps the last one after the exit, and follows the next process", async () => {
		const run = await setup([t('a'), t('b', {dependencies: ['a']})], [slot('sim-1')]);
		await run.orchestrator.start();
		await settle();
		const source = run.orchestrator.agentScreen('sim-1');
		expect(source).toBeDefined();
		let changes = 0;
		source?.onScreen(() => changes++);
		run.launcher.on('a').draw(['working on a']);
		expect(source?.screen().lines[0]).toEqual([{text: 'working on a'}]);
		run.launcher.on('a').exit({exitCode: 0, signal: null});
		await settle();
		// b started on the same agent: its screen shows now.
		run.launcher.on('b').draw(['working on b']);
		expect(source?.screen().lines[0]).toEqual([{text: 'working on b'}]);
		expect(changes).toBeGreaterThanOrEqual(3);
		expect(run.orchestrator.agentScreen('nobody')).toBeUndefined();
		// The exited process holds no listener of ours.
		expect(run.launcher.on('a').listenerCount).toBe(0);
	});

	it('recycles an agent for a person: task back to the queue, no retry spent', async () => {
		const run = await setup([t('a')], [slot('sim-1')]);
		await run.orchestrator.start();
		await settle();
		await run.orchestrator.recycleAgent('sim-1');
		await settle();
		const task = await run.task('a');
		expect(task.retryCount).toBe(0);
		expect(task.status === 'ready' || task.status === 'in_progress').toBe(true);
	});

	it('adds an agent of the last profile, which takes work at once', async () => {
		const run = await setup([t('a'), t('b'), t('c')]);
		await run.orchestrator.start();
		await settle();
		expect(run.launcher.agents).toHaveLength(2);
		expect(run.orchestrator.addAgent()).toBe('sim-3');
		await settle();
		expect(run.launcher.agents).toHaveLength(3);
		expect(run.orchestrator.getSnapshot().agents.map((agent) => agent.name)).toEqual([
			'sim-1',
			'sim-2',
			'sim-3',
		]);
	});

	it('removes an idle agent at once, a busy one after its task, and never the last', async () => {
		const run = await setup([t('a')]);
		await run.orchestrator.start();
		await settle();
		// sim-2 is idle (one task): it goes now.
		expect(run.orchestrator.removeAgent()).toBe('sim-2');
		expect(run.orchestrator.getSnapshot().agents.map((agent) => agent.name)).toEqual(['sim-1']);
		expect(run.orchestrator.removeAgent()).toBeUndefined();

		const busy = await setup([t('a'), t('b'), t('c')]);
		await busy.orchestrator.start();
		await settle();
		expect(busy.orchestrator.removeAgent()).toBe('sim-2');
		expect(busy.orchestrator.getSnapshot().agents[1]).toMatchObject({
			name: 'sim-2',
			leaving: true,
			state: 'running',
		});
		busy.launcher.on('b').exit({exitCode: 0, signal: null});
		await settle();
		// It finished its task and took no other; sim-1 takes c after a.
		expect(busy.orchestrator.getSnapshot().agents.map((agent) => agent.name)).toEqual(['sim-1']);
		expect(await busy.task('b')).toMatchObject({status: 'completed'});
		expect(busy.launcher.agents).toHaveLength(2);
		// `+` right after `-` takes the removal back instead of adding a new agent.
		const back = await setup([t('a'), t('b'), t('c')]);
		await back.orchestrator.start();
		await settle();
		back.orchestrator.removeAgent();
		expect(back.orchestrator.addAgent()).toBe('sim-2');
		expect(back.orchestrator.getSnapshot().agents[1]?.leaving).toBeUndefined();
	});

	it('stops without waiting for agents to finish when asked not to drain', async () => {
		const run = await setup([t('a')], [slot('sim-1')]);
		await run.orchestrator.start();
		await settle();
		const stopping = run.orchestrator.shutdown({immediate: false, drain: false});
		await settle();
		expect(run.launcher.on('a').stopped).toEqual({graceMs: 1000, immediate: false});
		await stopping;
		expect(await run.orchestrator.finished).toBe('interrupted');
		expect(await run.task('a')).toMatchObject({status: 'ready', retryCount: 0});
	});

	it('leaves no timer behind when it is stopped while start() still reads the store', async () => {
		const run = await setup([t('a')]);
		// A store slow to read (a large file): the stop comes and goes while start() waits for it.
		const read = run.repository.read.bind(run.repository);
		let release: () => void = () => undefined;
		const released = new Promise<void>((resolve) => {
			release = resolve;
		});
		run.repository.read = async () => {
			await released;
			return read();
		};
		const starting = run.orchestrator.start();
		await run.orchestrator.shutdown({immediate: true});
		release();
		await starting;
		await settle();
		expect(await run.orchestrator.finished).toBe('interrupted');
		expect(run.timers.live).toBe(0);
		expect(run.launcher.agents).toHaveLength(0);
	});
});
