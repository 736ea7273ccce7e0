/**
 * The TUI (PRODUCT.md §7): a status bar, one of four views, and a line of key hints. Keys resolve
 * through the keymap with priorities: an overlay or a view's form first, then attach mode (raw
 * bytes to the agent), then the view's keys, then the global ones.
 */
import {Box, Text, useApp, useStdin} from 'ink';
import {useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode} from 'react';
import {ConfirmPrompt} from './components/confirm-prompt.js';
import {GraphView} from './components/graph-view.js';
import {HelpOverlay} from './components/help-overlay.js';
import {PlanDialog, type Planner} from './components/plan-dialog.js';
import {LogView, useEventHistory} from './components/log-view.js';
import {PanesView} from './components/panes-view.js';
import {runNotices, StatusBar} from './components/status-bar.js';
import {TasksView} from './components/tasks-view.js';
import type {FlashLevel, ViewProps} from './components/view-props.js';
import {useBoard, useNow, useSnapshot} from './hooks/use-run.js';
import {useTerminalSize} from './hooks/use-terminal-size.js';
import {detachKeys, hintLine, keyName, resolve, views, type View} from './keymap.js';
import type {RunControl, TaskBoard} from './run-control.js';
import {theme} from './theme.js';
import type {TaskMinutes} from '../core/eta.js';
import {KeyRouterProvider, useKeyRouter, useKeys} from './hooks/use-latest-input.js';
import {keyPriority} from './key-router.js';

export interface AppProps {
	readonly run: RunControl;
	readonly board: TaskBoard;
	/** A terminal bell and desktop notification (OSC 9); the app says when, the caller how. */
	readonly notify?: (message: string) => void;
	readonly initialView?: View;
	/** What an agent of the pool takes on a task, for the ETA; by default its estimate. */
	readonly taskMinutes?: TaskMinutes;
	/** `P`: an agent plans a request (PRODUCT.md §16); absent, `P` says planning is not available. */
	readonly planner?: Planner;
}

type Modal =
	| {readonly kind: 'help'}
	| {readonly kind: 'plan'}
	| {
			readonly kind: 'confirm';
			readonly question: string;
			readonly detail?: string;
			readonly onYes: () => void;
	  };

/** The TUI; every key goes through one router (see `KeyRouterProvider`). */
export function App(props: AppProps) {
	return (
		<KeyRouterProvider>
			<AppBody {...props} />
		</KeyRouterProvider>
	);
}

function AppBody({run, board, notify, initialView = 'panes', taskMinutes, planner}: AppProps) {
	const {exit} = useApp();
	const {cols, rows} = useTerminalSize();
	const snapshot = useSnapshot(run);
	const boardState = useBoard(board);
	useEventHistory(run);
	const now = useNow(snapshot.finished === undefined);
	const [view, setView] = useState<View>(initialView);
	const [modal, setModal] = useState<Modal | undefined>();
	const [captured, setCaptured] = useState(false);
	const [attached, setAttached] = useState<string | undefined>();
	// Only the panes view knows; it reports here so the hint line offers the way back.
	const [zoomed, setZoomed] = useState(false);
	// The tasks view says when it shows a task's diff, whose keys are not the list's.
	const [diffOpen, setDiffOpen] = useState(false);
	const [quitting, setQuitting] = useState<'graceful' | 'now' | undefined>();
	const [flash, setFlash] = useState<{message: string; level: FlashLevel} | undefined>();
	const flashTimer = useRef<NodeJS.Timeout | undefined>(undefined);

	const showFlash = useCallback((message: string, level: FlashLevel = 'info') => {
		clearTimeout(flashTimer.current);
		setFlash({message, level});
		flashTimer.current = setTimeout(() => {
			setFlash(undefined);
		}, 5000);
	}, []);
	useEffect(() => () => clearTimeout(flashTimer.current), []);

	// The run ends (by itself or by our shutdown): once quitting, the app goes with it.
	useEffect(() => {
		if (quitting !== undefined && snapshot.finished !== undefined) exit();
	}, [quitting, snapshot.finished, exit]);

	// New work after the end (a retry, a new task, a change from outside) starts the run again:
	// each new table the board shows is a chance, unless the user is on the way out.
	useEffect(() => {
		if (snapshot.finished === 'done' && quitting === undefined) void run.resume();
	}, [boardState.version, snapshot.finished, quitting, run]);

	// Notifications: when the run finishes, and when every profile is paused.
	const allPaused =
		snapshot.agents.length > 0 && snapshot.agents.every((agent) => agent.state === 'paused');
	useEffect(() => {
		if (snapshot.finished !== undefined && quitting === undefined)
			notify?.(
				`jetpack-tui: run ${snapshot.finished === 'done' ? 'finished' : `ended (${snapshot.finished})`}`,
			);
		// Only the change of `finished` is news.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [snapshot.finished]);
	useEffect(() => {
		if (allPaused) notify?.('jetpack-tui: every agent profile is paused');
	}, [allPaused, notify]);
	// Money: the alert and the end of the budget are news a person wants.
	useEffect(
		() =>
			run.onEvent(({event}) => {
				if (event.type === 'budget.alert')
					notify?.(`jetpack-tui: spent $${event.spentUsd} of the $${event.budgetUsd} budget`);
				else if (event.type === 'budget.exhausted')
					notify?.(`jetpack-tui: the $${event.budgetUsd} budget is spent; no new task starts`);
			}),
		[run, notify],
	);
	// An agent blocked on a question wants a person: each one that begins to wait is news.
	const waiting = snapshot.agents
		.filter((agent) => agent.waiting !== undefined)
		.map((agent) => agent.name)
		.join(' ');
	const waitingBefore = useRef('');
	useEffect(() => {
		const before = new Set(waitingBefore.current.split(' '));
		waitingBefore.current = waiting;
		const fresh = waiting.split(' ').filter((name) => name !== '' && !before.has(name));
		if (fresh.length > 0) notify?.(`jetpack-tui: ${fresh.join(', ')} waiting for input`);
	}, [waiting, notify]);

	const quit = useCallback(() => {
		if (quitting !== undefined) {
			// Asked again while stopping: stop the agents now.
			setQuitting('now');
			void run.shutdown({immediate: true});
			return;
		}

		const stop = () => {
			setQuitting('graceful');
			void run.shutdown({immediate: false, drain: false});
		};

		const busy = run.getSnapshot().agents.filter((agent) => agent.task !== undefined).length;
		if (busy === 0 || run.getSnapshot().finished !== undefined) {
			stop();
			return;
		}

		setModal({
			kind: 'confirm',
			question: `Quit? ${busy} agent${busy === 1 ? ' is' : 's are'} working.`,
			detail:
				busy === 1
					? 'It is stopped; its task goes back to the queue, no retry spent.'
					: 'They are stopped; their tasks go back to the queue, no retry spent.',
			onYes: stop,
		});
	}, [quitting, run]);

	const router = useKeyRouter();
	// A view's form or prompt types text: keys read together must reach it at once, in order.
	useLayoutEffect(() => {
		router?.setTyping(captured);
	}, [router, captured]);
	// A modal, a form or a text field takes its keys above these; the app's own keys come last.
	useKeys(
		(input, key) => {
			const binding = resolve(keyName(input, key), view);
			if (binding === undefined || binding.scope !== 'global') return false;
			switch (binding.command) {
				case 'view.panes':
				case 'view.tasks':
				case 'view.graph':
				case 'view.log': {
					setView(binding.command.slice(5) as View);
					break;
				}

				case 'view.next': {
					setView(views[(views.indexOf(view) + 1) % views.length] ?? 'panes');
					break;
				}

				case 'help': {
					setModal({kind: 'help'});
					break;
				}

				case 'plan': {
					if (planner === undefined) showFlash('Planning is not available here.', 'warn');
					else setModal({kind: 'plan'});
					break;
				}

				case 'quit': {
					quit();
					break;
				}

				default: {
					break;
				}
			}

			return true;
		},
		{priority: keyPriority.global, active: quitting === undefined},
	);
	// While stopping, ctrl-c and q still reach `quit` even with a form open.
	useKeys(
		(input, key) => {
			if (input !== 'q' && !(key.ctrl && input === 'c')) return false;
			quit();
			return true;
		},
		{priority: keyPriority.stopping, active: quitting !== undefined && modal === undefined},
	);
	// Attached, the agent's pane reads the terminal itself (see `useAttach`): no key is ours.
	useKeys(() => true, {priority: keyPriority.attach, active: attached !== undefined});
	const detach = useCallback(() => {
		setAttached(undefined);
	}, []);
	useAttach(run, attached, detach);
	// Attached to an agent working on a task: when that attempt ends, so does the attachment,
	// or keys meant for it would reach whatever the agent starts next.
	const attachedTask = snapshot.agents.find((agent) => agent.name === attached)?.task;
	const attachedTo = useRef<string | undefined>(undefined);
	useEffect(() => {
		if (attached === undefined) {
			attachedTo.current = undefined;
			return;
		}

		attachedTo.current ??= attachedTask ?? '';
		if (attachedTo.current !== (attachedTask ?? '')) detach();
	}, [attached, attachedTask, detach]);

	const bodyHeight = Math.max(
		3,
		rows - 1 - (runNotices(snapshot).length > 0 || boardState.error !== undefined ? 2 : 1) - 1,
	);
	const viewProps: ViewProps = {
		run,
		board,
		width: cols,
		height: bodyHeight,
		keysActive: quitting === undefined,
		setCaptured,
		flash: showFlash,
	};

	let body: ReactNode;
	if (modal?.kind === 'plan' && planner !== undefined) {
		body = (
			<PlanDialog
				planner={planner}
				board={board}
				width={cols}
				height={bodyHeight}
				onTyping={setCaptured}
				onClose={(message) => {
					setModal(undefined);
					if (message !== undefined) showFlash(message);
				}}
			/>
		);
	} else if (modal?.kind === 'help') {
		body = (
			<HelpOverlay
				width={cols}
				height={bodyHeight}
				onClose={() => {
					setModal(undefined);
				}}
			/>
		);
	} else {
		switch (view) {
			case 'panes': {
				body = (
					<PanesView
						{...viewProps}
						attached={attached}
						onAttach={setAttached}
						onZoomChange={setZoomed}
						confirm={(question, detail, onYes) => {
							setModal({kind: 'confirm', question, detail, onYes});
						}}
					/>
				);
				break;
			}

			case 'tasks': {
				body = <TasksView {...viewProps} onDiffChange={setDiffOpen} />;
				break;
			}

			case 'graph': {
				body = <GraphView {...viewProps} />;
				break;
			}

			case 'log': {
				body = <LogView {...viewProps} />;
				break;
			}
		}
	}

	return (
		<Box flexDirection="column" width={cols} height={rows - 1}>
			<StatusBar
				snapshot={snapshot}
				board={boardState}
				now={now}
				width={cols}
				taskMinutes={taskMinutes}
			/>
			<Box
				height={bodyHeight}
				width={cols}
				flexDirection="column"
				// Clipping makes Ink re-slice every line of every frame; the panes fill the box exactly.
				overflow={view === 'panes' && modal === undefined ? 'visible' : 'hidden'}
			>
				{modal?.kind === 'confirm' ? (
					<Box height={bodyHeight} width={cols} justifyContent="center" alignItems="center">
						<ConfirmPrompt
							width={cols}
							question={modal.question}
							detail={modal.detail}
							onAnswer={(yes) => {
								setModal(undefined);
								if (yes) modal.onYes();
							}}
						/>
					</Box>
				) : (
					body
				)}
			</Box>
			<HintLine
				view={view}
				width={cols}
				attached={attached}
				quitting={quitting}
				flash={flash}
				finished={snapshot.finished !== undefined}
				zoomed={view === 'panes' && zoomed}
				diff={view === 'tasks' && diffOpen}
			/>
		</Box>
	);
}

function HintLine({
	view,
	width,
	attached,
	quitting,
	flash,
	finished,
	zoomed,
	diff,
}: {
	readonly view: View;
	readonly width: number;
	readonly attached: string | undefined;
	readonly quitting: 'graceful' | 'now' | undefined;
	readonly flash: {message: string; level: FlashLevel} | undefined;
	readonly finished: boolean;
	readonly zoomed: boolean;
	readonly diff: boolean;
}) {
	if (attached !== undefined)
		return (
			<Box width={width}>
				<Text wrap="truncate-end" inverse color={theme.warn}>
					{` ATTACHED to ${attached}: keys go to the agent · ctrl-b d or ctrl-] detaches `}
				</Text>
			</Box>
		);
	if (quitting !== undefined)
		return (
			<Box width={width}>
				<Text wrap="truncate-end" color={theme.warn}>
					{quitting === 'now'
						? 'Stopping every agent now…'
						: 'Stopping the agents; their tasks go back to the queue… (q again: stop now)'}
				</Text>
			</Box>
		);
	const tabs = views.map((name, index) => (
		<Text key={name} inverse={name === view} color={name === view ? theme.accent : theme.muted}>
			{` ${index + 1} ${name} `}
		</Text>
	));
	const tabsWidth = views.reduce((sum, name, index) => sum + ` ${index + 1} ${name} `.length, 1);
	const levelColor = {info: theme.accent, warn: theme.warn, error: theme.error} as const;
	return (
		<Box width={width} overflow="hidden">
			<Text wrap="truncate-end">
				{tabs}
				<Text> </Text>
				{flash === undefined ? (
					<Text color={theme.muted}>
						{hintLine(view, width - tabsWidth, {finished, zoomed, diff})}
					</Text>
				) : (
					<Text color={levelColor[flash.level]}>{flash.message}</Text>
				)}
			</Text>
		</Box>
	);
}

/**
 * Attach mode: every byte typed goes to the agent's pty, except the two ways out (`ctrl-b d`,
 * `ctrl-]`). Raw mode is held here, since no `useInput` is active meanwhile.
 */
/**
 * What attach mode does with a chunk of input: the bytes for the agent, and whether it ends with
 * the way out (`ctrl-]`, or `ctrl-b` then `d`, even split across chunks). `pending` is a `ctrl-b`
 * that ended the previous chunk.
 */
export function attachInput(
	data: string,
	pending: boolean,
): {readonly forward: string; readonly detach: boolean; readonly pending: boolean} {
	let text = pending ? `${detachKeys.ctrlB}${data}` : data;
	const bracket = text.indexOf(detachKeys.ctrlBracket);
	const prefix = text.indexOf(`${detachKeys.ctrlB}${detachKeys.d}`);
	const cut = [bracket, prefix].filter((at) => at !== -1);
	if (cut.length > 0)
		return {forward: text.slice(0, Math.min(...cut)), detach: true, pending: false};
	// A ctrl-b at the very end may be the first half of ctrl-b d: hold it back until the next chunk.
	const held = text.endsWith(detachKeys.ctrlB);
	if (held) text = text.slice(0, -1);
	return {forward: text, detach: false, pending: held};
}

/**
 * Attach mode: every byte typed goes to the agent's pty, except the two ways out (`ctrl-b d`,
 * `ctrl-]`). Listened to in a layout effect, so the first key after `a` is not lost.
 */
function useAttach(run: RunControl, agent: string | undefined, detach: () => void): void {
	const {internal_eventEmitter: input} = useStdin();
	useLayoutEffect(() => {
		if (agent === undefined) return;
		let pending = false;
		const onInput = (data: string) => {
			const next = attachInput(data, pending);
			pending = next.pending;
			if (next.forward !== '') run.writeToAgent(agent, next.forward);
			if (next.detach) detach();
		};

		input.on('input', onInput);
		return () => {
			input.off('input', onInput);
		};
	}, [agent, run, input, detach]);
}
