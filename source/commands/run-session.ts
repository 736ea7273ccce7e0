/**
 * What `--headless` and the TUI share before and around a run: the run file (one run per repo),
 * tasks of dead runs put back, the event log, the orchestrator on real ptys, the store watched
 * for changes made outside, and `--max-hours`. The two front ends only differ in how they show it.
 */
import {createWriteStream, mkdirSync, watch, type FSWatcher} from 'node:fs';
import path from 'node:path';
import {readLearnings} from '../adapters/learnings-file.js';
import {fileURLToPath} from 'node:url';
import {ShellGateRunner} from '../adapters/gate-runner.js';
import {ProcProcessStats} from '../adapters/process-stats.js';
import {PtyAgentLauncher} from '../adapters/pty-agent.js';
import {explainFsError} from '../adapters/fs-errors.js';
import {ensureJetpackIgnore, writeSelfScript} from '../adapters/jetpack-dir.js';
import {forgetResults, loadResults, saveResults} from '../adapters/result-journal.js';
import {stopAgentsOfGoneRuns} from './gone-runs.js';
import {stopAgentsOfRun} from '../adapters/agent-processes.js';
import {claimantAlive, RunFile} from '../adapters/run-file.js';
import {recordAttempt} from '../core/attempts.js';
import {systemTimers} from '../adapters/timers.js';
import {releaseDeadClaims, releaseLapsedClaims} from '../core/claims.js';
import type {PgStore} from '../adapters/pg-store.js';
import {exitCodes, type ExitCode} from '../core/errors.js';
import {Orchestrator, type FinishReason, type StampedEvent} from '../core/orchestrator.js';
import {agentPool, type AgentSlot, type SelfCommand} from '../core/profiles.js';
import type {ClaimedBy, Task, TaskTable} from '../core/task.js';
import type {CommandContext} from './context.js';
import {openWorkspaces} from './workspaces.js';
import {withJetpackWork} from '../adapters/git-workspaces.js';
import {modelOfProfile} from '../adapters/cli-models.js';
import type {Flags} from './registry.js';

/** This program as a command, for the simulated agent: `node …/dist/cli.js`. */
export function selfCommand(): SelfCommand {
	return {command: process.execPath, args: [fileURLToPath(new URL('../cli.js', import.meta.url))]};
}

export interface RunSession {
	readonly orchestrator: Orchestrator;
	readonly runId: string;
	readonly slots: readonly AgentSlot[];
	/** Tasks put back from a run that is gone (no retry spent). */
	readonly recovered: readonly string[];
	/** Attempt results an earlier run could not write, recorded now. */
	readonly carried: number;
	/** Files of such results that could not be read, one sentence each, to print once. */
	readonly journalWarnings: readonly string[];
	/** Processes left running by runs that are gone, stopped before their tasks were put back. */
	readonly stoppedProcesses: number;
	/** Where agents work, in one line to print at start: their own worktrees, or the shared folder. */
	readonly workspaces: {
		readonly mode: 'worktree' | 'shared';
		readonly branch?: string;
		readonly message: string;
	};
	readonly logsDir: string;
	/** On a shared store: this run and its host, which its JSON events carry. */
	readonly origin: {readonly run: string; readonly host: string} | undefined;
	/** Something wrote the store (the CLI, an editor, our own transactions), debounced. */
	onStoreChanged(listener: () => void): void;
	/** Stops watching, closes the event log and gives up the run file. */
	close(): Promise<void>;
}

export interface RunSessionOptions {
	/** The event log could not be written (a full disk): the run goes on; say so once. */
	readonly onLogError: (message: string) => void;
	/** Each pty's size until its pane says otherwise. */
	readonly terminalSize?: {readonly cols: number; readonly rows: number};
}

export async function openRunSession(
	context: CommandContext,
	flags: Pick<Flags, 'agents' | 'agent' | 'maxHours'>,
	options: RunSessionOptions,
): Promise<RunSession> {
	const slots = agentPool(context.config, flags, selfCommand());
	let orchestrator: Orchestrator | undefined;
	let leaseLost = false;
	await ensureJetpackIgnore(context.dir);
	const self = selfCommand();
	// A disk too full for a small script still runs: the program's own path then, unquoted.
	const selfScript = await writeSelfScript(context.dir, [self.command, ...self.args]).catch(() =>
		[self.command, ...self.args].join(' '),
	);
	const runFile = await RunFile.claim(
		context.dir,
		slots.map((slot) => slot.name),
		{
			onLost(holder) {
				orchestrator?.lostRun(
					`another run (pid ${holder.pid} on ${holder.host}) took over .jetpack/run.json; this run claims nothing more and stops when its agents are done`,
				);
			},
		},
	).catch((error: unknown) => {
		// A full or read-only disk says so in one sentence, naming the file.
		throw explainFsError(error, context.dir, path.join('.jetpack', 'run.json'));
	});
	const {runId} = runFile.info;
	const cleanups: Array<() => void> = [];
	const shared = context.store.kind === 'postgres' ? context.store : undefined;
	const lease = context.config.leaseSeconds;
	try {
		// On a shared store the run is known to every other run, on any machine, by its lease.
		await shared?.registerRun(
			{
				runId,
				host: runFile.info.host,
				pid: process.pid,
				folder: context.dir,
				agents: slots.map((slot) => slot.name),
			},
			lease,
		);
		const now = context.clock.now();
		const retryPolicy = {
			maxRetries: context.config.maxRetries,
			backoffSeconds: context.config.retryBackoffSeconds,
		};
		// Results an earlier run could not write go in first: they may complete tasks it held.
		const saved = await loadResults(context.dir);
		const carried =
			saved.records.length === 0
				? 0
				: await context.store.update((tasks) => {
						let table = tasks;
						let count = 0;
						for (const record of saved.records) {
							const change = recordAttempt(table, record, retryPolicy);
							table = change.tasks;
							if (change.result.kind !== 'none') count++;
						}

						return {tasks: table, result: count};
					});
		await forgetResults(context.dir, saved.files);
		const {stoppedProcesses, recovered} =
			shared === undefined
				? await releaseGoneRuns(context, runId, runFile.replaced?.runId, now)
				: await releaseLapsedRuns(context, shared, runId, runFile.replaced?.runId, now);
		const {workspaces, message: workspaceMessage} = await openWorkspaces(context, runId);
		if (workspaces.mode === 'worktree') await reclaimWorktrees(context.dir, recovered);
		const logsDir = path.join(context.dir, '.jetpack', 'logs');
		mkdirSync(logsDir, {recursive: true});
		const eventLog = createWriteStream(path.join(logsDir, `run-${runId}.jsonl`), {flags: 'a'});
		eventLog.on('error', (error) => {
			options.onLogError(`jetpack-tui: cannot write the event log: ${error.message}`);
		});
		cleanups.push(() => eventLog.end());
		orchestrator = new Orchestrator({
			repository: context.store,
			launcher: new PtyAgentLauncher(),
			gates: new ShellGateRunner(context.dir, {runId}),
			workspaces,
			workspacesNote: workspaceMessage,
			modelOf: (profile) => modelOfProfile(profile, process.env),
			clock: context.clock,
			timers: systemTimers,
			config: context.config,
			slots,
			run: {runId, pid: process.pid, host: runFile.info.host},
			cwd: context.dir,
			logFile: (taskId, attempt) => path.join(logsDir, taskId, `${attempt}.log`),
			terminalSize: options.terminalSize,
			memory: {
				stats: new ProcProcessStats(),
				sampleMs: context.config.memory.sampleSeconds * 1000,
				reservePercent: context.config.memory.reservePercent,
				limitMb: (slot) => slot.profile.memoryLimitMb ?? context.config.memory.agentLimitMb,
			},
			env: {
				JETPACK_WORK_DIR: context.dir,
				JETPACK_CLI: selfScript,
				// So a plain `jetpack-tui task done` works too, where PATH is kept.
				PATH: [path.dirname(selfScript), process.env['PATH'] ?? ''].join(path.delimiter),
				...(shared === undefined ? {} : {JETPACK_STORE: shared.urlForAgents}),
			},
			holdsRun: async () => !leaseLost && (await runFile.holds()),
			shared: shared !== undefined,
			learnings: async () => readLearnings(context.dir),
		});
		const running = orchestrator;
		const origin = shared === undefined ? undefined : {run: runId, host: runFile.info.host};
		cleanups.push(
			orchestrator.onEvent((event) => {
				eventLog.write(`${JSON.stringify(eventJson(event, origin))}\n`);
			}),
		);

		const storeListeners: Array<() => void> = [() => running.notifyStoreChanged()];
		const changed = () => {
			for (const listener of storeListeners) listener();
		};

		const {store} = context;
		if (store.kind === 'file') {
			let outsideSeen = store.outsideChanges;
			cleanups.push(
				watchStore(store.beadsDir, async () => {
					// Our own transactions are known already: only changes from outside wake the
					// scheduler, also one a transaction of ours took in on its way (the file is then
					// our own version, with someone's `task add` in it).
					const own = await store.isOwnVersion().catch(() => false);
					const outside = store.outsideChanges;
					const absorbed = outside !== outsideSeen;
					outsideSeen = outside;
					if (own && !absorbed) return;
					changed();
				}),
			);
		} else {
			// Other runs' changes arrive by NOTIFY, within milliseconds, from any machine.
			const unwatch = await store.watch(changed);
			cleanups.push(() => void unwatch());
			const beat = setInterval(
				() => {
					void (async () => {
						if (leaseLost) return;
						const renewed = await store.renewLease(runId, lease).catch(() => undefined);
						if (renewed === false) {
							leaseLost = true;
							running.lostRun(
								`this run's lease lapsed (it could not renew it within ${lease} s) and other runs took its tasks over; it claims nothing more and stops when its agents are done`,
							);
							return;
						}

						const taken = await takeOverLapsed(
							store,
							runId,
							context.clock.now(),
							context.config.graceSeconds * 1000,
						).catch(() => [] as string[]);
						if (taken.length > 0) {
							running.report(
								`took back ${taken.length} task${taken.length === 1 ? '' : 's'} from a run whose lease lapsed: ${taken.slice(0, 8).join(', ')}${taken.length > 8 ? ', …' : ''}`,
							);
							changed();
						}
					})();
				},
				(lease * 1000) / 3,
			);
			beat.unref();
			cleanups.push(() => clearInterval(beat));
		}
		if (flags.maxHours !== undefined) {
			const timer = setTimeout(
				() => void running.shutdown({immediate: false, reason: 'max-hours'}),
				flags.maxHours * 3_600_000,
			);
			cleanups.push(() => clearTimeout(timer));
		}

		return {
			orchestrator: running,
			runId,
			slots,
			recovered,
			carried,
			journalWarnings: saved.problems,
			stoppedProcesses,
			workspaces: {
				mode: workspaces.mode,
				...(workspaces.branch === undefined ? {} : {branch: workspaces.branch}),
				message: workspaceMessage,
			},
			logsDir,
			origin,
			onStoreChanged(listener) {
				storeListeners.push(listener);
			},
			async close() {
				for (const cleanup of cleanups.splice(0).reverse()) cleanup();
				await keepUnrecorded(context.dir, runId, running, options.onLogError);
				await shared?.endRun(runId).catch(() => undefined);
				await runFile.release();
			},
		};
	} catch (error) {
		for (const cleanup of cleanups.reverse()) cleanup();
		await shared?.endRun(runId).catch(() => undefined);
		await runFile.release();
		throw error;
	}
}

interface Released {
	readonly stoppedProcesses: number;
	readonly recovered: readonly string[];
}

/** The embedded store: tasks of runs that are gone (by run file, pid and host) go back. */
async function releaseGoneRuns(
	context: CommandContext,
	runId: string,
	replaced: string | undefined,
	now: Date,
): Promise<Released> {
	// A run holds the repository only while it lives; a claim whose process still lives here
	// (another run that lost its run file, say) is not ours to take.
	const isGone = (claim: ClaimedBy | undefined, task: Task) =>
		claim !== undefined && claim.runId !== runId && !claimantAlive(claim, task.startedAt);
	// The dead runs' agents may still be at work on those tasks (a SIGKILL leaves them): they
	// are stopped before anyone runs the tasks again.
	const stoppedProcesses = await stopAgentsOfGoneRuns(
		await context.store.read(),
		isGone,
		replaced,
		context.config.graceSeconds * 1000,
	);
	const recovered = await context.store.update((tasks) => releaseDeadClaims(tasks, isGone, now));
	return {stoppedProcesses, recovered};
}

/** A shared store: tasks of runs whose lease lapsed go back, their attempts closed as killed. */
async function releaseLapsedRuns(
	context: CommandContext,
	store: PgStore,
	runId: string,
	replaced: string | undefined,
	now: Date,
): Promise<Released> {
	const live = new Set((await store.liveRuns()).map((run) => run.runId));
	live.add(runId);
	// Agents a lapsed run left at work on this machine are stopped first (those elsewhere are
	// their own machine's business: its next run stops them).
	const stoppedProcesses = await stopAgentsOfGoneRuns(
		await store.read(),
		(claim) => claim !== undefined && !live.has(claim.runId),
		replaced,
		context.config.graceSeconds * 1000,
	);
	const recovered = await store.updateWithRuns((tasks, liveNow) =>
		releaseLapsedClaims(tasks, liveNow, now),
	);
	return {stoppedProcesses, recovered};
}

/** Takes back the tasks of runs whose lease lapsed, when there are any (a cheap look first). */
async function takeOverLapsed(
	store: PgStore,
	runId: string,
	now: Date,
	graceMs: number,
): Promise<string[]> {
	const tasks = await store.read();
	const holders = new Set<string>();
	for (const task of tasks.values())
		if (
			(task.status === 'in_progress' || task.status === 'claimed') &&
			task.claimedBy !== undefined &&
			task.claimedBy.runId !== runId
		)
			holders.add(task.claimedBy.runId);
	if (holders.size === 0) return [];
	const live = new Set((await store.liveRuns()).map((run) => run.runId));
	const lapsed = [...holders].filter((holder) => !live.has(holder));
	if (lapsed.length === 0) return [];
	// What a lapsed run left at work on this machine stops before its tasks run again.
	for (const holder of lapsed) await stopAgentsOfRun(holder, {graceMs});
	return store.updateWithRuns((current, liveNow) => releaseLapsedClaims(current, liveNow, now));
}

/**
 * The worktrees a dead run's agents worked in, for the tasks just put back: removed, their disk
 * freed (the branches stay, with whatever was committed, for the next attempt to reuse).
 */
async function reclaimWorktrees(dir: string, tasks: readonly string[]): Promise<void> {
	if (tasks.length === 0) return;
	const reclaimed = new Set(tasks);
	await withJetpackWork(dir, async (found, remove) => {
		for (const worktree of found.worktrees)
			if (reclaimed.has(worktree.taskId))
				// One that cannot be removed now is removed by the task's next attempt, or `clean`.
				await remove.worktree(worktree.dir, true).catch(() => undefined);
	});
}

/**
 * Results the store never took (the disk stayed full through the shutdown) go to the journal the
 * next run records first; if even that cannot be written, they are printed, so that nothing an
 * agent did is silently lost.
 */
async function keepUnrecorded(
	dir: string,
	runId: string,
	orchestrator: Orchestrator,
	say: (message: string) => void,
): Promise<void> {
	const records = orchestrator.unrecordedResults();
	if (records.length === 0) return;
	try {
		const file = await saveResults(dir, runId, records);
		say(
			`jetpack-tui: ${records.length} attempt result${records.length === 1 ? '' : 's'} could not be written to the store; kept in ${path.relative(dir, file)}, which the next run records first.`,
		);
	} catch (error) {
		say(
			[
				`jetpack-tui: ${records.length} attempt result${records.length === 1 ? '' : 's'} could not be written anywhere (${(error as Error).message}); the tasks go back to the queue at the next run. The results were:`,
				...records.map((record) => JSON.stringify(record)),
			].join('\n'),
		);
	}
}

/** The run's exit code (PRODUCT.md §2), from why it ended and the tasks it left. */
export function exitCodeFor(reason: FinishReason, tasks: TaskTable): ExitCode {
	if (reason === 'interrupted') return exitCodes.interrupted;
	if (reason === 'all-paused') return exitCodes.noAgent;
	if (reason === 'budget') return exitCodes.problems;
	// Work that waits for a person's review is not a problem: the run did all it could.
	return [...tasks.values()].every(
		(task) => task.status === 'completed' || waitsForReview(task, tasks, new Set()),
	)
		? exitCodes.ok
		: exitCodes.problems;
}

/** In review, or held back only by tasks in review (directly or down a chain). */
function waitsForReview(task: Task, tasks: TaskTable, seen: Set<string>): boolean {
	if (task.status === 'review') return true;
	if ((task.status !== 'pending' && task.status !== 'ready') || seen.has(task.id)) return false;
	seen.add(task.id);
	const open = task.dependencies
		.map((id) => tasks.get(id))
		.filter((dep) => dep?.status !== 'completed');
	return (
		open.length > 0 && open.every((dep) => dep !== undefined && waitsForReview(dep, tasks, seen))
	);
}

/** Store changes made by the CLI or by hand wake the scheduler. */
function watchStore(dir: string, changed: () => Promise<void>): () => void {
	let watcher: FSWatcher | undefined;
	let timer: NodeJS.Timeout | undefined;
	try {
		watcher = watch(dir, {persistent: false}, () => {
			clearTimeout(timer);
			timer = setTimeout(() => void changed(), 30);
		});
	} catch {
		// No file watching here (some network file systems): the scheduler's tick still looks every second.
	}

	return () => {
		clearTimeout(timer);
		watcher?.close();
	};
}

/** An event as a JSON object; on a shared store it names the run and host it came from. */
export function eventJson(
	{time, level, event}: StampedEvent,
	origin?: {readonly run: string; readonly host: string},
): Record<string, unknown> {
	const {type, ...fields} = event;
	return {time, level, event: type, ...fields, ...origin};
}
