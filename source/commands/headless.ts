/**
 * `--headless` (PRODUCT.md §9): the orchestrator plus a line printer. One line per event (`--json`
 * for JSON lines), a summary every minute, the event log in `.jetpack/logs/run-<runId>.jsonl`,
 * graceful on the first SIGINT, SIGTERM or SIGHUP and immediate on the second. After a SIGHUP (the
 * SSH session is gone) nothing more is printed: the terminal is gone, the event log has it all.
 */
import type {FinishReason, StampedEvent} from '../core/orchestrator.js';
import type {AgentSlot} from '../core/profiles.js';
import type {TaskTable} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {painter, type Paint} from '../text/format.js';
import {attemptsSince, summarizeRun, summaryJson, summaryText, type RunEnd} from './run-summary.js';
import type {Invocation} from './registry.js';
import {eventLine} from '../text/event-line.js';
import {eventJson, exitCodeFor, openRunSession} from './run-session.js';

const summaryEveryMs = 60_000;

export async function runHeadless(context: CommandContext, {flags}: Invocation): CommandResult {
	let hungUp = false;
	const out = (line: string) => {
		if (!hungUp) context.stdout.write(`${line}\n`);
	};
	const paint = painter(context.color && !flags.json);
	const session = await openRunSession(context, flags, {
		// The run goes on without its log file (a full disk, say); the lines still reach stdout.
		onLogError: (message) => {
			out(
				flags.json
					? JSON.stringify({
							time: new Date().toISOString(),
							level: 'error',
							event: 'run.warning',
							message,
						})
					: paint('red', message),
			);
		},
	});
	const {orchestrator, recovered, carried, stoppedProcesses, slots} = session;
	const cleanups: Array<() => void> = [];
	try {
		for (const warning of session.journalWarnings)
			out(
				flags.json
					? JSON.stringify({
							time: new Date().toISOString(),
							level: 'warn',
							event: 'run.warning',
							message: warning,
						})
					: paint('yellow', warning),
			);
		if (carried > 0 && !flags.json)
			out(
				paint(
					'yellow',
					`Recorded ${carried} attempt result${carried === 1 ? '' : 's'} an earlier run could not write.`,
				),
			);
		if (stoppedProcesses > 0 && !flags.json)
			out(
				paint(
					'yellow',
					`Stopped ${stoppedProcesses} process${stoppedProcesses === 1 ? '' : 'es'} that agents of a run that is gone had left running.`,
				),
			);
		if (recovered.length > 0 && !flags.json) {
			out(
				paint(
					'yellow',
					`Recovered ${recovered.length} task${recovered.length === 1 ? '' : 's'} held by a run that is gone (no retry spent): ${recovered.slice(0, 10).join(', ')}${recovered.length > 10 ? ', …' : ''}`,
				),
			);
		}

		// With --json the run's last line carries the summary: held back until the store is read.
		let finished: StampedEvent | undefined;
		cleanups.push(
			orchestrator.onEvent((event) => {
				if (flags.json && event.event.type === 'run.finished') finished = event;
				else
					out(
						flags.json ? JSON.stringify(eventJson(event, session.origin)) : eventLine(event, paint),
					);
			}),
		);

		const summary = setInterval(() => {
			void context.store
				.read()
				.then((tasks) => {
					const line = progressLine(
						tasks,
						orchestrator.getSnapshot().agents.filter((agent) => agent.state === 'running').length,
						orchestrator.getSnapshot().agents.length,
					);
					out(
						flags.json
							? JSON.stringify({
									time: new Date().toISOString(),
									level: 'info',
									event: 'run.summary',
									message: line,
								})
							: paint('dim', `── ${line}`),
					);
				})
				// The store may hold a mistake right now; the orchestrator says so itself, once.
				.catch(() => undefined);
		}, summaryEveryMs);
		cleanups.push(() => clearInterval(summary));

		let interrupts = 0;
		const onSignal = (signal: NodeJS.Signals) => {
			interrupts++;
			if (signal === 'SIGHUP') hungUp = true;
			const immediate = interrupts > 1;
			if (!flags.json)
				out(
					paint(
						'yellow',
						immediate
							? `${signal} again: stopping every agent now.`
							: `${signal}: no new tasks; running agents get ${context.config.graceSeconds} s to finish (press ctrl-c again to stop them now).`,
					),
				);
			void orchestrator.shutdown({immediate, reason: 'interrupted'});
		};

		// A terminal that went away answers writes with EIO or EPIPE: the run goes on without it.
		const onStdoutError = () => {
			hungUp = true;
		};
		process.stdout.on('error', onStdoutError);
		cleanups.push(() => process.stdout.off('error', onStdoutError));
		const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
		for (const signal of signals) process.on(signal, onSignal);
		cleanups.push(() => {
			for (const signal of signals) process.off(signal, onSignal);
		});

		const started = Date.now();
		await orchestrator.start(recovered.length);
		const reason = await orchestrator.finished;
		const tasks = await context.store.read();
		const snapshot = orchestrator.getSnapshot();
		const wallMs = Date.now() - started;
		const utilisation = wallMs === 0 ? 0 : snapshot.busyMs / (wallMs * slots.length);
		const ending = summarizeRun(tasks, {
			reason,
			wallMs,
			utilisation,
			paused: snapshot.paused,
			pool: slots,
			now: new Date(),
			include: attemptsSince(snapshot.startedAt),
			prices: context.config.prices,
		});
		if (flags.json) {
			const {time, level} = finished ?? {
				time: new Date().toISOString(),
				level: reason === 'done' ? 'info' : 'warn',
			};
			out(
				JSON.stringify({
					time,
					level,
					event: 'run.finished',
					...summaryJson(ending),
					...session.origin,
				}),
			);
		} else out(summaryText(ending, paint));
		return exitCodeFor(reason, tasks);
	} finally {
		for (const cleanup of cleanups.reverse()) cleanup();
		await session.close();
	}
}

function progressLine(tasks: TaskTable, busy: number, agents: number): string {
	let done = 0;
	let failed = 0;
	for (const task of tasks.values()) {
		if (task.status === 'completed') done++;
		else if (task.status === 'failed') failed++;
	}

	return `${done}/${tasks.size} done, ${failed} failed, ${busy}/${agents} agents busy`;
}

/** The summary a person reads after a run (the TUI prints it too, once the screen is gone). */
export function finalSummary(
	tasks: TaskTable,
	reason: FinishReason,
	wallMs: number,
	utilisation: number,
	paused: readonly {profile: string; reason: string}[],
	paint: Paint,
	pool?: readonly AgentSlot[],
	spend: Partial<Pick<RunEnd, 'include' | 'prices'>> = {},
): string {
	return summaryText(
		summarizeRun(tasks, {reason, wallMs, utilisation, paused, pool, now: new Date(), ...spend}),
		paint,
	);
}
