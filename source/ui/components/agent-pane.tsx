/**
 * One agent's pane: a border whose top line carries the title (agent, task, elapsed, memory), and
 * the agent's screen inside, or what an idle agent is waiting for above its last screen, faded.
 */
import {Box, Text} from 'ink';
import {memo} from 'react';
import type {Screen, ScreenSource} from '../../core/agent-ports.js';
import type {AgentView} from '../../core/orchestrator.js';
import {theme} from '../theme.js';
import {textWidth, truncateToWidth} from '../text-width.js';
import {PaneScreen} from './pane-screen.js';
import {megabytes} from './status-bar.js';
import {StyledLine, type Segment as StyledSegment} from './styled-line.js';
import {usageText} from '../../text/transcript.js';

export interface AgentPaneProps {
	readonly agent: AgentView;
	/** Where its screen comes from. */
	readonly source: ScreenSource | undefined;
	/** Its screen now (the same object until it changes). */
	readonly screen: Screen;
	readonly width: number;
	readonly height: number;
	readonly focused: boolean;
	readonly attached: boolean;
	/** How long its task has run, as shown; undefined while idle. */
	readonly elapsed: string | undefined;
	/** What an idle agent waits for, one line per `\n`; undefined while it works. */
	readonly waitingFor: string | undefined;
}

interface Segment {
	/** Unstyled text before it: the separator, which goes with it. */
	readonly lead?: string;
	readonly text: string;
	readonly color?: string;
	readonly bold?: boolean;
	readonly inverse?: boolean;
	/** The task title: what gives way first when the title does not fit. */
	readonly shrinks?: boolean;
	/**
	 * Left out when the title does not fit, lowest first: rank 0 before the task title shrinks, the
	 * others after it has gone.
	 */
	readonly dropRank?: number;
}

/** RSS this close to the limit is shown as a warning: the watchdog recycles at the limit. */
const memoryWarnShare = 0.9;

const separator = ' · ';

function titleSegments(agent: AgentView, attached: boolean, elapsed: string | undefined) {
	const segments: Segment[] = [];
	if (attached) segments.push({text: 'ATTACHED', color: theme.warn, inverse: true, bold: true});
	segments.push({lead: attached ? ' ' : '', text: agent.name, bold: true});
	if (agent.state === 'stopping')
		segments.push({lead: separator, text: 'stopping…', color: theme.warn});
	if (agent.waiting !== undefined)
		segments.push({
			lead: separator,
			text: 'waiting for input',
			color: theme.warn,
			bold: true,
			inverse: true,
		});
	if (agent.leaving === true)
		segments.push({lead: separator, text: 'leaving after this task', color: theme.warn});
	if (agent.task === undefined) {
		const paused = agent.state === 'paused';
		segments.push({
			lead: separator,
			text: paused ? 'paused' : 'idle',
			color: paused ? theme.warn : theme.muted,
		});
		return segments;
	}

	segments.push({lead: separator, text: agent.task, color: theme.accent});
	if (agent.title !== undefined && agent.title !== '')
		segments.push({lead: ' ', text: agent.title, shrinks: true});
	// The worktree's branch mostly repeats the task id: the first thing a narrow title gives up.
	if (agent.branch !== undefined && agent.branch !== '')
		segments.push({lead: separator, text: agent.branch, color: theme.muted, dropRank: 0});
	if (elapsed !== undefined) segments.push({lead: separator, text: elapsed, dropRank: 1});
	const spent = usageText(agent.usage);
	if (spent !== '') segments.push({lead: separator, text: spent, dropRank: 1});
	if (agent.rssMb !== undefined) {
		const hot = agent.limitMb !== undefined && agent.rssMb > memoryWarnShare * agent.limitMb;
		segments.push({
			lead: separator,
			text: megabytes(agent.rssMb),
			// Memory near its limit is the last thing worth losing from a narrow title.
			...(hot ? {color: theme.warn, bold: true, dropRank: 3} : {dropRank: 2}),
		});
	}

	return segments;
}

const segmentWidth = (segment: Segment) => textWidth(segment.lead ?? '') + textWidth(segment.text);
const widthOf = (list: readonly Segment[]) =>
	list.reduce((sum, segment) => sum + segmentWidth(segment), 0);

/**
 * The segments cut to `width`: those of rank 0 go, then the task title shrinks (or goes), then the
 * other droppable segments go in rank order, then the end is cut.
 */
export function fitSegments(segments: readonly Segment[], width: number): Segment[] {
	let fitted = [...segments];
	if (widthOf(fitted) > width) fitted = fitted.filter((segment) => segment.dropRank !== 0);
	const excess = widthOf(fitted) - width;
	if (excess > 0) {
		fitted = fitted.flatMap((segment) => {
			if (segment.shrinks !== true) return [segment];
			const room = textWidth(segment.text) - excess;
			// A title cut to a letter or two says nothing; the rest of the line is worth more.
			return room >= 4 ? [{...segment, text: truncateToWidth(segment.text, room)}] : [];
		});
	}

	while (widthOf(fitted) > width) {
		let drop = -1;
		for (const [index, segment] of fitted.entries()) {
			const rank = segment.dropRank;
			if (rank !== undefined && (drop === -1 || rank < (fitted[drop]?.dropRank ?? 0))) drop = index;
		}

		if (drop === -1) break;
		fitted.splice(drop, 1);
	}

	if (widthOf(fitted) <= width) return fitted;
	const kept: Segment[] = [];
	let left = width;
	for (const segment of fitted) {
		if (segmentWidth(segment) <= left) {
			kept.push(segment);
			left -= segmentWidth(segment);
			continue;
		}

		// Too little room says nothing: the border line carries on instead.
		if (left >= 2)
			kept.push({
				...segment,
				lead: '',
				text: truncateToWidth(`${segment.lead ?? ''}${segment.text}`, left),
			});
		break;
	}

	return kept;
}

function TopBorder({
	segments,
	width,
	color,
}: {
	readonly segments: readonly Segment[];
	readonly width: number;
	readonly color: string;
}) {
	if (width < 4)
		return (
			<Text wrap="truncate" color={color}>
				{'─'.repeat(width)}
			</Text>
		);
	const title = fitSegments(segments, width - 4);
	const used = widthOf(title);
	const line: StyledSegment[] = [{text: '┌ ', color}];
	for (const segment of title) {
		if (segment.lead !== undefined && segment.lead !== '') line.push({text: segment.lead});
		line.push({
			text: segment.text,
			...(segment.color === undefined ? {} : {color: segment.color}),
			...(segment.bold === undefined ? {} : {bold: segment.bold}),
			...(segment.inverse === undefined ? {} : {inverse: segment.inverse}),
		});
	}

	line.push({text: ` ${'─'.repeat(Math.max(0, width - 4 - used))}┐`, color});
	// The elapsed time changes every second: as a styled line, Ink never caches it.
	return <StyledLine segments={line} width={width} />;
}

function lastContentLine(lines: readonly (readonly unknown[])[]): number {
	for (let y = lines.length - 1; y >= 0; y--) if ((lines[y]?.length ?? 0) > 0) return y;
	return -1;
}

function PaneBody({
	name,
	source,
	screen,
	cols,
	rows,
	waitingFor,
}: {
	readonly name: string;
	readonly source: ScreenSource | undefined;
	readonly screen: Screen;
	readonly cols: number;
	readonly rows: number;
	readonly waitingFor: string | undefined;
}) {
	if (waitingFor === undefined)
		return <PaneScreen id={name} source={source} cols={cols} rows={rows} />;

	const message = waitingFor.split('\n').slice(0, rows);
	// Under the message, the bottom of the last attempt's screen, faded: what it did last.
	const left = rows - message.length - 1;
	const shown = left > 0 && lastContentLine(screen.lines) >= 0;
	return (
		<Box flexDirection="column" width={cols} height={rows}>
			{message.map((line, index) => (
				// Lines of one message; a countdown changes every second, so they are styled lines.
				<StyledLine
					key={index}
					width={cols}
					segments={[{text: line, color: index === 0 ? theme.accent : theme.muted}]}
				/>
			))}
			{shown ? (
				<>
					<Text> </Text>
					<PaneScreen dim id={name} source={source} cols={cols} rows={left} />
				</>
			) : null}
		</Box>
	);
}

function sameAgent(a: AgentView, b: AgentView): boolean {
	return (
		a === b ||
		(a.name === b.name &&
			a.profile === b.profile &&
			a.state === b.state &&
			a.leaving === b.leaving &&
			a.task === b.task &&
			a.title === b.title &&
			a.rssMb === b.rssMb &&
			a.limitMb === b.limitMb &&
			a.waiting === b.waiting &&
			a.branch === b.branch &&
			usageText(a.usage) === usageText(b.usage))
	);
}

/**
 * Memoized on what it shows: the orchestrator publishes new agent objects on every change of the
 * run, and only the panes whose agent changed in a visible way should redraw.
 */
export const AgentPane = memo(
	function AgentPane({
		agent,
		source,
		screen,
		width,
		height,
		focused,
		attached,
		elapsed,
		waitingFor,
	}: AgentPaneProps) {
		const color = attached ? theme.warn : focused ? theme.focus : theme.border;
		const segments = titleSegments(agent, attached, elapsed);
		if (height < 3 || width < 4)
			return (
				<Box width={width} height={height} overflow="hidden">
					<TopBorder segments={segments} width={width} color={color} />
				</Box>
			);
		return (
			<Box flexDirection="column" width={width} height={height}>
				<TopBorder segments={segments} width={width} color={color} />
				<Box
					borderStyle="single"
					borderTop={false}
					borderColor={color}
					width={width}
					height={height - 1}
				>
					<PaneBody
						name={agent.name}
						source={source}
						screen={screen}
						cols={width - 2}
						rows={height - 2}
						waitingFor={waitingFor}
					/>
				</Box>
			</Box>
		);
	},
	(before, after) =>
		sameAgent(before.agent, after.agent) &&
		before.source === after.source &&
		before.screen === after.screen &&
		before.width === after.width &&
		before.height === after.height &&
		before.focused === after.focused &&
		before.attached === after.attached &&
		before.elapsed === after.elapsed &&
		before.waitingFor === after.waitingFor,
);
