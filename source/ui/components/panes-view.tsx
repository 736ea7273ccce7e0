/**
 * The panes view (PRODUCT.md §7): one bordered pane per agent, tiled like tmux, each showing the
 * agent's emulated terminal. Keys move focus by geometry, zoom, attach, recycle, and grow or
 * shrink the pool. Every pty is kept at its pane's inner size.
 */
import {Box, Text} from 'ink';
import {useEffect, useMemo, useRef, useState} from 'react';
import {blankScreen, type ScreenSource} from '../../core/agent-ports.js';
import type {AgentView, Snapshot} from '../../core/orchestrator.js';
import {useScreenFrame} from '../hooks/use-agent-screen.js';
import {useBoard, useNow, useSnapshot} from '../hooks/use-run.js';
import {commandIn, keyName} from '../keymap.js';
import {innerSize, neighbour, tileLayout, type Direction} from '../pane-layout.js';
import type {BoardState, RunControl} from '../run-control.js';
import {theme} from '../theme.js';
import {AgentPane} from './agent-pane.js';
import {useCanvas} from './pane-screen.js';
import {clockText} from './status-bar.js';
import type {ViewProps} from './view-props.js';
import {useLatestInput} from '../hooks/use-latest-input.js';
import {clockTime} from '../../text/transcript.js';

export interface PanesViewProps extends ViewProps {
	/** The agent attach mode sends keys to, if any. */
	readonly attached: string | undefined;
	readonly onAttach: (agent: string) => void;
	/** Asks a yes/no question in the app's modal; `onYes` runs on yes. */
	readonly confirm: (question: string, detail: string | undefined, onYes: () => void) => void;
	/** Told whether a pane is shown zoomed, on mount and on each change (the hint line follows it). */
	readonly onZoomChange?: (zoomed: boolean) => void;
}

/** Resizing a pty makes its program redraw: wait for the layout to settle first. */
const resizeDebounceMs = 100;

const moves: Partial<Record<string, Direction>> = {
	'pane.left': 'left',
	'pane.right': 'right',
	'pane.up': 'up',
	'pane.down': 'down',
};

/** What idle agents may be waiting for, from the task table (scanned once per read of it). */
interface Waiting {
	/** Tasks that can run but for a retry backoff, soonest first. */
	readonly retries: readonly {readonly id: string; readonly at: number}[];
	/** Tasks that can run as soon as their backoff, if any, is over. */
	readonly runnable: number;
	/** What the rest wait on: dependencies being worked on first, then failed, then the others. */
	readonly dependencies: readonly string[];
}

const shownIds = 3;

const noSources: ReadonlyMap<string, ScreenSource | undefined> = new Map();

const nobodyWaits: Waiting = {retries: [], runnable: 0, dependencies: []};

export function waitingOn(board: BoardState): Waiting {
	const retries: {id: string; at: number}[] = [];
	let runnable = 0;
	const waitedOn = new Set<string>();
	for (const task of board.tasks.values()) {
		if (task.status !== 'pending' && task.status !== 'ready') continue;
		if (task.blockers.length > 0 || board.graph.stuck.has(task.id)) continue;
		let ready = true;
		for (const dependency of task.dependencies) {
			if (board.tasks.get(dependency)?.status === 'completed') continue;
			ready = false;
			waitedOn.add(dependency);
		}

		if (!ready) continue;
		if (task.nextAttemptAt === undefined) runnable++;
		else retries.push({id: task.id, at: Date.parse(task.nextAttemptAt)});
	}

	retries.sort((a, b) => a.at - b.at);
	const rank = (id: string) => {
		const status = board.tasks.get(id)?.status;
		if (status === 'in_progress' || status === 'claimed') return 0;
		return status === 'failed' ? 1 : 2;
	};

	const dependencies = [...waitedOn].sort((a, b) => rank(a) - rank(b));
	return {retries, runnable, dependencies};
}

function idList(ids: readonly string[]): string {
	const shown = ids.slice(0, shownIds).join(', ');
	return ids.length > shownIds ? `${shown} and ${ids.length - shownIds} more` : shown;
}

const finishedText: Record<NonNullable<Snapshot['finished']>, string> = {
	done: 'run finished — nothing left to do',
	interrupted: 'run stopped',
	'all-paused': 'run ended: every agent profile is paused',
	'max-hours': 'run ended: it reached its time limit',
	'lost-run': 'run stopped: another run took over this repository',
	budget: 'run ended: its budget is spent',
};

/** What an idle agent is waiting for, as lines for its pane. */
export function waitingText(
	agent: AgentView,
	snapshot: Snapshot,
	board: BoardState,
	waiting: Waiting,
	now: number,
): string {
	if (snapshot.finished !== undefined) return finishedText[snapshot.finished];
	if (agent.state === 'paused') {
		const pause = snapshot.paused.find((paused) => paused.profile === agent.profile);
		if (pause === undefined) return `${agent.profile} is paused`;
		if (pause.kind === 'limit')
			return `${agent.profile}: usage limit, resumes ${clockTime(new Date(pause.until))}\n(in ${clockText(Date.parse(pause.until) - now)}) ${pause.reason}`;
		return `${agent.profile} is paused: ${pause.reason}\nresumes in ${clockText(Date.parse(pause.until) - now)}`;
	}

	if (snapshot.memoryLow) return 'holding: the machine is short of memory';
	const dueRetries = waiting.retries.filter((retry) => retry.at <= now).length;
	if (waiting.runnable + dueRetries > 0) return 'ready for the next task';
	const lines: string[] = [];
	const active = waiting.dependencies.filter((id) => {
		const status = board.tasks.get(id)?.status;
		return status === 'in_progress' || status === 'claimed';
	});
	if (active.length > 0) lines.push(`waiting for ${idList(active)} to finish`);
	else if (waiting.dependencies.length > 0)
		lines.push(`waiting for ${idList(waiting.dependencies)}`);
	const next = waiting.retries.find((retry) => retry.at > now);
	if (next !== undefined) lines.push(`retry of ${next.id} in ${clockText(next.at - now)}`);
	if (lines.length === 0) return 'ready for the next task';
	return lines.join('\n');
}

const remembered = new WeakMap<RunControl, {focus?: string | undefined; zoomed?: boolean}>();

export function PanesView({
	run,
	board,
	width,
	height,
	keysActive,
	flash,
	attached,
	onAttach,
	confirm,
	onZoomChange,
}: PanesViewProps) {
	const snapshot = useSnapshot(run);
	const boardState = useBoard(board);
	const now = useNow(snapshot.finished === undefined);
	const agents = snapshot.agents;
	// Remembered per run: help, a question or another view unmounts this view meanwhile.
	const [focusName, setFocusNameState] = useState<string | undefined>(
		() => remembered.get(run)?.focus,
	);
	const setFocusName = (name: string | undefined) => {
		remembered.set(run, {...remembered.get(run), focus: name});
		setFocusNameState(name);
	};
	// Keys typed quickly ('l' then 'x') arrive before the re-render: the handler reads this.
	const focusNow = useRef(focusName);
	const [zoomed, setZoomedState] = useState(() => remembered.get(run)?.zoomed ?? false);
	const setZoomed = (change: (zoom: boolean) => boolean) => {
		setZoomedState((zoom) => {
			const next = change(zoom);
			remembered.set(run, {...remembered.get(run), zoomed: next});
			return next;
		});
	};
	const indexOf = (name: string | undefined) =>
		Math.max(
			0,
			agents.findIndex((agent) => agent.name === name),
		);
	const focused = agents[indexOf(focusName)];
	const zoomedAgent = zoomed ? focused?.name : undefined;
	// With no agent to show, nothing is zoomed whatever was remembered.
	const shownZoomed = zoomedAgent !== undefined;
	useEffect(() => {
		onZoomChange?.(shownZoomed);
	}, [shownZoomed, onZoomChange]);

	const layout = useMemo(
		() => tileLayout(agents.length, width, height),
		[agents.length, width, height],
	);
	// The scan is over every task: done once per read of the file, and only while someone waits.
	const anyIdle = agents.some((agent) => agent.task === undefined);
	const waiting = useMemo(
		() => (anyIdle ? waitingOn(boardState) : nobodyWaits),
		[anyIdle, boardState],
	);

	const names = agents.map((agent) => agent.name).join('\n');
	const sizes = useMemo(() => {
		const full = innerSize({x: 0, y: 0, width, height});
		return names
			.split('\n')
			.filter((name) => name !== '')
			.map((name, index) => {
				const size =
					name === zoomedAgent
						? full
						: innerSize(layout.tiles[index] ?? {x: 0, y: 0, width, height});
				return {name, cols: Math.max(2, size.cols), rows: Math.max(1, size.rows)};
			});
	}, [names, layout, zoomedAgent, width, height]);
	useResizeAgents(run, sizes);
	const sources = useMemo(
		() =>
			new Map(
				names
					.split('\n')
					.filter((name) => name !== '')
					.map((name) => [name, run.agentScreen(name)]),
			),
		[names, run],
	);
	// Drawn by Ink (no canvas: a test renderer), the panes redraw on their agents' screens; on a
	// canvas they never need to. Only the screens on view are watched: the others cost nothing.
	const canvas = useCanvas();
	const watched = useMemo(() => {
		if (canvas !== undefined) return noSources;
		if (zoomedAgent === undefined) return sources;
		return new Map([[zoomedAgent, sources.get(zoomedAgent)]]);
	}, [canvas, sources, zoomedAgent]);
	useScreenFrame(watched);

	useLatestInput((input, key) => {
		const command = commandIn('panes', keyName(input, key));
		if (command === undefined) return;
		const index = indexOf(focusNow.current);
		const target = agents[index];
		const direction = moves[command];
		if (direction !== undefined) {
			const next = neighbour(layout.tiles, index, direction);
			const agent = next === undefined ? undefined : agents[next];
			if (agent !== undefined) {
				focusNow.current = agent.name;
				setFocusName(agent.name);
			}

			return;
		}

		switch (command) {
			case 'pane.zoom': {
				if (target !== undefined) setZoomed((zoom) => !zoom);
				break;
			}

			case 'pane.attach': {
				if (target !== undefined) onAttach(target.name);
				break;
			}

			case 'pane.recycle': {
				if (target === undefined) break;
				const {name, task} = target;
				if (task === undefined) {
					flash(`${name} is idle: nothing to recycle`, 'warn');
					break;
				}

				confirm(
					`Recycle ${name}?`,
					`It is stopped and ${task} goes back to the queue with no retry spent.`,
					() => {
						flash(`recycling ${name}; ${task} goes back to the queue`);
						// The task asked about, not whatever the agent took since the question.
						run.stopTask(task).catch((error: unknown) => {
							flash(`could not recycle ${name}: ${String(error)}`, 'error');
						});
					},
				);
				break;
			}

			case 'agents.add': {
				const name = run.addAgent();
				if (name === undefined) flash('no agent added: the run is ending', 'warn');
				else if (agents.some((agent) => agent.name === name && agent.leaving === true))
					flash(`${name} stays after all`);
				else flash(`added ${name}`);
				break;
			}

			case 'agents.remove': {
				const name = run.removeAgent();
				if (name === undefined) flash('at least one agent stays', 'warn');
				else if (agents.some((agent) => agent.name === name && agent.task !== undefined))
					flash(`${name} leaves after its task`);
				else flash(`removed ${name}`);
				break;
			}

			default: {
				break;
			}
		}
	}, keysActive);

	if (agents.length === 0)
		return (
			<Box width={width} height={height} justifyContent="center" alignItems="center">
				<Text color={theme.muted}>no agents (+ adds one)</Text>
			</Box>
		);

	const pane = (agent: AgentView, paneWidth: number, paneHeight: number) => (
		<AgentPane
			key={agent.name}
			agent={agent}
			source={sources.get(agent.name)}
			screen={sources.get(agent.name)?.screen() ?? blankScreen}
			width={paneWidth}
			height={paneHeight}
			focused={agent.name === focused?.name}
			attached={agent.name === attached}
			elapsed={
				agent.startedAt === undefined ? undefined : clockText(now - Date.parse(agent.startedAt))
			}
			waitingFor={
				agent.task === undefined
					? waitingText(agent, snapshot, boardState, waiting, now)
					: undefined
			}
		/>
	);

	if (zoomed && focused !== undefined)
		return (
			<Box width={width} height={height}>
				{pane(focused, width, height)}
			</Box>
		);

	return (
		<Box flexDirection="column" width={width} height={height}>
			{layout.bands.map((band) => (
				<Box key={band.y} flexDirection="row" width={width} height={band.height}>
					{band.indices.map((index) => {
						const agent = agents[index];
						const tile = layout.tiles[index];
						return agent === undefined || tile === undefined
							? null
							: pane(agent, tile.width, tile.height);
					})}
				</Box>
			))}
		</Box>
	);
}

/**
 * Keeps every agent's pty at its pane's inner size. An agent seen for the first time is sized at
 * once (the orchestrator starts its next process at that size); later changes wait for the
 * layout to settle, so dragging a terminal's corner does not make the agents redraw on each step.
 */
interface PaneSize {
	readonly name: string;
	readonly cols: number;
	readonly rows: number;
}

function useResizeAgents(run: RunControl, sizes: readonly PaneSize[]): void {
	const sent = useRef(new Map<string, string>());
	useEffect(() => {
		const known = sent.current;
		const present = new Set(sizes.map((size) => size.name));
		// A removed agent's name may come back with `+`: it is then a new agent, sized at once.
		for (const name of known.keys()) if (!present.has(name)) known.delete(name);
		const later: PaneSize[] = [];
		for (const size of sizes) {
			const key = `${size.cols}x${size.rows}`;
			if (known.get(size.name) === key) continue;
			if (known.has(size.name)) {
				later.push(size);
				continue;
			}

			known.set(size.name, key);
			run.resizeAgent(size.name, size.cols, size.rows);
		}

		if (later.length === 0) return;
		const timer = setTimeout(() => {
			for (const size of later) {
				known.set(size.name, `${size.cols}x${size.rows}`);
				run.resizeAgent(size.name, size.cols, size.rows);
			}
		}, resizeDebounceMs);
		return () => {
			clearTimeout(timer);
		};
	}, [run, sizes]);
}
