/**
 * An orchestrator on fake agents, a fake clock and an in-memory store, all injected through the
 * ports: what the orchestrator's tests start from.
 */
import type {Workspaces} from '../../source/core/workspaces.js';
import {defaultConfig, type Config} from '../../source/core/config.js';
import {Orchestrator, type StampedEvent} from '../../source/core/orchestrator.js';
import type {AgentSlot} from '../../source/core/profiles.js';
import type {Task} from '../../source/core/task.js';
import type {ProcessStats, TreeSample} from '../../source/core/watchdog.js';
import {FakeGates, FakeLauncher, FakeTimers, settle} from './fake-agents.js';
import {FakeClock, InMemoryTaskRepository} from './in-memory-repository.js';

/** The machine's memory as the test says it is. */
export class FakeStats implements ProcessStats {
	availableMb = 20_000;
	rssMb = new Map<string, number>();

	async sample(roots: ReadonlyMap<string, number>): Promise<TreeSample> {
		const MB = 1_048_576;
		return {
			trees: new Map(
				// Keys are `taskId#attempt`: the size set for a task is its running attempt's.
				[...roots.keys()].map((key) => [
					key,
					(this.rssMb.get(key.split('#')[0] ?? key) ?? 100) * MB,
				]),
			),
			availableBytes: this.availableMb * MB,
			totalBytes: 24_000 * MB,
			selfRssBytes: 80 * MB,
			selfHeapBytes: 20 * MB,
		};
	}
}

export const slot = (
	name: string,
	profile = 'sim',
	skills: string[] = [],
	cli = 'generic',
): AgentSlot => ({
	name,
	profile: {
		name: profile,
		command: profile,
		args: ['{id}', '{prompt}'],
		skills,
		cli,
		defaultEnv: {},
	},
});

export async function setup(
	tasks: Task[],
	options: {
		slots?: AgentSlot[];
		config?: Partial<Config>;
		missing?: string[];
		memory?: FakeStats;
		holdsRun?: () => Promise<boolean>;
		/** Runs before each transaction of the run (not the setup's own): to hold one back, say. */
		beforeUpdate?: (count: number) => Promise<void>;
		workspaces?: Workspaces;
		learnings?: () => Promise<readonly string[]>;
		/**
		 * A shared store's claims (PRODUCT.md §15): tasks another run is claiming right now are
		 * skipped, as `FOR UPDATE SKIP LOCKED` does; each claim's ids and `want` are kept in `claims`.
		 */
		claimedElsewhere?: ReadonlySet<string>;
	} = {},
) {
	const clock = new FakeClock();
	const repository = new InMemoryTaskRepository(clock);
	await repository.update(() => ({tasks: new Map(tasks.map((t) => [t.id, t])), result: undefined}));
	const {beforeUpdate} = options;
	if (beforeUpdate !== undefined) {
		const update = repository.update.bind(repository);
		let count = 0;
		repository.update = async (change) => {
			await beforeUpdate(++count);
			return update(change);
		};
	}

	const claims: Array<{ids: readonly string[]; want: number | undefined}> = [];
	const elsewhere = options.claimedElsewhere;
	if (elsewhere !== undefined)
		repository.claim = async (ids, change, want) => {
			claims.push({ids, want});
			return repository.update((tasks) => {
				const waiting = ids.filter(
					(id) =>
						!elsewhere.has(id) &&
						(tasks.get(id)?.status === 'pending' || tasks.get(id)?.status === 'ready'),
				);
				return change(tasks, new Set(waiting.slice(0, want ?? waiting.length)));
			});
		};

	const launcher = new FakeLauncher();
	for (const command of options.missing ?? []) launcher.missing.add(command);
	const timers = new FakeTimers(clock);
	const gates = new FakeGates();
	const orchestrator = new Orchestrator({
		repository,
		launcher,
		gates,
		clock,
		timers,
		config: {...defaultConfig, retryBackoffSeconds: [30, 60], graceSeconds: 5, ...options.config},
		slots: options.slots ?? [slot('sim-1'), slot('sim-2')],
		run: {runId: 'run1', pid: 1, host: 'here'},
		cwd: '/repo',
		logFile: (id, n) => `/logs/${id}/${n}.log`,
		...(options.holdsRun === undefined ? {} : {holdsRun: options.holdsRun}),
		...(options.workspaces === undefined ? {} : {workspaces: options.workspaces}),
		...(options.learnings === undefined ? {} : {learnings: options.learnings}),
		...(options.memory === undefined
			? {}
			: {memory: {stats: options.memory, sampleMs: 2000, reservePercent: 10, limitMb: () => 1000}}),
	});
	const events: StampedEvent[] = [];
	orchestrator.onEvent((event) => events.push(event));
	await orchestrator.start();
	await settle();
	const types = () =>
		events.map((e) => `${e.event.type}${'task' in e.event ? ` ${e.event.task}` : ''}`);
	const task = async (id: string) => (await repository.read()).get(id) as Task;
	return {orchestrator, launcher, repository, timers, clock, gates, events, types, task, claims};
}
