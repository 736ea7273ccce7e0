/**
 * The diff of a task's work (PRODUCT.md §12), inside the tasks view: coloured as git prints it,
 * scrolled a screen at a time, with `A` to accept the work and `X` to reject it with a reason. This
 * component only draws; its keys and calls are in hooks/use-diff-view.ts, its state a pure reducer
 * in diff-view-state.ts.
 */
import {Box, Text} from 'ink';
import {useState} from 'react';
import {ansiSegments} from '../ansi-segments.js';
import type {DiffDocument} from '../diff-view-state.js';
import {useDiffView, type DiffViewProps} from '../hooks/use-diff-view.js';
import {useKeys} from '../hooks/use-latest-input.js';
import {keyPriority} from '../key-router.js';
import {diffStat, workspaceOf} from '../task-table.js';
import {statusStyle, theme} from '../theme.js';
import {InlineConfirm} from './inline-confirm.js';
import {StyledLine, type Segment} from './styled-line.js';
import {TextField} from './text-field.js';

const dot: Segment = {text: ' · ', color: theme.muted};

function headerSegments(
	props: DiffViewProps,
	doc: DiffDocument | undefined,
	file: number,
	top: number,
	rows: number,
	lineCount: number,
): Segment[] {
	const {task, taskId} = props;
	const segments: Segment[] = [];
	if (task !== undefined) {
		const style = statusStyle[task.status];
		segments.push({text: `${style.symbol} `, color: style.color});
	}

	segments.push({text: taskId, bold: true});
	if (task !== undefined) segments.push({text: ` ${task.status}`});
	const workspace = task === undefined ? undefined : workspaceOf(task);
	if (workspace !== undefined) {
		const {insertions, deletions} = diffStat(workspace);
		segments.push(
			dot,
			{text: workspace.branch, color: theme.accent},
			dot,
			{text: `${workspace.files} file${workspace.files === 1 ? '' : 's'} `},
			{text: insertions, color: theme.ok},
			{text: ' '},
			{text: deletions, color: theme.error},
		);
	}

	if (doc !== undefined && lineCount > 0) {
		const path = doc.files[file]?.path;
		if (path !== undefined)
			segments.push(dot, {text: `file ${file + 1}/${doc.files.length} `}, {text: path, bold: true});
		segments.push(dot, {
			text: `${top + 1}–${Math.min(top + rows, lineCount)} of ${lineCount}${doc.cut > 0 ? ` (cut)` : ''}`,
			color: theme.muted,
		});
	}

	return segments;
}

function RejectLine({
	taskId,
	problem,
	onSubmit,
	onCancel,
}: {
	readonly taskId: string;
	readonly problem: string | undefined;
	readonly onSubmit: (reason: string) => void;
	readonly onCancel: () => void;
}) {
	const [reason, setReason] = useState('');
	// The field leaves escape to its owner.
	useKeys(
		(_input, key) => {
			if (!key.escape) return false;
			onCancel();
			return true;
		},
		{priority: keyPriority.view},
	);
	return (
		<Box flexDirection="column">
			<Text bold color={theme.warn} wrap="truncate-end">
				{`Reject ${taskId}: it goes back to the queue, the reason in its next attempt's prompt.`}
			</Text>
			<Box>
				<Text color={theme.accent}>reason </Text>
				<TextField
					value={reason}
					placeholder="what the next attempt should do differently"
					onChange={setReason}
					onSubmit={onSubmit}
				/>
			</Box>
			<Text color={problem === undefined ? theme.muted : theme.warn} wrap="truncate-end">
				{problem ?? 'enter: reject · esc: cancel'}
			</Text>
		</Box>
	);
}

export function DiffView(props: DiffViewProps) {
	const {taskId, task, width, height} = props;
	const diff = useDiffView(props);
	const {state, rows, top, lineCount} = diff;
	const doc = state.load.kind === 'ready' ? state.load.doc : undefined;

	let body;
	if (state.load.kind === 'loading')
		body = <Text color={theme.muted}>{`Reading the diff of ${taskId}…`}</Text>;
	else if (state.load.kind === 'failed')
		body = (
			<Text color={theme.error} wrap="truncate-end">
				{`No diff of ${taskId}: ${state.load.message}`}
			</Text>
		);
	else if (doc !== undefined && lineCount === 0)
		body = <Text color={theme.muted}>The attempt changed nothing: there is no diff.</Text>;
	else if (doc !== undefined) {
		const lines = [];
		for (let index = top; index < Math.min(top + rows, lineCount); index++) {
			const line = doc.lines[index];
			lines.push(
				<StyledLine
					// Lines have no identity beyond their place in the diff.
					key={index}
					width={width}
					segments={
						line === undefined
							? [
									{
										text: `… ${doc.cut} more line${doc.cut === 1 ? '' : 's'} cut; \`jetpack-tui diff ${taskId}\` prints the whole diff`,
										color: theme.warn,
									},
								]
							: ansiSegments(line)
					}
				/>,
			);
		}

		body = lines;
	}

	const branch = task === undefined ? undefined : workspaceOf(task)?.branch;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<StyledLine
				segments={headerSegments(props, doc, state.file, top, rows, lineCount)}
				width={width}
			/>
			<Box flexDirection="column" height={rows} overflow="hidden">
				{body}
			</Box>
			{state.prompt?.kind === 'accept' ? (
				<InlineConfirm
					question={`Accept ${taskId}? ${branch === undefined ? 'Its work' : branch} is merged into the integration branch.`}
					detail="The quality gates are not run again; a conflict sends the task back to the queue."
					onAnswer={diff.answerAccept}
				/>
			) : undefined}
			{state.prompt?.kind === 'reject' ? (
				<RejectLine
					taskId={taskId}
					problem={state.prompt.problem}
					onSubmit={diff.submitReject}
					onCancel={diff.cancelReject}
				/>
			) : undefined}
			{state.prompt === undefined && state.busy !== undefined ? (
				<Text color={theme.accent} wrap="truncate-end">
					{state.busy === 'accept' ? `Merging ${taskId}…` : `Sending ${taskId} back to the queue…`}
				</Text>
			) : undefined}
		</Box>
	);
}
