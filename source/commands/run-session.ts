/**
 * What `--headless` and the TUI share before and around a run: the run file (one run per repo),
 * tasks of dead runs put back, the event log, the orchestrator on real ptys, the store watched
 * for changes made outside, and `--max-hours`. The two front ends only differ in how they show it.
 */
import {createWriteStream, mkdirSync, watch, type FSWatcher} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ShellGateRunner} from '../adapters/gate-runner.js';
import {ProcProcessStats} from '../adapters/process-stats.js';
import {PtyAgentLauncher} from '../adapters/pty-agent.js';
import {RunFile} from '../adapters/run-file.js';
import {systemTimers} from '../adapters/timers.js';
import {releaseDeadClaims} from '../core/claims.js';
import {exitCodes, type ExitCode} from '../core/errors.js';
import {Orchestrator, type FinishReason, type StampedEvent} from '../core/orchestrator.js';
import {agentPool, type AgentSlot, type SelfCommand} from '../core/profiles.js';
import type {TaskTable} from '../core/task.js';
import type {CommandContext} from './context.js';
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
	readonly logsDir: string;
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
	const runFile = await RunFile.claim(
		context.dir,
		slots.map((slot) => slot.name),
	);
	const {runId} = runFile.info;
	const cleanups: Array<() => void> = [];
	try {
		const now = context.clock.now();
		const recovered = await context.store.update((tasks) =>
			releaseDeadClaims(tasks, (claim) => claim?.runId !== runId, now),
		);
		const logsDir = path.join(context.dir, '.jetpack', 'logs');
		mkdirSync(logsDir, {recursive: true});
		const eventLog = createWriteStream(path.join(logsDir, `run-${runId}.jsonl`), {flags: 'a'});
		eventLog.on('error', (error) => {
			options.onLogError(`jetpack-tui: cannot write the event log: ${error.message}`);
		});
		cleanups.push(() => eventLog.end());
		const orchestrator = new Orchestrator({
			repository: context.store,
			launcher: new PtyAgentLauncher(),
			gates: new ShellGateRunner(context.dir),
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
			env: {JETPACK_WORK_DIR: context.dir},
		});
		cleanups.push(
			orchestrator.onEvent((event) => {
				eventLog.write(`${JSON.stringify(eventJson(event))}\n`);
			}),
		);

		const storeListeners: Array<() => void> = [() => orchestrator.notifyStoreChanged()];
		cleanups.push(
			watchStore(context.store.beadsDir, () => {
				for (const listener of storeListeners) listener();
			}),
		);
		if (flags.maxHours !== undefined) {
			const timer = setTimeout(
				() => void orchestrator.shutdown({immediate: false, reason: 'max-hours'}),
				flags.maxHours * 3_600_000,
			);
			cleanups.push(() => clearTimeout(timer));
		}

		return {
			orchestrator,
			runId,
			slots,
			recovered,
			logsDir,
			onStoreChanged(listener) {
				storeListeners.push(listener);
			},
			async close() {
				for (const cleanup of cleanups.splice(0).reverse()) cleanup();
				await runFile.release();
			},
		};
	} catch (error) {
		for (const cleanup of cleanups.reverse()) cleanup();
		await runFile.release();
		throw error;
	}
}

/** The run's exit code (PRODUCT.md §2), from why it ended and the tasks it left. */
export function exitCodeFor(reason: FinishReason, tasks: TaskTable): ExitCode {
	if (reason === 'interrupted') return exitCodes.interrupted;
	if (reason === 'all-paused') return exitCodes.noAgent;
	return [...tasks.values()].every((task) => task.status === 'completed')
		? exitCodes.ok
		: exitCodes.problems;
}

/** Store changes made by the CLI or by hand wake the scheduler (our own writes too, harmlessly). */
function watchStore(dir: string, changed: () => void): () => void {
	let watcher: FSWatcher | undefined;
	let timer: NodeJS.Timeout | undefined;
	try {
		watcher = watch(dir, {persistent: false}, () => {
			clearTimeout(timer);
			timer = setTimeout(changed, 30);
		});
	} catch {
		// No file watching here (some network file systems): the scheduler's tick still looks every second.
	}

	return () => {
		clearTimeout(timer);
		watcher?.close();
	};
}

export function eventJson({time, level, event}: StampedEvent): Record<string, unknown> {
	const {type, ...fields} = event;
	return {time, level, event: type, ...fields};
}
