/**
 * `--headless` (PRODUCT.md §9): the orchestrator plus a line printer. One line per event (`--json`
 * for JSON lines), a summary every minute, the event log in `.jetpack/logs/run-<runId>.jsonl`,
 * graceful on the first SIGINT, SIGTERM or SIGHUP and immediate on the second. After a SIGHUP (the
 * SSH session is gone) nothing more is printed: the terminal is gone, the event log has it all.
 */
import {buildGraph} from '../core/graph.js';
import type {FinishReason} from '../core/orchestrator.js';
import type {TaskTable} from '../core/task.js';
import type {CommandContext, CommandResult} from './context.js';
import {minutesText} from './deps-render.js';
import {oneLine, painter, type Paint} from './format.js';
import type {Invocation} from './registry.js';
import {eventLine} from './event-line.js';
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

		cleanups.push(
			orchestrator.onEvent((event) => {
				out(flags.json ? JSON.stringify(eventJson(event)) : eventLine(event, paint));
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
		if (!flags.json) out(finalSummary(tasks, reason, wallMs, utilisation, snapshot.paused, paint));
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

export function finalSummary(
	tasks: TaskTable,
	reason: FinishReason,
	wallMs: number,
	utilisation: number,
	paused: readonly {profile: string; reason: string}[],
	paint: Paint,
): string {
	const all = [...tasks.values()];
	const completed = all.filter((task) => task.status === 'completed');
	const failed = all.filter((task) => task.status === 'failed');
	const blocked = all.filter((task) => task.status === 'blocked');
	const graph = buildGraph(tasks);
	const open = all.filter((task) => task.status === 'pending' || task.status === 'ready');
	const lines = [
		'',
		paint(
			'bold',
			`Run ${reason === 'done' ? 'finished' : `ended (${reason})`} after ${wallMs < 60_000 ? `${(wallMs / 1000).toFixed(1)} s` : minutesText(wallMs / 60_000)}; agents busy ${Math.round(utilisation * 100)}% of the time.`,
		),
		`  ${completed.length} completed, ${failed.length} failed, ${blocked.length} blocked, ${open.length} not run, of ${all.length}.`,
	];
	for (const task of failed.slice(0, 20))
		lines.push(
			paint(
				'red',
				`  ✗ ${task.id} (${task.failureType ?? 'error'}): ${oneLine(task.lastError ?? '')}`.slice(
					0,
					200,
				),
			),
		);
	if (failed.length > 20)
		lines.push(`  … and ${failed.length - 20} more failed (jetpack-tui task list --status failed)`);
	for (const task of blocked.slice(0, 10))
		lines.push(paint('magenta', `  ⊘ ${task.id} blocked: ${oneLine(task.blockers.join('; '))}`));
	const why = (id: string): string => {
		const task = tasks.get(id);
		if (task === undefined) return '';
		if (graph.inCycle.has(id)) return 'on a dependency cycle';
		const missing = task.dependencies.filter((dep) => !tasks.has(dep));
		if (missing.length > 0) return `depends on unknown ${missing.join(', ')}`;
		const waiting = task.dependencies.filter((dep) => tasks.get(dep)?.status !== 'completed');
		if (waiting.length > 0)
			return `waits for ${waiting.slice(0, 3).join(', ')} (${tasks.get(waiting[0] ?? '')?.status ?? '?'})`;
		if (task.blockers.length > 0) return 'blocked by hand';
		return 'not reached';
	};

	for (const task of open.slice(0, 10))
		lines.push(
			paint(
				'dim',
				// Stopped mid-attempt (a quit, a signal): it ran, and is back in the queue.
				task.attempts.length > 0
					? `  · ${task.id} stopped before it finished (attempt ${task.attempts.length}); back in the queue`
					: `  · ${task.id} never ran: ${why(task.id)}`,
			),
		);
	if (open.length > 10) lines.push(paint('dim', `  … and ${open.length - 10} more not run`));
	for (const pause of paused)
		lines.push(paint('red', `  ${pause.profile} is paused: ${pause.reason}`));
	return lines.join('\n');
}
