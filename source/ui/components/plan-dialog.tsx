/**
 * `P` in the TUI (PRODUCT.md §16): asks for a request, has an agent plan it without blocking the
 * screen, shows the proposed graph as a tree with its critical path and total estimate, and
 * writes it (`enter` or `a`) or drops it (`esc` or `d`). The planning itself comes in as a
 * function: the app does not know which CLI answers.
 */
import {Box, Text} from 'ink';
import {useEffect, useRef, useState} from 'react';
import {addPlan, type PlanOutcome} from '../../core/plan.js';
import {painter} from '../../text/format.js';
import {renderPlanLines} from '../../text/plan-render.js';
import {useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';
import type {TaskBoard} from '../run-control.js';
import {theme} from '../theme.js';
import {TextField} from './text-field.js';

/** Plans a request; aborting the signal stops the agent. */
export type Planner = (request: string, signal: AbortSignal) => Promise<PlanOutcome>;

type Phase =
	| {readonly kind: 'asking'}
	| {readonly kind: 'planning'; readonly request: string}
	| {
			readonly kind: 'proposed';
			readonly request: string;
			readonly outcome: Extract<PlanOutcome, {kind: 'plan'}>;
	  }
	| {readonly kind: 'writing'}
	| {readonly kind: 'failed'; readonly lines: readonly string[]};

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function PlanDialog({
	planner,
	board,
	width,
	height,
	onClose,
	onTyping,
}: {
	readonly planner: Planner;
	readonly board: TaskBoard;
	readonly width: number;
	readonly height: number;
	/** Closed; `message`: what was written, for a flash. */
	readonly onClose: (message?: string) => void;
	/** Whether the request is being typed (keys read together must reach it in order). */
	readonly onTyping: (typing: boolean) => void;
}) {
	const [phase, setPhase] = useState<Phase>({kind: 'asking'});
	const [request, setRequest] = useState('');
	const [tick, setTick] = useState(0);
	const [scroll, setScroll] = useState(0);
	const controller = useRef<AbortController | undefined>(undefined);
	const closed = useRef(false);

	useEffect(() => {
		onTyping(phase.kind === 'asking');
	}, [phase.kind, onTyping]);
	// Closing while the agent plans stops it: nothing it started outlives the dialog.
	useEffect(
		() => () => {
			closed.current = true;
			controller.current?.abort();
			onTyping(false);
		},
		[onTyping],
	);
	useEffect(() => {
		if (phase.kind !== 'planning') return;
		const timer = setInterval(() => {
			setTick((value) => value + 1);
		}, 120);
		return () => {
			clearInterval(timer);
		};
	}, [phase.kind]);

	const start = (text: string) => {
		if (text.trim() === '') return;
		const abort = new AbortController();
		controller.current = abort;
		setPhase({kind: 'planning', request: text});
		planner(text, abort.signal).then(
			(outcome) => {
				if (closed.current || abort.signal.aborted) return;
				if (outcome.kind === 'plan') setPhase({kind: 'proposed', request: text, outcome});
				else
					setPhase({
						kind: 'failed',
						lines:
							outcome.kind === 'failed'
								? [`The agent gave no plan: ${outcome.message}.`]
								: [
										'The plan was still not valid after it was sent back once:',
										...outcome.errors.map((error) => `- ${error}`),
									],
					});
			},
			(error: unknown) => {
				if (closed.current) return;
				setPhase({kind: 'failed', lines: [(error as Error).message]});
			},
		);
	};

	const accept = (proposed: Extract<Phase, {kind: 'proposed'}>) => {
		setPhase({kind: 'writing'});
		board
			.update((tasks) =>
				addPlan(tasks, proposed.outcome.plan, {
					now: board.now(),
					random: Math.random,
					request: proposed.request.trim(),
					maxRetries: board.maxRetries,
				}),
			)
			.then(
				(written) => {
					onClose(
						`Wrote epic ${written.epic.id} and ${written.tasks.length} task${written.tasks.length === 1 ? '' : 's'}.`,
					);
				},
				(error: unknown) => {
					if (!closed.current) setPhase({kind: 'failed', lines: [(error as Error).message]});
				},
			);
	};

	const lines =
		phase.kind === 'proposed'
			? renderPlanLines(phase.outcome.plan, painter(false), Math.max(20, width - 4))
			: [];
	const room = Math.max(3, height - 6);
	useKeys(
		(input, key) => {
			switch (phase.kind) {
				case 'asking': {
					if (!key.escape) return false;
					onClose();
					return true;
				}

				case 'proposed': {
					if (key.return || input === 'a') accept(phase);
					else if (key.escape || input === 'd') onClose('Plan discarded: nothing was written.');
					else if (key.downArrow || input === 'j')
						setScroll((at) => Math.min(Math.max(0, lines.length - room), at + 1));
					else if (key.upArrow || input === 'k') setScroll((at) => Math.max(0, at - 1));
					return true;
				}

				case 'writing': {
					return true;
				}

				default: {
					// Planning: esc stops the agent; failed: any key closes.
					if (phase.kind === 'failed' || key.escape) onClose();
					return true;
				}
			}
		},
		{priority: keyPriority.modal},
	);

	const footer = {
		asking: 'enter: plan it · esc: cancel',
		planning: 'esc: stop the agent and close',
		proposed: `enter/a: accept and write · esc/d: discard${lines.length > room ? ' · j/k: scroll' : ''}`,
		writing: 'writing…',
		failed: 'any key: close',
	}[phase.kind];
	return (
		<Box
			flexDirection="column"
			width={width}
			height={height}
			borderStyle="round"
			borderColor={theme.accent}
			paddingX={1}
		>
			<Text bold>Plan: an agent breaks a request into an epic and its tasks</Text>
			{phase.kind === 'asking' ? (
				<Box>
					<Text>Request: </Text>
					<TextField
						value={request}
						onChange={setRequest}
						onSubmit={start}
						placeholder="what should be built"
					/>
				</Box>
			) : undefined}
			{phase.kind === 'planning' ? (
				<Text color={theme.accent}>
					{spinner[tick % spinner.length]} planning…{' '}
					<Text color={theme.muted}>{phase.request}</Text>
				</Text>
			) : undefined}
			{phase.kind === 'proposed' ? (
				<Box flexDirection="column" height={room} overflow="hidden">
					{lines.slice(scroll, scroll + room).map((line, index) => (
						<Text key={index} wrap="truncate-end">
							{line === '' ? ' ' : line}
						</Text>
					))}
				</Box>
			) : undefined}
			{phase.kind === 'failed'
				? phase.lines.map((line, index) => (
						<Text key={index} color={index === 0 ? theme.error : undefined} wrap="truncate-end">
							{line}
						</Text>
					))
				: undefined}
			<Text color={theme.muted}>{footer}</Text>
		</Box>
	);
}
