/**
 * One task in full for triage: what it is, what it waits for and what waits for it, every attempt,
 * the last error and the tail of the last attempt's log (read from the log file as it is shown).
 */
import {Box, Text} from 'ink';
import {useEffect, useState, type ReactNode} from 'react';
import type {Graph} from '../../core/graph.js';
import type {Attempt, Task, TaskTable} from '../../core/task.js';
import type {TaskBoard} from '../run-control.js';
import {statusStyle, theme} from '../theme.js';
import {clockText} from './status-bar.js';
import {oneLine, printable} from '../../text/format.js';
import {StyledLine} from './styled-line.js';

/** Lines of the last attempt's log shown. */
export const logTailLines = 15;
const listedLinks = 5;
const listedAttempts = 6;
/** Notes shown, the newest; `task show` lists them all. */
const listedNotes = 2;
/** A running attempt's log grows: read it again this often while it is shown. */
const livePollMs = 2000;

export interface TaskDetailsProps {
	readonly task: Task;
	readonly tasks: TaskTable;
	readonly graph: Graph;
	readonly board: TaskBoard;
	/** The agent working on it now, if any. */
	readonly agent: string | undefined;
	readonly width: number;
	readonly height: number;
}

type LogState =
	| {readonly key: string; readonly lines: readonly string[]}
	| {readonly key: string; readonly error: string};

function timeOfDay(iso: string | undefined): string {
	if (iso === undefined) return '…';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	const two = (n: number) => String(n).padStart(2, '0');
	return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

export function attemptOutcome(attempt: Attempt, task: Task, last: boolean): string {
	if (attempt.endedAt === undefined) return 'running';
	if (attempt.failureType !== undefined) return attempt.failureType;
	if (last && task.status === 'completed') return 'done';
	if (attempt.exitCode === 0) return 'ok';
	return attempt.signal ? `killed (${attempt.signal})` : 'ended';
}

function attemptLine(attempt: Attempt, task: Task, last: boolean): string {
	const span =
		attempt.endedAt === undefined
			? `${timeOfDay(attempt.startedAt)} → …`
			: `${timeOfDay(attempt.startedAt)} → ${timeOfDay(attempt.endedAt)} (${clockText(
					Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt),
				)})`;
	const exit =
		attempt.exitCode === undefined || attempt.exitCode === null ? '' : `  exit ${attempt.exitCode}`;
	return `#${attempt.n} ${attempt.agent}  ${span}  ${attemptOutcome(attempt, task, last)}${exit}`;
}

/** Words laid into lines of `width`, at most `max` of them (the last cut with an ellipsis). */
export function wrapText(text: string, width: number, max: number): string[] {
	const lines: string[] = [];
	for (const paragraph of text.split('\n')) {
		let line = '';
		for (const word of paragraph.split(/\s+/)) {
			if (word === '') continue;
			if (line === '') line = word;
			else if (line.length + 1 + word.length <= width) line += ` ${word}`;
			else {
				lines.push(line);
				line = word;
			}

			while (line.length > width) {
				lines.push(line.slice(0, width));
				line = line.slice(width);
			}
		}

		lines.push(line);
	}

	while (lines.length > 0 && lines.at(-1) === '') lines.pop();
	if (lines.length <= max) return lines;
	const kept = lines.slice(0, max);
	const cut = kept[max - 1] ?? '';
	kept[max - 1] = `${cut.slice(0, Math.max(0, width - 1))}…`;
	return kept;
}

function useLogTail(board: TaskBoard, task: Task): LogState | undefined {
	const last = task.attempts.at(-1);
	const n = last?.n;
	const running = last !== undefined && last.endedAt === undefined;
	const [log, setLog] = useState<LogState | undefined>();
	useEffect(() => {
		if (n === undefined) return;
		const key = `${task.id}/${n}`;
		let live = true;
		const read = () => {
			board.logTail(task.id, n, logTailLines).then(
				(lines) => {
					if (live) setLog({key, lines});
				},
				(error: unknown) => {
					if (live) setLog({key, error: error instanceof Error ? error.message : String(error)});
				},
			);
		};

		read();
		const timer = running ? setInterval(read, livePollMs) : undefined;
		return () => {
			live = false;
			clearInterval(timer);
		};
	}, [board, task.id, n, running]);
	return n !== undefined && log?.key === `${task.id}/${n}` ? log : undefined;
}

export function TaskDetails({task, tasks, graph, board, agent, width, height}: TaskDetailsProps) {
	const log = useLogTail(board, task);
	const style = statusStyle[task.status];
	const lines: ReactNode[] = [];
	const line = (key: string, content: ReactNode, color?: string) => {
		lines.push(
			<Text key={key} color={color} wrap="truncate-end">
				{/* Store text is shown, never obeyed: an escape sequence in a title stays text. */}
				{typeof content === 'string' ? printable(content) : content}
			</Text>,
		);
	};

	line(
		'head',
		<>
			<Text color={style.color}>{style.symbol} </Text>
			<Text bold>{task.id}</Text>
			<Text>
				{`  ${task.status} · ${task.priority} · ${task.attempts.length} attempt${task.attempts.length === 1 ? '' : 's'} · retries ${task.retryCount}/${task.maxRetries ?? board.maxRetries}`}
				{agent === undefined ? '' : ` · ${agent} working on it`}
			</Text>
		</>,
	);
	line('title', <Text bold>{printable(task.title)}</Text>);
	for (const [index, text] of wrapText(task.description, width, 4).entries())
		line(`description-${index}`, text);
	const labels = [
		task.tags.length > 0 ? `tags ${task.tags.join(', ')}` : '',
		task.requiredSkills.length > 0 ? `skills ${task.requiredSkills.join(', ')}` : '',
		`estimate ${task.estimatedMinutes}m`,
		graph.inCycle.has(task.id) ? 'ON A DEPENDENCY CYCLE' : '',
	].filter((label) => label !== '');
	line('labels', labels.join(' · '), theme.muted);
	if (task.blockers.length > 0)
		line('blockers', `blocked by hand: ${task.blockers.join('; ')}`, statusStyle.blocked.color);

	const related = (title: string, ids: readonly string[]) => {
		if (ids.length === 0) {
			line(title, `${title}: none`, theme.muted);
			return;
		}

		line(title, `${title}:`, theme.muted);
		for (const id of ids.slice(0, listedLinks)) {
			const other = tasks.get(id);
			const otherStyle = other === undefined ? undefined : statusStyle[other.status];
			line(
				`${title}-${id}`,
				<>
					{'  '}
					<Text color={otherStyle?.color ?? theme.error}>{otherStyle?.symbol ?? '?'} </Text>
					{id} {other === undefined ? '(no such task)' : `${other.status} · ${other.title}`}
				</>,
			);
		}

		if (ids.length > listedLinks)
			line(`${title}-more`, `  … ${ids.length - listedLinks} more`, theme.muted);
	};

	related('depends on', task.dependencies);
	related('needed by', graph.dependentsOf(task.id));

	if (task.notes.length > 0) {
		// What was learned doing it, newest: what its dependents' prompts carry.
		const shown = task.notes.slice(-listedNotes);
		line(
			'notes',
			`notes${shown.length < task.notes.length ? ` (newest ${shown.length} of ${task.notes.length})` : ''}:`,
			theme.muted,
		);
		for (const [n, note] of shown.entries())
			for (const [index, text] of wrapText(note, width - 2, 2).entries())
				line(`note-${n}-${index}`, `  ${text}`);
	}

	if (task.attempts.length === 0) line('attempts', 'attempts: none yet', theme.muted);
	else {
		line('attempts', 'attempts:', theme.muted);
		const shown = task.attempts.slice(-listedAttempts);
		if (shown.length < task.attempts.length)
			line('attempts-more', `  … ${task.attempts.length - shown.length} earlier`, theme.muted);
		for (const attempt of shown)
			line(
				`attempt-${attempt.n}`,
				`  ${attemptLine(attempt, task, attempt === task.attempts.at(-1))}`,
				attempt.failureType === undefined ? undefined : theme.error,
			);
	}

	if (task.lastError !== undefined)
		for (const [index, text] of wrapText(
			`last error${task.failureType === undefined ? '' : ` (${task.failureType})`}: ${task.lastError}`,
			width,
			3,
		).entries())
			line(`error-${index}`, text, theme.error);

	const last = task.attempts.at(-1);
	if (last !== undefined) {
		line('log', `log of attempt #${last.n} (last ${logTailLines} lines):`, theme.muted);
		// The log takes what is left; the facts above matter more on a short terminal.
		const room = Math.max(1, height - lines.length);
		if (log === undefined) line('log-loading', '  loading…', theme.muted);
		else if ('error' in log)
			line('log-error', `  could not read the log: ${log.error}`, theme.warn);
		else if (log.lines.length === 0) line('log-empty', '  (empty)', theme.muted);
		else
			for (const [index, text] of log.lines.slice(-room).entries())
				// A running agent's log changes every read: styled lines keep it out of Ink's caches.
				lines.push(
					<StyledLine
						key={`log-${index}`}
						segments={[{text: `  ${oneLine(text.replaceAll('\t', '    '))}`}]}
						width={width}
					/>,
				);
	}

	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{lines.slice(0, height)}
		</Box>
	);
}
