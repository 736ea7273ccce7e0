import {cleanup, render} from 'ink-testing-library';
import {useCallback, useLayoutEffect, useState} from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {newTask, type Attempt, type Task, type TaskTable} from '../../source/core/task.js';
import {App} from '../../source/ui/app.js';
import {TasksView} from '../../source/ui/components/tasks-view.js';
import type {FlashLevel} from '../../source/ui/components/view-props.js';
import {KeyRouterProvider, useKeyRouter} from '../../source/ui/hooks/use-latest-input.js';
import type {RunControl, TaskBoard} from '../../source/ui/run-control.js';
import {agentView, fakeBoard, FakeRun, sampleDiff} from '../helpers/fake-run.js';
import {frameWith, keys, plain, press, type Rendered} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));

function attempt(workspace: Record<string, unknown> | undefined): Attempt {
	return {
		n: 1,
		agent: 'sim-1',
		startedAt: '2026-11-23T08:00:00Z',
		endedAt: '2026-11-23T08:05:00Z',
		exitCode: 0,
		...(workspace === undefined ? {} : {workspace}),
	};
}

const fixture = () =>
	table(
		newTask({
			id: 't-rev',
			title: 'Login form',
			status: 'review',
			attempts: [
				attempt({
					branch: 'jetpack/tasks/t-rev',
					base: 'a1b2c3',
					head: 'd4e5f6',
					merged: null,
					files: 2,
					insertions: 4,
					deletions: 2,
				}),
			],
		}),
		newTask({
			id: 't-merged',
			title: 'Schema',
			status: 'completed',
			attempts: [
				attempt({
					branch: 'jetpack/tasks/t-merged',
					base: '111111',
					head: '222222',
					merged: '333333',
					files: 1,
					insertions: 12,
					deletions: 3,
				}),
			],
		}),
		newTask({id: 't-plain', title: 'Docs'}),
	);

interface Flash {
	readonly message: string;
	readonly level: FlashLevel;
}

/** The app's side of the view's contract, as in tasks-view.test.tsx. */
function Harness({
	run,
	board,
	flashes,
	height,
}: {
	readonly run: RunControl;
	readonly board: TaskBoard;
	readonly flashes: Flash[];
	readonly height: number;
}) {
	const [captured, setCaptured] = useState(false);
	const router = useKeyRouter();
	useLayoutEffect(() => {
		router?.setTyping(captured);
	}, [router, captured]);
	const flash = useCallback(
		(message: string, level: FlashLevel = 'info') => {
			flashes.push({message, level});
		},
		[flashes],
	);
	return (
		<TasksView
			run={run}
			board={board}
			width={100}
			height={height}
			keysActive={!captured}
			setCaptured={setCaptured}
			flash={flash}
		/>
	);
}

async function setup({height = 14}: {height?: number} = {}) {
	const run = new FakeRun([agentView('sim-1'), agentView('sim-2')]);
	run.diffs.set('t-rev', sampleDiff);
	run.diffs.set('t-merged', sampleDiff);
	const {board} = await fakeBoard(fixture());
	const flashes: Flash[] = [];
	const rendered = render(
		<KeyRouterProvider>
			<Harness run={run} board={board} flashes={flashes} height={height} />
		</KeyRouterProvider>,
	);
	await frameWith(rendered, '3/3 tasks');
	return {run, rendered, flashes};
}

/** The row the selection mark is on. */
const selectedRow = (rendered: Rendered) =>
	plain(rendered)
		.split('\n')
		.find((line) => line.startsWith('›')) ?? '';

async function openDiff(rendered: Rendered, id = 't-rev') {
	// Review sorts first, completed last.
	if (id === 't-merged') await press(rendered, 'G');
	await frameWith(rendered, () => selectedRow(rendered).includes(id));
	await press(rendered, keys.enter);
	await frameWith(rendered, 'file 1/2 one.txt');
}

describe('the tasks view with work in worktrees', () => {
	it('shows the last attempt’s diff stat in a DIFF column, the status review as the others', async () => {
		const {rendered} = await setup();
		const frame = await frameWith(rendered, 'DIFF');
		expect(frame).toMatch(/ID\s+PRI\s+TRY\s+DIFF\s+TITLE/);
		const row = (id: string) => frame.split('\n').find((line) => line.includes(id)) ?? '';
		expect(row('t-rev')).toMatch(/◕ t-rev\s+med\s+1 \+4 −2\s+Login form/);
		expect(row('t-merged')).toMatch(/✓ t-merged\s+med\s+1 \+12 −3\s+Schema/);
		expect(row('t-plain')).toMatch(/t-plain\s+med\s+0\s+Docs/);
		expect(frame).toContain('◕ review');
	});

	it('enter opens the diff of a task in review, coloured, and esc goes back', async () => {
		const {rendered, run} = await setup();
		await openDiff(rendered);
		const frame = plain(rendered);
		expect(frame).toContain('diff of t-rev · esc back');
		expect(frame).toContain('jetpack/tasks/t-rev · 2 files +4 −2');
		expect(frame).toContain('diff --git a/one.txt b/one.txt');
		expect(frame).toMatch(/^\+B/m);
		// Tabs laid out as spaces, git's colours drawn as colours.
		expect(frame).toMatch(/^\+ {3}d/m);
		const raw = rendered.lastFrame() ?? '';
		expect(raw).toContain('\u001B[31m-b');
		expect(raw).toContain('\u001B[36m@@ -1,3 +1,4 @@');
		expect(run.calls).toEqual([{type: 'reviewDiff', taskId: 't-rev'}]);
		await press(rendered, keys.esc);
		await frameWith(rendered, (text) => text.includes('DIFF') && !text.includes('diff of'));
	});

	it('q goes back too, and enter on a task without a workspace shows its details', async () => {
		const {rendered} = await setup();
		await openDiff(rendered);
		await press(rendered, 'q');
		await frameWith(rendered, (text) => !text.includes('diff of'));
		await press(rendered, 'j', keys.enter);
		await frameWith(rendered, 'details of t-plain');
	});

	it('n and p jump between files; j, G and g scroll', async () => {
		const {rendered} = await setup();
		await openDiff(rendered);
		await press(rendered, 'n');
		let frame = await frameWith(rendered, 'file 2/2 two words.txt');
		expect(frame).toContain('diff --git a/two words.txt b/two words.txt');
		await press(rendered, 'p');
		await frameWith(rendered, 'file 1/2 one.txt');
		await press(rendered, 'j');
		frame = await frameWith(rendered, '2–');
		expect(frame).not.toContain('diff --git a/one.txt');
		await press(rendered, 'G');
		frame = await frameWith(rendered, /–18 of 18/);
		expect(frame).toMatch(/^\+y/m);
		await press(rendered, 'g');
		await frameWith(rendered, /1–\d+ of 18/);
	});

	it('enter in the diff shows the task’s details', async () => {
		const {rendered} = await setup();
		await openDiff(rendered);
		await press(rendered, keys.enter);
		await frameWith(rendered, 'details of t-rev');
	});

	it('A asks, then accepts through the run, flashes what it answered and goes back', async () => {
		const {rendered, run, flashes} = await setup();
		await openDiff(rendered);
		await press(rendered, 'A');
		await frameWith(rendered, 'Accept t-rev? jetpack/tasks/t-rev is merged');
		await press(rendered, 'n');
		await frameWith(rendered, (text) => !text.includes('Accept t-rev?'));
		expect(run.calls.filter((call) => call.type === 'acceptReview')).toEqual([]);
		await press(rendered, 'A');
		await frameWith(rendered, 'Accept t-rev?');
		await press(rendered, 'y');
		await expect
			.poll(() => run.calls.filter((call) => call.type === 'acceptReview'))
			.toEqual([{type: 'acceptReview', taskId: 't-rev'}]);
		await expect
			.poll(() => flashes.at(-1))
			.toEqual({message: 't-rev accepted and merged.', level: 'info'});
		await frameWith(rendered, (text) => text.includes('DIFF') && !text.includes('diff of'));
	});

	it('an accept the run refuses is flashed as an error, and the diff stays', async () => {
		const {rendered, run, flashes} = await setup();
		run.review = async () => ({
			ok: false,
			message: 't-rev does not merge: conflicts in one.txt; it goes back to the queue.',
		});
		await openDiff(rendered);
		await press(rendered, 'A');
		await frameWith(rendered, 'Accept t-rev?');
		await press(rendered, keys.enter);
		await expect.poll(() => flashes.at(-1)?.level).toBe('error');
		expect(flashes.at(-1)?.message).toContain('conflicts in one.txt');
		expect(plain(rendered)).toContain('diff of t-rev');
	});

	it('X takes a reason in a text field, refuses an empty one, and rejects through the run', async () => {
		const {rendered, run, flashes} = await setup();
		await openDiff(rendered);
		await press(rendered, 'X');
		await frameWith(rendered, 'Reject t-rev');
		await press(rendered, keys.enter);
		await frameWith(rendered, 'Give a reason');
		expect(run.calls.filter((call) => call.type === 'rejectReview')).toEqual([]);
		// Keys that are commands in the diff (n, p, q, A) are text here.
		await press(rendered, 'needs a pagination test, q and A', keys.enter);
		await expect
			.poll(() => run.calls.filter((call) => call.type === 'rejectReview'))
			.toEqual([
				{type: 'rejectReview', taskId: 't-rev', reason: 'needs a pagination test, q and A'},
			]);
		await expect.poll(() => flashes.at(-1)?.message).toContain('t-rev rejected');
		await frameWith(rendered, (text) => !text.includes('diff of'));
	});

	it('esc in the reason field cancels the reject and leaves the diff open', async () => {
		const {rendered, run} = await setup();
		await openDiff(rendered);
		await press(rendered, 'X');
		await frameWith(rendered, 'Reject t-rev');
		await press(rendered, 'never mind', keys.esc);
		await frameWith(rendered, (text) => !text.includes('Reject t-rev'));
		expect(plain(rendered)).toContain('diff of t-rev');
		expect(run.calls.filter((call) => call.type === 'rejectReview')).toEqual([]);
		// The diff's keys are its own again.
		await press(rendered, 'n');
		await frameWith(rendered, 'file 2/2');
	});

	it('shows the diff of merged work, but A and X only take work in review', async () => {
		const {rendered, run, flashes} = await setup();
		await openDiff(rendered, 't-merged');
		await press(rendered, 'A');
		await expect
			.poll(() => flashes.at(-1))
			.toEqual({message: 't-merged is not waiting for review (it is completed).', level: 'warn'});
		await press(rendered, 'X');
		await expect.poll(() => flashes.length).toBe(2);
		expect(plain(rendered)).not.toContain('Reject');
		expect(
			run.calls.some((call) => call.type === 'acceptReview' || call.type === 'rejectReview'),
		).toBe(false);
	});

	it('says why when the run has no diff for the task', async () => {
		const {rendered, run} = await setup();
		run.diffs.delete('t-rev');
		await frameWith(rendered, () => selectedRow(rendered).includes('t-rev'));
		await press(rendered, keys.enter);
		await frameWith(rendered, 'No diff of t-rev: t-rev has no diff: it ran in the shared folder.');
		await press(rendered, keys.esc);
		await frameWith(rendered, (text) => !text.includes('diff of'));
	});

	it('keeps the first lines of a huge diff and says what it cut', async () => {
		const {rendered, run} = await setup();
		run.diffs.set('t-rev', `diff --git a/big.txt b/big.txt\n${'+x\n'.repeat(25_000)}`);
		await frameWith(rendered, () => selectedRow(rendered).includes('t-rev'));
		await press(rendered, keys.enter);
		await frameWith(rendered, '1–12 of 20001 (cut)');
		await press(rendered, 'G');
		await frameWith(
			rendered,
			'… 5001 more lines cut; `jetpack-tui diff t-rev` prints the whole diff',
		);
	});
});

describe('the diff in the app', () => {
	it('offers the diff’s keys in the hint line, and q goes back instead of quitting', async () => {
		const run = new FakeRun([agentView('sim-1')]);
		run.diffs.set('t-rev', sampleDiff);
		const {board} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, '3/3 tasks');
		await frameWith(rendered, () => selectedRow(rendered).includes('t-rev'));
		await press(rendered, keys.enter);
		await frameWith(rendered, 'A accept · X reject');
		await press(rendered, 'q');
		await frameWith(
			rendered,
			(text) => text.includes('enter details') && !text.includes('diff of'),
		);
		expect(run.calls.some((call) => call.type === 'shutdown')).toBe(false);
		// In the list, q is the app's again.
		await press(rendered, 'q');
		await expect.poll(() => run.calls.some((call) => call.type === 'shutdown')).toBe(true);
	});

	it('takes X, a reason and its Enter read in one turn', async () => {
		const run = new FakeRun([agentView('sim-1')]);
		run.diffs.set('t-rev', sampleDiff);
		const {board} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, () => selectedRow(rendered).includes('t-rev'));
		await press(rendered, keys.enter);
		await frameWith(rendered, 'file 1/2');
		await press(rendered, 'Xflaky test' + keys.enter);
		await expect
			.poll(() => run.calls.filter((call) => call.type === 'rejectReview'), {timeout: 10_000})
			.toEqual([{type: 'rejectReview', taskId: 't-rev', reason: 'flaky test'}]);
	});
});
