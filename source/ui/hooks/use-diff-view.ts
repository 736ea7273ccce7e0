/**
 * The diff view's keys and calls: its state is the reducer of diff-view-state.ts; fetching the
 * diff and accepting or rejecting the work go to the run (the orchestrator does the git side, as
 * `jetpack-tui review` does), and what they answer is flashed in the hint line.
 */
import {useEffect, useReducer, useRef} from 'react';
import type {Task} from '../../core/task.js';
import type {FlashLevel} from '../components/view-props.js';
import {
	diffLineCount,
	diffViewReducer,
	initialDiffView,
	maxTop,
	parseDiff,
	type DiffMove,
	type DiffViewState,
} from '../diff-view-state.js';
import {commandIn, keyName, type CommandId} from '../keymap.js';
import {keyPriority} from '../key-router.js';
import type {ReviewResult, RunControl} from '../run-control.js';
import {useKeys} from './use-latest-input.js';

export interface DiffViewProps {
	readonly run: RunControl;
	readonly taskId: string;
	/** The task as the board shows it now (undefined once it has left the store). */
	readonly task: Task | undefined;
	readonly width: number;
	readonly height: number;
	readonly keysActive: boolean;
	readonly setCaptured: (captured: boolean) => void;
	readonly flash: (message: string, level?: FlashLevel) => void;
	/** Back to the list. */
	readonly onClose: () => void;
	/** The task's details instead. */
	readonly onDetails: () => void;
}

/** Lines under the diff that each prompt takes. */
export function diffViewLayout(
	state: Pick<DiffViewState, 'prompt' | 'busy'>,
	height: number,
): {readonly rows: number; readonly bottomLines: number} {
	const bottomLines = state.prompt !== undefined ? 3 : state.busy === undefined ? 0 : 1;
	// One line for the diff's own header (branch, stat, file, place).
	return {rows: Math.max(1, height - 1 - bottomLines), bottomLines};
}

const moves: Partial<Record<CommandId, DiffMove>> = {
	'list.down': 'down',
	'list.up': 'up',
	'list.pageDown': 'pageDown',
	'list.pageUp': 'pageUp',
	'list.top': 'top',
	'list.bottom': 'bottom',
};

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

export function useDiffView({
	run,
	taskId,
	task,
	height,
	keysActive,
	setCaptured,
	flash,
	onClose,
	onDetails,
}: DiffViewProps) {
	const [state, dispatch] = useReducer(diffViewReducer, initialDiffView);
	const {rows} = diffViewLayout(state, height);
	// A result that comes after the view has gone is still flashed, but closes nothing.
	const mounted = useRef(true);
	useEffect(
		() => () => {
			mounted.current = false;
		},
		[],
	);

	useEffect(() => {
		let live = true;
		run.reviewDiff(taskId).then(
			(text) => {
				// Parsed here, not in the reducer: the text can be large, and only its kept part stays.
				if (live) dispatch({type: 'loaded', doc: parseDiff(text)});
			},
			(error: unknown) => {
				if (live) dispatch({type: 'failed', message: messageOf(error)});
			},
		);
		return () => {
			live = false;
		};
	}, [run, taskId]);

	// The reason is typed: keys read together must reach the field at once, in order.
	const typing = state.prompt?.kind === 'reject';
	useEffect(() => {
		if (!typing) return;
		setCaptured(true);
		return () => {
			setCaptured(false);
		};
	}, [typing, setCaptured]);

	/** Why `A` or `X` cannot be used now, or undefined. */
	const refusal = (): string | undefined => {
		if (task === undefined) return `${taskId} is no longer in the store.`;
		if (state.busy !== undefined)
			return `${taskId}: the ${state.busy === 'accept' ? 'accept' : 'reject'} sent is not answered yet.`;
		if (task.status !== 'review')
			return `${taskId} is not waiting for review (it is ${task.status}).`;
		return undefined;
	};

	const settle = (sent: Promise<ReviewResult>) => {
		sent.then(
			(result) => {
				flash(result.message, result.ok ? 'info' : 'error');
				if (!mounted.current) return;
				dispatch({type: 'answered'});
				if (result.ok) onClose();
			},
			(error: unknown) => {
				flash(messageOf(error), 'error');
				if (mounted.current) dispatch({type: 'answered'});
			},
		);
	};

	const perform = (command: CommandId) => {
		const move = moves[command];
		if (move !== undefined) {
			dispatch({type: 'scroll', move, rows});
			return;
		}

		switch (command) {
			case 'diff.nextFile':
			case 'diff.previousFile': {
				if (state.load.kind !== 'ready') return;
				const {files} = state.load.doc;
				if (files.length === 0) flash('The diff names no file.');
				else if (command === 'diff.nextFile' && state.file >= files.length - 1)
					flash(`That was the last file (${files.length}).`);
				dispatch({type: command === 'diff.nextFile' ? 'nextFile' : 'previousFile', rows});
				return;
			}

			case 'review.accept':
			case 'review.reject': {
				const refused = refusal();
				if (refused !== undefined) {
					flash(refused, 'warn');
					return;
				}

				if (command === 'review.reject') setCaptured(true);
				dispatch({type: 'ask', prompt: command === 'review.accept' ? 'accept' : 'reject'});
				return;
			}

			case 'diff.details': {
				onDetails();
				return;
			}

			case 'diff.close': {
				onClose();
				return;
			}

			default: {
				break;
			}
		}
	};

	useKeys(
		(input, key) => {
			const command = commandIn('diff', keyName(input, key));
			if (command === undefined) return false;
			perform(command);
			return true;
		},
		{priority: keyPriority.view, active: keysActive && state.prompt === undefined},
	);

	const shownTop =
		state.load.kind === 'ready' ? Math.min(state.top, maxTop(state.load.doc, rows)) : 0;
	return {
		state,
		rows,
		top: shownTop,
		lineCount: state.load.kind === 'ready' ? diffLineCount(state.load.doc) : 0,
		answerAccept(yes: boolean) {
			if (!yes) {
				dispatch({type: 'cancel'});
				return;
			}

			dispatch({type: 'send', what: 'accept'});
			settle(run.acceptReview(taskId));
		},
		submitReject(text: string) {
			const reason = text.trim();
			if (reason === '') {
				dispatch({
					type: 'rejectProblem',
					problem: 'Give a reason: the next attempt is told it (esc cancels).',
				});
				return;
			}

			setCaptured(false);
			dispatch({type: 'send', what: 'reject'});
			settle(run.rejectReview(taskId, reason));
		},
		cancelReject() {
			setCaptured(false);
			dispatch({type: 'cancel'});
		},
	};
}
