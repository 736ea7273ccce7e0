/**
 * One run event as one line of text: what `--headless` prints and the TUI's log view shows.
 */
import type {StampedEvent} from '../core/orchestrator.js';
import {oneLine, type Paint} from './format.js';
import {clockTime} from './transcript.js';

/**
 * A paused profile in one line, as the status bar and the log say it: `claude: usage limit,
 * resumes 03:00` (local time), or the CLI's own words for a setup failure.
 */
export function pauseText(pause: {
	readonly profile: string;
	readonly kind: 'infra' | 'limit';
	readonly reason: string;
	readonly until: string;
}): string {
	const resumes = `resumes ${clockTime(new Date(pause.until))}`;
	if (pause.kind === 'limit')
		return `${pause.profile}: usage limit, ${resumes} (${oneLine(pause.reason)})`;
	return `${pause.profile}: ${oneLine(pause.reason)} · paused, ${resumes}`;
}

const levelStyle = {info: 'dim', warn: 'yellow', error: 'red'} as const;

export function eventLine({time, level, event}: StampedEvent, paint: Paint): string {
	const clock = time.slice(11, 19);
	const task = 'task' in event ? event.task : '';
	const agent = 'agent' in event && typeof event.agent === 'string' ? event.agent : '';
	return `${paint('dim', clock)} ${paint(levelStyle[level], level.padEnd(5))} ${task.padEnd(10)} ${agent.padEnd(12)} ${oneLine(describeEvent(event))}`;
}

export function describeEvent(event: StampedEvent['event']): string {
	switch (event.type) {
		case 'run.started': {
			return `run started: ${event.agents} agent${event.agents === 1 ? '' : 's'}, ${event.runnable} task${event.runnable === 1 ? '' : 's'} runnable${event.recovered > 0 ? `, ${event.recovered} recovered` : ''}`;
		}

		case 'run.workspaces': {
			return event.message;
		}

		case 'run.resumed': {
			return `run started again: ${event.runnable} task${event.runnable === 1 ? '' : 's'} runnable`;
		}

		case 'task.claimed': {
			return `claimed (attempt ${event.attempt}): ${event.title}`;
		}

		case 'task.completed': {
			return `completed in ${event.seconds} s`;
		}

		case 'task.retry': {
			return `${event.failureType}: ${event.message}; retry ${event.retry} in ${event.retryInSeconds} s`;
		}

		case 'task.failed': {
			return `failed (${event.failureType}): ${event.message}`;
		}

		case 'task.released': {
			return `back to the queue, no retry spent (${event.message})`;
		}

		case 'agent.stopping': {
			return `stopping the agent: ${event.reason}`;
		}

		case 'agent.recycled': {
			return `recycled at ${event.rssMb} MB (limit ${event.limitMb} MB)`;
		}

		case 'agent.memory': {
			return `using ${event.rssMb} MB, over 90% of its ${event.limitMb} MB limit`;
		}

		case 'memory.low': {
			return `the machine has ${event.availableMb} MB free, under the ${event.reserveMb} MB reserve: no new tasks until memory comes back`;
		}

		case 'memory.ok': {
			return `memory is back (${event.availableMb} MB free): taking tasks again`;
		}

		case 'memory.unavailable': {
			return `${event.message}; the watchdog tries again at its next look`;
		}

		case 'profile.paused': {
			return pauseText(event);
		}

		case 'task.review': {
			if (event.unmerged !== undefined)
				return `done but not merged: ${event.unmerged}; its work is kept on ${event.branch} and the task waits in review: jetpack-tui review ${event.task} --accept once that is fixed`;
			return `done; waits for review on ${event.branch} (+${event.insertions} −${event.deletions}, ${event.files} file${event.files === 1 ? '' : 's'}): jetpack-tui diff ${event.task}`;
		}

		case 'budget.alert': {
			return `spent $${event.spentUsd.toFixed(2)} of the $${event.budgetUsd.toFixed(2)} budget`;
		}

		case 'budget.exhausted': {
			return `the $${event.budgetUsd.toFixed(2)} budget is spent ($${event.spentUsd.toFixed(2)}): no new attempt starts; running ones finish`;
		}

		case 'agent.waiting': {
			return `waiting for input: ${event.question} (attach to answer)`;
		}

		case 'profile.resumed': {
			return `${event.profile}: resumed`;
		}

		case 'tasks.unassignable': {
			return `no agent has the skills for ${event.tasks.join(', ')}`;
		}

		case 'run.stopping': {
			return event.immediate ? 'stopping now' : 'stopping: no new tasks';
		}

		case 'run.warning': {
			return event.message;
		}

		case 'task.changed': {
			return `${event.change} (from the TUI)`;
		}

		case 'run.finished': {
			return `run finished: ${event.reason}`;
		}
	}
}
