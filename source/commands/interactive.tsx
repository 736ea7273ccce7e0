/**
 * Bare `jetpack-tui` (PRODUCT.md §7): the run of `--headless`, shown in the TUI. The terminal is
 * switched to its alternate screen while the app is up and given back as it was, with the run's
 * summary printed after.
 */
import path from 'node:path';
import {writeSync} from 'node:fs';
import {render, type Instance} from 'ink';
import {readTail} from '../adapters/log-tail.js';
import {UsageError} from '../core/errors.js';
import {estimatedMinutes, poolMinutes} from '../core/eta.js';
import {parseSimSpeed} from '../core/sim.js';
import {App} from '../ui/app.js';
import {CanvasContext} from '../ui/components/pane-screen.js';
import {canvasStdout, PaneCanvas} from '../ui/pane-canvas.js';
import {planAgentFor} from '../adapters/plan-agent.js';
import {proposePlan} from '../core/plan.js';
import type {View} from '../ui/keymap.js';
import {RepositoryBoard} from '../ui/repository-board.js';
import type {CommandContext, CommandResult} from './context.js';
import {oneLine, painter} from '../text/format.js';
import {attemptsSince} from './run-summary.js';
import {finalSummary} from './headless.js';
import type {Invocation} from './registry.js';
import {exitCodeFor, openRunSession, selfCommand} from './run-session.js';

const enterScreen = '\u001B[?1049h\u001B[H';
const leaveScreen = '\u001B[?25h\u001B[?1049l';

/**
 * A bell, and OSC 9: a desktop notification in the terminals that show them (iTerm2, kitty,
 * WezTerm, Windows Terminal…); others ignore the sequence. The text cannot end it early.
 */
export function notification(message: string): string {
	return `\u0007\u001B]9;${oneLine(message)}\u0007`;
}

/** Whether this process can draw a TUI: both ends a terminal. */
export function hasTerminal(): boolean {
	return process.stdin.isTTY === true && process.stdout.isTTY === true;
}

export async function runInteractive(
	context: CommandContext,
	{flags}: Invocation,
	options: {readonly initialView?: View} = {},
): CommandResult {
	if (!hasTerminal())
		throw new UsageError(
			'The TUI needs a terminal, and stdin or stdout is not one (piped, or CI); run `jetpack-tui --headless` for a run without a screen.',
		);
	// Notices and log errors would be printed over the screen: they are kept, shown in the log
	// view, and printed once the terminal is back.
	const later: string[] = [];
	let report = (message: string) => {
		if (later.length < 20) later.push(message);
	};

	const restoreNotices = context.store.redirectNotices((message) => {
		report(`jetpack-tui: ${message}`);
	});
	let session;
	try {
		session = await openRunSession(context, flags, {
			onLogError: (message) => {
				report(message);
			},
			terminalSize: {cols: process.stdout.columns, rows: process.stdout.rows},
		});
	} catch (error) {
		restoreNotices();
		for (const message of later) context.stderr.write(`${message}\n`);
		throw error;
	}

	const {orchestrator} = session;
	const keep = report;
	report = (message) => {
		keep(message);
		orchestrator.report(message);
	};

	let onScreen = false;
	// The agents' screens, painted under Ink's frames (pane-canvas.ts).
	const canvas = new PaneCanvas((text) => {
		if (onScreen) process.stdout.write(text);
	});
	// Once only: leaving twice would put the cursor back where the TUI started, over the summary.
	const leave = () => {
		canvas.close();
		if (onScreen) process.stdout.write(leaveScreen);
		onScreen = false;
	};

	// However the process ends (an uncaught error included), the terminal gets its screen back.
	const leaveAtExit = () => {
		if (onScreen) writeSync(1, leaveScreen);
	};

	// A closed terminal fails every write (EIO): the run still stops the way a signal says.
	const ignoreWriteErrors = () => undefined;
	process.on('exit', leaveAtExit);
	process.stdout.on('error', ignoreWriteErrors);
	let app: Instance | undefined;
	let stopRefreshing: () => void = () => undefined;
	const onSignal = () => {
		void orchestrator.shutdown({immediate: false, drain: false}).then(() => {
			app?.unmount();
		});
	};

	try {
		const board = await RepositoryBoard.open({
			repository: context.store,
			clock: context.clock,
			logTail: async (taskId, attempt, lines) =>
				readTail(path.join(session.logsDir, taskId, `${attempt}.log`), lines),
			onWrite: () => orchestrator.notifyStoreChanged(),
			maxRetries: context.config.maxRetries,
		});
		session.onStoreChanged(() => void board.refresh());
		stopRefreshing = orchestrator.onEvent(({event}) => {
			if (event.type.startsWith('task.')) void board.refresh();
		});
		const notify = context.config.notifications
			? (message: string) => {
					process.stdout.write(notification(message));
				}
			: undefined;

		// The agents read JETPACK_SIM_SPEED from this environment; a bad one fails them, not the ETA.
		const speed = parseSimSpeed(process.env['JETPACK_SIM_SPEED']);
		const taskMinutes =
			typeof speed === 'number'
				? poolMinutes(session.slots, selfCommand(), speed)
				: estimatedMinutes;
		process.stdout.write(enterScreen);
		onScreen = true;
		const started = Date.now();
		app = render(
			<CanvasContext.Provider value={canvas}>
				<App
					run={orchestrator}
					board={board}
					notify={notify}
					initialView={options.initialView}
					taskMinutes={taskMinutes}
					planner={async (request, signal) =>
						proposePlan(
							planAgentFor(context.config, flags.agent[0], request, {
								cwd: context.dir,
								env: context.env,
								signal,
							}),
							request,
							await context.store.read(),
						)
					}
				/>
			</CanvasContext.Provider>,
			{
				stdout: canvasStdout(process.stdout, canvas),
				exitOnCtrlC: false,
				patchConsole: false,
				// Not incrementalRendering: ink 6.8's incremental mode draws a full-height frame one row low.
				incrementalRendering: false,
				// Panes redraw at most every 80 ms on their own; a key's frame should not wait behind them.
				maxFps: 60,
			},
		);
		// Asked for at once: Ink settles this promise only if it exists when the app exits.
		const exited = app.waitUntilExit();
		// A signal from outside (kill, a closed terminal) stops the agents the way `q` does, then leaves.
		process.on('SIGTERM', onSignal);
		process.on('SIGHUP', onSignal);
		process.on('SIGINT', onSignal);
		await orchestrator.start(session.recovered.length);
		if (session.stoppedProcesses > 0)
			report(
				`stopped ${session.stoppedProcesses} process${session.stoppedProcesses === 1 ? '' : 'es'} that agents of a run that is gone had left running`,
			);
		for (const warning of session.journalWarnings) report(warning);
		if (session.carried > 0)
			report(
				`recorded ${session.carried} attempt result${session.carried === 1 ? '' : 's'} an earlier run could not write`,
			);
		await exited;
		// The app only leaves once the run is over; whatever else ended it, nothing may keep running.
		if (orchestrator.getSnapshot().finished === undefined)
			await orchestrator.shutdown({immediate: true});
		const reason = await orchestrator.finished;
		const tasks = await context.store.read();
		const snapshot = orchestrator.getSnapshot();
		const wallMs = Date.now() - started;
		const agents = Math.max(1, snapshot.agents.length);
		const utilisation = wallMs === 0 ? 0 : snapshot.busyMs / (wallMs * agents);
		app.unmount();
		leave();
		const paint = painter(context.color);
		context.stdout.write(
			`${finalSummary(tasks, reason, wallMs, utilisation, snapshot.paused, paint, undefined, {
				include: attemptsSince(snapshot.startedAt),
				prices: context.config.prices,
			})}\n`,
		);
		return exitCodeFor(reason, tasks);
	} finally {
		process.off('SIGTERM', onSignal);
		process.off('SIGHUP', onSignal);
		process.off('SIGINT', onSignal);
		stopRefreshing();
		app?.unmount();
		leave();
		// An error in the app must not leave agents working with no screen and no run file.
		if (orchestrator.getSnapshot().finished === undefined)
			await orchestrator.shutdown({immediate: true}).catch(() => undefined);
		process.off('exit', leaveAtExit);
		process.stdout.off('error', ignoreWriteErrors);
		restoreNotices();
		for (const message of later) context.stderr.write(`${message}\n`);
		await session.close();
	}
}
