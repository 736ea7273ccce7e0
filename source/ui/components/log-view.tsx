/**
 * The log view (PRODUCT.md §7): the run's events, newest at the bottom and followed as they come,
 * in a window of the view's height over a bounded ring. `f` narrows by level, `/` by task, agent or
 * text; scrolling up holds the place, `G` follows again.
 */
import {Box, Text} from 'ink';
import {memo, useEffect, useMemo, useState, useSyncExternalStore} from 'react';
import {eventLine} from '../../text/event-line.js';
import type {Paint} from '../../text/format.js';
import type {Level} from '../../core/orchestrator.js';
import {
	EventLog,
	following,
	logWindow,
	matching,
	nextLevel,
	noFilter,
	oldest,
	scrollBy,
	type LogEntry,
	type LogFilter,
	type LogScroll,
} from '../event-log.js';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {commandIn, keyName} from '../keymap.js';
import type {RunControl} from '../run-control.js';
import {theme} from '../theme.js';
import type {ViewProps} from './view-props.js';
import {StyledLine} from './styled-line.js';
import {TextField} from './text-field.js';

const plain: Paint = (_style, text) => text;

/**
 * One ring per run, kept while the run lives: switching to another view and back keeps the
 * history (the run itself remembers only its last 200 events).
 */
const logs = new WeakMap<RunControl, EventLog>();

function logOf(run: RunControl): EventLog {
	let log = logs.get(run);
	if (log === undefined) {
		log = new EventLog((event) => eventLine(event, plain));
		logs.set(run, log);
	}

	return log;
}

const levelColor: Record<Level, string | undefined> = {
	info: undefined,
	warn: theme.warn,
	error: theme.error,
};

const levelText: Record<Level, string> = {
	info: 'all levels',
	warn: 'level ≥ warn',
	error: 'errors only',
};

/**
 * Keeps the run's event history from the start, whichever view is shown (the run itself keeps
 * only its last 200 events). The app calls it once.
 */
export function useEventHistory(run: RunControl): void {
	useEffect(() => {
		const log = logOf(run);
		log.catchUp(run.recentEvents());
		const feed = feeds.get(run) ?? {users: 0, stop: () => undefined};
		// One subscription per run, however many components keep the history.
		if (feed.users === 0)
			feed.stop = run.onEvent((event) => {
				log.push(event);
			});
		feed.users++;
		feeds.set(run, feed);
		return () => {
			feed.users--;
			if (feed.users === 0) feed.stop();
		};
	}, [run]);
}

const feeds = new WeakMap<RunControl, {users: number; stop: () => void}>();

export function LogView(props: ViewProps) {
	const {run, width, height, setCaptured, keysActive} = props;
	const log = useMemo(() => {
		const made = logOf(run);
		made.catchUp(run.recentEvents());
		return made;
	}, [run]);
	useEventHistory(run);
	const version = useSyncExternalStore(
		(listener) => log.subscribe(listener),
		() => log.pushed,
	);

	const [filter, setFilter] = useState<LogFilter>(noFilter);
	const [scroll, setScroll] = useState<LogScroll>(following);
	const [prompt, setPrompt] = useState<string | undefined>();
	// The ring changes in place; `version` says when.
	// eslint-disable-next-line react-hooks/exhaustive-deps
	const entries = useMemo(() => matching(log, filter), [log, filter, version]);

	const rows = Math.max(1, height - 1 - (prompt === undefined ? 0 : 1));
	const shown = logWindow(entries, scroll, rows);

	// While the prompt is open the app's own keys stand aside, however the prompt goes away.
	const prompting = prompt !== undefined;
	useEffect(() => {
		if (!prompting) return;
		setCaptured(true);
		return () => {
			setCaptured(false);
		};
	}, [prompting, setCaptured]);

	const closePrompt = (query: string | undefined) => {
		setPrompt(undefined);
		if (query !== undefined) setFilter((now) => ({...now, query: query.trim()}));
	};

	useLatestInput(
		(input, key) => {
			switch (commandIn('log', keyName(input, key))) {
				case 'list.down': {
					setScroll((now) => scrollBy(entries, now, rows, 1));
					break;
				}

				case 'list.up': {
					setScroll((now) => scrollBy(entries, now, rows, -1));
					break;
				}

				case 'list.pageDown': {
					setScroll((now) => scrollBy(entries, now, rows, rows));
					break;
				}

				case 'list.pageUp': {
					setScroll((now) => scrollBy(entries, now, rows, -rows));
					break;
				}

				case 'list.top': {
					setScroll(oldest(entries));
					break;
				}

				case 'list.bottom': {
					setScroll(following);
					break;
				}

				case 'log.level': {
					setFilter((now) => ({...now, minLevel: nextLevel(now.minLevel)}));
					break;
				}

				case 'list.filter': {
					setPrompt(filter.query);
					break;
				}

				case 'list.clear': {
					setFilter((now) => (now.query === '' ? noFilter : {...now, query: ''}));
					break;
				}

				default: {
					break;
				}
			}
		},
		keysActive && prompt === undefined,
	);
	useLatestInput((_input, key) => {
		if (key.escape) closePrompt(undefined);
	}, prompt !== undefined);

	const lines: LogEntry[] = [];
	for (let i = shown.start; i < shown.end; i++) lines.push(entries[i] as LogEntry);

	return (
		<Box flexDirection="column" width={width} height={Math.max(2, height)} overflow="hidden">
			<Box width={width}>
				<Text wrap="truncate-end">
					<Text bold>events </Text>
					<Text>
						{entries.length}/{log.size}
					</Text>
					<Text color={theme.muted}> · </Text>
					<Text color={filter.minLevel === 'info' ? theme.muted : theme.warn}>
						{levelText[filter.minLevel]}
					</Text>
					{filter.query === '' ? undefined : (
						<>
							<Text color={theme.muted}> · </Text>
							<Text color={theme.accent}>filter "{filter.query}"</Text>
						</>
					)}
					<Text color={theme.muted}> · </Text>
					{scroll.following ? (
						<Text color={theme.ok}>following</Text>
					) : (
						<Text color={theme.warn}>
							paused{shown.newer > 0 ? `, ${shown.newer} newer below` : ''} (G follows)
						</Text>
					)}
				</Text>
			</Box>
			{prompt === undefined ? undefined : (
				<Box width={width}>
					<Text color={theme.accent}>filter: </Text>
					<TextField
						value={prompt}
						onChange={setPrompt}
						onSubmit={closePrompt}
						placeholder="bd-12, task:bd-12, agent:sim-2, level:warn (enter applies, esc cancels)"
					/>
				</Box>
			)}
			{lines.length === 0 ? (
				<Text color={theme.muted} wrap="truncate-end">
					{log.size === 0 ? 'No events yet.' : 'No event matches the filter (esc clears it).'}
				</Text>
			) : (
				lines.map((entry) => <LogLine key={entry.seq} entry={entry} width={width} />)
			)}
		</Box>
	);
}

const LogLine = memo(function LogLine({
	entry,
	width,
}: {
	readonly entry: LogEntry;
	readonly width: number;
}) {
	const {level} = entry.stamped;
	// The line starts with the clock (hh:mm:ss), dimmed so the message stands out.
	const clock = entry.line.slice(0, 8);
	return (
		<StyledLine
			width={width}
			segments={[
				{text: clock, color: levelColor[level], dim: true},
				{text: entry.line.slice(8), color: levelColor[level]},
			]}
		/>
	);
});
