import {Box} from 'ink';
import {memo, useMemo} from 'react';
import {estimatedMinutes, etaMinutesWith, type TaskMinutes} from '../../core/eta.js';
import {runnableTasks} from '../../core/graph.js';
import type {Snapshot} from '../../core/orchestrator.js';
import type {BoardState} from '../run-control.js';
import {statusStyle, theme} from '../theme.js';
import {textWidth} from '../text-width.js';
import {StyledLine, type Segment} from './styled-line.js';
import {dollars} from '../../core/cost.js';
import {pauseText} from '../../text/event-line.js';

export function clockText(ms: number): string {
	const seconds = Math.max(0, Math.floor(ms / 1000));
	const h = Math.floor(seconds / 3600);
	const m = Math.floor((seconds % 3600) / 60);
	const s = seconds % 60;
	const two = (n: number) => String(n).padStart(2, '0');
	return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

export function minutesShort(minutes: number): string {
	if (minutes < 1) return '<1m';
	if (minutes < 60) return `${Math.round(minutes)}m`;
	const h = Math.floor(minutes / 60);
	const m = Math.round(minutes % 60);
	return m === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}m`;
}

export function megabytes(mb: number): string {
	return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

/**
 * A mistake in the tasks file as one line of `width`: the store's whole sentence when it fits,
 * else shorter ones that still name the line and the fix (a cut sentence named neither).
 */
export function storeNotice(error: string, width: number): string {
	const candidates = [`tasks file: ${error}`];
	const compact = error
		.replace(/ \(and (\d+) more problems?; `jetpack-tui validate` lists them\)/, ' (+$1 more)')
		.replace(
			'Fix the line by hand, or run `jetpack-tui recover` to go back to the last good backup.',
			'Fix it by hand or run `jetpack-tui recover`.',
		);
	candidates.push(`tasks file: ${compact}`);
	const mistake =
		/^(?:.*\/)?([^/]+ line \d+):(.*?)( \(\+\d+ more\))?\. (Fix it by hand or run `jetpack-tui recover`\.)$/.exec(
			compact,
		);
	if (mistake !== null) {
		const [, where, detail = '', more = '', fix] = mistake;
		// The detail's first clause says what is wrong; the rest is an example of right.
		const what = detail.split(/;| \(/)[0]?.trim() ?? '';
		if (what !== '') candidates.push(`${where}: ${what}${more}. ${fix}`);
		candidates.push(
			`${where} is not a valid task${more}. ${fix}`,
			`${where} is not a valid task: fix it, or run \`jetpack-tui recover\`.`,
			`${where}: fix it, or \`jetpack-tui recover\``,
		);
	}

	return candidates.find((line) => textWidth(line) <= width) ?? candidates.at(-1) ?? error;
}

interface Counts {
	readonly done: number;
	readonly failed: number;
	/** Work done and waiting for a person to accept it (PRODUCT.md §12). */
	readonly review: number;
	readonly total: number;
	readonly runnable: number;
	readonly eta: number;
}

/** PRODUCT.md §7: agents, tasks, failed, ready, elapsed, ETA, memory; a second line for pauses. */
function spendText(cost: Snapshot['cost']): string {
	const spent = dollars(cost.usd, cost.estimated);
	return cost.budgetUsd === undefined ? spent : `${spent} / $${cost.budgetUsd}`;
}

/** Near its budget the spend is a warning; at it, an error. */
function spendColor(cost: Snapshot['cost']): {color?: string} {
	if (cost.budgetUsd === undefined) return {};
	if (cost.usd >= cost.budgetUsd) return {color: theme.error};
	return cost.usd >= cost.budgetUsd * 0.8 ? {color: theme.warn} : {};
}

/**
 * What the run wants a person to know, for the status bar's second line: agents waiting for an
 * answer, then paused profiles. The app sizes its body by whether there is any.
 */
export function runNotices(snapshot: Snapshot): string[] {
	const waiting = snapshot.agents.filter((agent) => agent.waiting !== undefined);
	return [
		...(waiting.length > 0
			? [
					`${waiting.map((agent) => agent.name).join(', ')} ${waiting.length === 1 ? 'waits' : 'wait'} for input (focus the pane, a to attach and answer)`,
				]
			: []),
		...snapshot.paused.map((pause) => pauseText(pause)),
	];
}

export const StatusBar = memo(function StatusBar({
	snapshot,
	board,
	now,
	width,
	taskMinutes = estimatedMinutes,
}: {
	readonly snapshot: Snapshot;
	readonly board: BoardState;
	readonly now: number;
	readonly width: number;
	/** What an agent of the pool takes on a task, for the ETA (the simulated agent is quick). */
	readonly taskMinutes?: TaskMinutes;
}) {
	const agents = snapshot.agents.length;
	const counts = useMemo((): Counts => {
		let done = 0;
		let failed = 0;
		let review = 0;
		for (const task of board.tasks.values()) {
			if (task.status === 'completed') done++;
			else if (task.status === 'failed') failed++;
			else if (task.status === 'review') review++;
		}

		return {
			done,
			failed,
			review,
			total: board.tasks.size,
			runnable: runnableTasks(board.graph, new Date(now)).length,
			eta: etaMinutesWith(board.graph, agents, taskMinutes),
		};
		// Runnable tasks change with the table, not with every tick of the clock.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [board, agents, taskMinutes]);
	const busy = snapshot.agents.filter((agent) => agent.state === 'running').length;
	const agentsMb = snapshot.agents.reduce((sum, agent) => sum + (agent.rssMb ?? 0), 0);
	const elapsed = now - Date.parse(snapshot.startedAt);
	const finished = snapshot.finished;
	const dot: Segment = {text: ' · ', color: theme.muted};
	const memory = `${snapshot.self === undefined ? '…' : `${megabytes(snapshot.self.rssMb)} (heap ${megabytes(snapshot.self.heapMb)})`}${agentsMb > 0 ? ` + agents ${megabytes(agentsMb)}` : ''}`;
	const progress =
		finished === undefined
			? `ETA ${counts.done === counts.total ? '–' : minutesShort(counts.eta)}`
			: `run ${finished === 'done' ? 'finished' : `ended: ${finished}`}`;
	const figures: Segment[] = [
		{text: `${counts.done}/${counts.total}`, bold: true, color: theme.ok},
		{text: ' done'},
		dot,
		{text: `${counts.failed} failed`, ...(counts.failed > 0 ? {color: theme.error} : {})},
		dot,
		// Only when there is some: a run without review mode never has any.
		...(counts.review > 0
			? [{text: `${counts.review} to review`, bold: true, color: statusStyle.review.color}, dot]
			: []),
		{text: `${counts.runnable} ready`},
		dot,
		{text: clockText(elapsed)},
		dot,
		{text: progress},
		dot,
		// What the agents spent (`$12.40 / $50`), once they spent anything or a budget is set.
		...(snapshot.cost.usd > 0 || snapshot.cost.budgetUsd !== undefined
			? [{text: spendText(snapshot.cost), ...spendColor(snapshot.cost)}, dot]
			: []),
	];
	const memoryColor = snapshot.memoryLow ? {color: theme.warn} : {};
	const full: Segment[] = [
		{text: 'jetpack', bold: true, color: theme.accent},
		{text: ' agents '},
		{text: `${busy}/${agents}`, bold: true},
		dot,
		{text: 'tasks '},
		...figures,
		{text: `mem ${memory}${snapshot.memoryLow ? ' (low: holding new tasks)' : ''}`, ...memoryColor},
	];
	// A narrow terminal keeps every figure of §7, in fewer words.
	const line: readonly Segment[] =
		full.reduce((sum, segment) => sum + textWidth(segment.text), 0) <= width
			? full
			: [
					{text: `${busy}/${agents}`, bold: true},
					{text: ' agents'},
					dot,
					...figures,
					{
						text: `${snapshot.self === undefined ? '…' : megabytes(snapshot.self.rssMb)}${agentsMb > 0 ? `+${megabytes(agentsMb)}` : ''}${snapshot.memoryLow ? ' low' : ''}`,
						...memoryColor,
					},
				];
	const notices = runNotices(snapshot);
	const notice =
		board.error === undefined
			? notices.length > 0
				? notices.join('; ')
				: undefined
			: storeNotice(board.error, width);
	// Styled lines: the clock changes every second, and Ink would cache every text it ever measured.
	return (
		<Box flexDirection="column" width={width}>
			<StyledLine segments={line} width={width} />
			{notice === undefined ? undefined : (
				<StyledLine
					segments={[{text: notice, color: board.error === undefined ? theme.warn : theme.error}]}
					width={width}
				/>
			)}
		</Box>
	);
});
