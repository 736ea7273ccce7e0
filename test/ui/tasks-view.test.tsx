import {Text} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {useCallback, useLayoutEffect, useState} from 'react';
import {afterEach, describe, expect, it} from 'vitest';
import {newTask, type Task, type TaskTable} from '../../source/core/task.js';
import {App} from '../../source/ui/app.js';
import {TasksView} from '../../source/ui/components/tasks-view.js';
import type {FlashLevel} from '../../source/ui/components/view-props.js';
import {KeyRouterProvider, useKeyRouter} from '../../source/ui/hooks/use-latest-input.js';
import type {RunControl, TaskBoard} from '../../source/ui/run-control.js';
import {agentView, fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, keys, plain, press, type Rendered} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const table = (...tasks: Task[]): TaskTable => new Map(tasks.map((t) => [t.id, t]));

const fixture = () =>
	table(
		newTask({id: 't-done', title: 'Schema', status: 'completed'}),
		newTask({
			id: 't-fail',
			title: 'Login API',
			status: 'failed',
			dependencies: ['t-done'],
			tags: ['api'],
			retryCount: 2,
			failureType: 'error',
			lastError: 'exit 1: tests failed',
			nextAttemptAt: '2030-01-01T00:00:00Z',
			attempts: [
				{
					n: 1,
					agent: 'sim-1',
					startedAt: '2026-11-23T08:00:00Z',
					endedAt: '2026-11-23T08:05:00Z',
					exitCode: 1,
					failureType: 'error',
				},
				{
					n: 2,
					agent: 'claude-2',
					startedAt: '2026-11-23T08:10:00Z',
					endedAt: '2026-11-23T08:12:00Z',
					exitCode: 137,
					failureType: 'oom',
				},
			],
		}),
		newTask({id: 't-fail2', title: 'Billing', status: 'failed', retryCount: 1}),
		newTask({id: 't-run', title: 'Dashboard', status: 'in_progress'}),
		newTask({id: 't-wait', title: 'Docs', dependencies: ['t-fail']}),
	);

interface Flash {
	readonly message: string;
	readonly level: FlashLevel;
}

/**
 * The app's side of the contract: keys stop reaching the view's list while it has captured them,
 * and then the app's key router hands keys read together to the view at once (render it inside a
 * `KeyRouterProvider`, as the app does).
 */
function Harness({
	run,
	board,
	width,
	height,
	flashes,
	captures,
}: {
	readonly run: RunControl;
	readonly board: TaskBoard;
	readonly width: number;
	readonly height: number;
	readonly flashes: Flash[];
	readonly captures: boolean[];
}) {
	const [captured, setCapturedState] = useState(false);
	const router = useKeyRouter();
	useLayoutEffect(() => {
		router?.setTyping(captured);
	}, [router, captured]);
	const setCaptured = useCallback(
		(value: boolean) => {
			captures.push(value);
			setCapturedState(value);
		},
		[captures],
	);
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
			width={width}
			height={height}
			keysActive={!captured}
			setCaptured={setCaptured}
			flash={flash}
		/>
	);
}

async function setup(
	tasks: TaskTable = fixture(),
	{
		width = 100,
		height = 20,
		logs = {},
	}: {width?: number; height?: number; logs?: Record<string, string[]>} = {},
) {
	const run = new FakeRun([
		agentView('sim-1', {state: 'running', task: 't-run', title: 'Dashboard'}),
		agentView('sim-2'),
	]);
	const {board, repository} = await fakeBoard(tasks, logs);
	const flashes: Flash[] = [];
	const captures: boolean[] = [];
	const rendered = render(
		<KeyRouterProvider>
			<Harness
				run={run}
				board={board}
				width={width}
				height={height}
				flashes={flashes}
				captures={captures}
			/>
		</KeyRouterProvider>,
	);
	await frameWith(rendered, 'tasks');
	const stored = async (id: string) => (await repository.read()).get(id);
	return {run, board, repository, rendered, flashes, captures, stored};
}

/** The row the selection mark is on. */
function selectedRow(rendered: Rendered): string {
	return (
		plain(rendered)
			.split('\n')
			.find((line) => line.startsWith('›')) ?? ''
	);
}

describe('TasksView', () => {
	it('draws the table: status, id, priority, attempts, title, agent and last error, failed first', async () => {
		const {rendered} = await setup();
		const frame = await frameWith(rendered, '5/5 tasks');
		expect(frame).toContain('sort: status');
		expect(frame).toMatch(/ID\s+PRI\s+TRY\s+TITLE\s+AGENT\s+LAST ERROR/);
		const lines = frame.split('\n');
		const order = ['Login API', 'Billing', 'Dashboard', 'Docs', 'Schema'].map((title) =>
			lines.findIndex((line) => line.includes(title)),
		);
		expect(order).toEqual([...order].sort((a, b) => a - b));
		expect(lines.find((line) => line.includes('Login API'))).toMatch(
			/^› ✗ t-fail\s+med\s+2 Login API.*exit 1: tests failed/,
		);
		expect(lines.find((line) => line.includes('Dashboard'))).toContain('sim-1');
	});

	it('hides the last error on a narrow terminal', async () => {
		const {rendered} = await setup(fixture(), {width: 80});
		const frame = await frameWith(rendered, '5/5 tasks');
		expect(frame).not.toContain('LAST ERROR');
		expect(frame).not.toContain('tests failed');
		expect(frame).toContain('Login API');
	});

	it('filters by status:failed and clears the filter with esc', async () => {
		const {rendered, captures} = await setup();
		await press(rendered, '/');
		await frameWith(rendered, '/ ');
		expect(captures).toContain(true);
		await press(rendered, 'status:failed', keys.enter);
		const frame = await frameWith(rendered, '2/5 tasks');
		expect(frame).toContain('filter: status:failed');
		expect(frame).toContain('Login API');
		expect(frame).toContain('Billing');
		expect(frame).not.toContain('Dashboard');
		expect(frame).not.toContain('Schema');
		expect(captures.at(-1)).toBe(false);
		await press(rendered, keys.esc);
		await frameWith(rendered, '5/5 tasks');
	});

	it('filters by tag and text, and esc while typing puts the old filter back', async () => {
		const {rendered} = await setup();
		await press(rendered, '/');
		await frameWith(rendered, '/ ');
		await press(rendered, 'tag:api', keys.enter);
		await frameWith(rendered, '1/5 tasks');
		await press(rendered, '/');
		await frameWith(rendered, '/ tag:api');
		await press(rendered, ' nothing-matches');
		await frameWith(rendered, 'No task matches');
		await press(rendered, keys.esc);
		const frame = await frameWith(rendered, '1/5 tasks');
		expect(frame).toContain('filter: tag:api');
		expect(frame).toContain('Login API');
	});

	it('cycles the sort order with s', async () => {
		const {rendered} = await setup();
		await press(rendered, 's');
		await frameWith(rendered, 'sort: priority');
		await press(rendered, 's');
		await frameWith(rendered, 'sort: critical path');
		await press(rendered, 's');
		await frameWith(rendered, 'sort: age');
		await press(rendered, 's');
		await frameWith(rendered, 'sort: cost (costliest first)');
		await press(rendered, 's');
		await frameWith(rendered, 'sort: status');
	});

	it('shows what each task spent in a COST column once some task has, and sorts by it', async () => {
		const spent = (n: number, usage: Record<string, unknown>) => ({
			n,
			agent: 'claude-1',
			startedAt: '2026-11-23T08:00:00Z',
			endedAt: '2026-11-23T08:05:00Z',
			exitCode: 0,
			usage,
		});
		const costs: Record<string, Array<ReturnType<typeof spent>>> = {
			't-done': [spent(1, {costUsd: 1.5}), spent(2, {costUsd: 0.9})],
			't-fail2': [spent(1, {model: 'gpt-5', costUsd: 0.042, costEstimated: true})],
		};
		const tasks = table(
			...[...fixture().values()].map((task) => ({
				...task,
				attempts: costs[task.id] ?? task.attempts,
			})),
		);
		const {rendered} = await setup(tasks);
		const frame = await frameWith(rendered, 'COST');
		expect(frame).toMatch(/ID\s+PRI\s+TRY\s+COST\s+TITLE\s+AGENT\s+LAST ERROR/);
		const row = (text: string, id: string) =>
			text.split('\n').find((line) => line.includes(` ${id} `)) ?? '';
		expect(row(frame, 't-done')).toMatch(/t-done\s+med\s+2\s+\$2\.40 Schema/);
		expect(row(frame, 't-fail2')).toMatch(/t-fail2\s+med\s+1\s+~\$0\.042 Billing/);
		expect(row(frame, 't-wait')).toMatch(/t-wait\s+med\s+0\s+Docs/);
		for (let i = 0; i < 4; i++) await press(rendered, 's');
		const sorted = await frameWith(rendered, 'sort: cost');
		const lines = sorted.split('\n');
		const at = (title: string) => lines.findIndex((line) => line.includes(title));
		expect(at('Schema')).toBeLessThan(at('Billing'));
		expect(at('Billing')).toBeLessThan(at('Login API'));
	});

	it('moves with j/k and keeps the selection on the same task when the store changes outside', async () => {
		const {rendered, repository, board} = await setup();
		await press(rendered, 'j', 'j');
		await frameWith(rendered, () => selectedRow(rendered).includes('Dashboard'));
		// Another failed task sorts above it: the selection follows the task, not the row.
		await repository.update((tasks) => ({
			tasks: new Map([
				...tasks,
				['t-aaa', newTask({id: 't-aaa', title: 'Outside', status: 'failed'})],
			]),
			result: undefined,
		}));
		await board.refresh();
		await frameWith(rendered, '6/6 tasks');
		expect(selectedRow(rendered)).toContain('Dashboard');
		await press(rendered, 'k');
		await frameWith(rendered, () => selectedRow(rendered).includes('Billing'));
	});

	it('keeps the selection in place when its task goes away', async () => {
		const {rendered, repository, board} = await setup();
		await press(rendered, 'j');
		await frameWith(rendered, () => selectedRow(rendered).includes('Billing'));
		await repository.update((tasks) => {
			const next = new Map(tasks);
			next.delete('t-fail2');
			return {tasks: next, result: undefined};
		});
		await board.refresh();
		await frameWith(rendered, '4/4 tasks');
		expect(selectedRow(rendered)).toContain('Dashboard');
	});

	it('r retries the failed task: runnable again, retries reset, backoff cleared', async () => {
		const {rendered, stored, flashes} = await setup();
		await press(rendered, 'r');
		await expect.poll(async () => (await stored('t-fail'))?.status).toBe('ready');
		const task = await stored('t-fail');
		expect(task?.retryCount).toBe(0);
		expect(task?.nextAttemptAt).toBeUndefined();
		expect(task?.lastError).toBeUndefined();
		await frameWith(rendered, '○ t-fail');
		expect(flashes.at(-1)?.message).toContain('t-fail retried');
	});

	it('r on a task that cannot be retried says why and changes nothing', async () => {
		const {rendered, stored, flashes} = await setup();
		await press(rendered, 'G');
		await frameWith(rendered, () => selectedRow(rendered).includes('Schema'));
		await press(rendered, 'r');
		await expect
			.poll(() => flashes.at(-1))
			.toEqual({
				message: 't-done is completed; there is nothing to retry.',
				level: 'error',
			});
		expect((await stored('t-done'))?.status).toBe('completed');
	});

	it('R asks, then retries every failed task', async () => {
		const {rendered, repository} = await setup();
		const failed = async () =>
			[...(await repository.read()).values()].filter((t) => t.status === 'failed').length;
		await press(rendered, 'R');
		await frameWith(rendered, 'Retry all 2 failed tasks?');
		await press(rendered, 'n');
		await frameWith(rendered, (frame) => !frame.includes('Retry all'));
		expect(await failed()).toBe(2);
		await press(rendered, 'R');
		await frameWith(rendered, 'Retry all 2 failed tasks?');
		await press(rendered, 'y');
		await expect.poll(failed).toBe(0);
		expect((await repository.read()).get('t-fail2')?.retryCount).toBe(0);
	});

	it('p cycles the priority in the store', async () => {
		const {rendered, stored} = await setup();
		await press(rendered, 'p');
		await expect.poll(async () => (await stored('t-fail'))?.priority).toBe('high');
		await press(rendered, 'p');
		await expect.poll(async () => (await stored('t-fail'))?.priority).toBe('critical');
		await frameWith(rendered, /t-fail\s+crit/);
	});

	it('b blocks with a reason, and b again unblocks', async () => {
		const {rendered, stored, captures} = await setup();
		await press(rendered, 'j', 'j', 'j');
		await frameWith(rendered, () => selectedRow(rendered).includes('Docs'));
		await press(rendered, 'b');
		await frameWith(rendered, 'Block t-wait');
		expect(captures.at(-1)).toBe(true);
		await press(rendered, keys.enter);
		await frameWith(rendered, 'Give a reason');
		expect((await stored('t-wait'))?.status).toBe('pending');
		// Keys that are commands in the list are text here.
		await press(rendered, 'waiting on design q2', keys.enter);
		await expect
			.poll(async () => (await stored('t-wait'))?.blockers)
			.toEqual(['waiting on design q2']);
		expect((await stored('t-wait'))?.status).toBe('blocked');
		expect(captures.at(-1)).toBe(false);
		await frameWith(rendered, () => selectedRow(rendered).includes('⊘ t-wait'));
		await press(rendered, 'b');
		await expect.poll(async () => (await stored('t-wait'))?.status).toBe('pending');
		expect((await stored('t-wait'))?.blockers).toEqual([]);
	});

	it('e edits the title and description; esc cancels without a write', async () => {
		const {rendered, stored} = await setup();
		await press(rendered, 'e');
		await frameWith(rendered, 'Edit t-fail');
		expect(plain(rendered)).toContain('Login API');
		await press(rendered, ' v2', keys.tab);
		await frameWith(rendered, '› description');
		await press(rendered, 'Rate limits too', keys.enter);
		await expect.poll(async () => (await stored('t-fail'))?.title).toBe('Login API v2');
		expect((await stored('t-fail'))?.description).toBe('Rate limits too');
		await frameWith(rendered, 'Login API v2');
		await press(rendered, 'e');
		await frameWith(rendered, 'Edit t-fail');
		await press(rendered, 'zzz', keys.esc);
		await frameWith(rendered, (frame) => !frame.includes('Edit t-fail'));
		expect((await stored('t-fail'))?.title).toBe('Login API v2');
	});

	it('n adds a task with a priority and dependencies completed by tab', async () => {
		const {rendered, repository, flashes} = await setup();
		await press(rendered, 'n');
		await frameWith(rendered, 'New task');
		await press(rendered, 'Search page', keys.tab, keys.left, keys.tab);
		await frameWith(rendered, '› depends on');
		await press(rendered, 't-do', keys.tab);
		await frameWith(rendered, 't-done,');
		await press(rendered, 't-fa', keys.tab);
		await frameWith(rendered, 't-fail  t-fail2');
		await press(rendered, '2', keys.enter);
		await expect.poll(async () => (await repository.read()).size).toBe(6);
		const added = [...(await repository.read()).values()].find((t) => t.title === 'Search page');
		expect(added).toMatchObject({
			priority: 'high',
			dependencies: ['t-done', 't-fail2'],
			status: 'pending',
		});
		// No retries of its own: the config's apply, now and after the config changes (§3).
		expect(added).not.toHaveProperty('maxRetries');
		await frameWith(rendered, () => selectedRow(rendered).includes('Search page'));
		expect(flashes.at(-1)?.message).toContain(`Added ${added?.id ?? '?'}`);
	});

	it('n with an unknown dependency says so in the form and writes nothing', async () => {
		const {rendered, repository} = await setup();
		await press(rendered, 'n');
		await frameWith(rendered, 'New task');
		await press(rendered, 'Orphan', keys.down, keys.down);
		await frameWith(rendered, '› depends on');
		await press(rendered, 't-done nope', keys.enter);
		await frameWith(rendered, 'No task nope');
		expect(plain(rendered)).toContain('New task');
		expect((await repository.read()).size).toBe(5);
		await press(rendered, keys.esc);
		await frameWith(rendered, (frame) => !frame.includes('New task'));
		expect((await repository.read()).size).toBe(5);
	});

	it('n with no title asks for one', async () => {
		const {rendered, repository} = await setup();
		await press(rendered, 'n');
		await frameWith(rendered, 'New task');
		await press(rendered, keys.enter, keys.enter, keys.enter);
		await frameWith(rendered, 'The title is required.');
		expect((await repository.read()).size).toBe(5);
	});

	it('d asks, then marks the task completed', async () => {
		const {rendered, stored} = await setup();
		await press(rendered, 'd');
		await frameWith(rendered, 'Mark t-fail done?');
		await press(rendered, 'x');
		await frameWith(rendered, (frame) => !frame.includes('Mark t-fail done?'));
		expect((await stored('t-fail'))?.status).toBe('failed');
		await press(rendered, 'd');
		await frameWith(rendered, 'Mark t-fail done?');
		await press(rendered, keys.enter);
		await expect.poll(async () => (await stored('t-fail'))?.status).toBe('completed');
		expect((await stored('t-wait'))?.status).toBe('ready');
	});

	it('x stops the agent working on the task, and says when nobody is', async () => {
		const {rendered, run, flashes} = await setup();
		await press(rendered, 'x');
		await expect.poll(() => flashes.at(-1)?.message).toBe('No agent is working on t-fail.');
		expect(run.calls).toEqual([]);
		await press(rendered, 'j', 'j');
		await frameWith(rendered, () => selectedRow(rendered).includes('Dashboard'));
		await press(rendered, 'x');
		await expect.poll(() => run.calls).toContainEqual({type: 'stopTask', taskId: 't-run'});
	});

	it('enter shows the details: dependencies, dependents, attempts, last error and the log tail', async () => {
		const {rendered, stored} = await setup(fixture(), {
			height: 30,
			logs: {'t-fail/2': ['compiling', 'FATAL: out of memory']},
		});
		await press(rendered, keys.enter);
		const frame = await frameWith(rendered, 'FATAL: out of memory');
		expect(frame).toContain('details of t-fail');
		expect(frame).toContain('Login API');
		expect(frame).toMatch(/depends on:\n\s+✓ t-done completed · Schema/);
		expect(frame).toMatch(/needed by:\n\s+· t-wait pending · Docs/);
		expect(frame).toMatch(/#1 sim-1 .*\(05:00\)\s+error\s+exit 1/);
		expect(frame).toMatch(/#2 claude-2 .*oom\s+exit 137/);
		expect(frame).toContain('last error (error): exit 1: tests failed');
		expect(frame).toContain('log of attempt #2');
		expect(frame).toContain('compiling');
		// Triage keys work here too, and the details follow the task.
		await press(rendered, 'p');
		await expect.poll(async () => (await stored('t-fail'))?.priority).toBe('high');
		await frameWith(rendered, 'failed · high');
		await press(rendered, keys.esc);
		await frameWith(rendered, 'LAST ERROR');
	});

	it('details of a task with no attempts say so', async () => {
		const {rendered} = await setup();
		await press(rendered, 'G', keys.enter);
		const frame = await frameWith(rendered, 'details of t-done');
		expect(frame).toContain('attempts: none yet');
		expect(frame).toContain('depends on: none');
	});

	it('details show the newest notes of a task, what its dependents are told', async () => {
		const tasks = new Map(fixture());
		const done = tasks.get('t-done') as Task;
		tasks.set('t-done', {
			...done,
			notes: ['oldest', 'the DB listens on 5433', 'run migrations first'],
		});
		const {rendered} = await setup(tasks);
		await press(rendered, 'G', keys.enter);
		const frame = await frameWith(rendered, 'details of t-done');
		expect(frame).toMatch(
			/notes \(newest 2 of 3\):\n\s+the DB listens on 5433\n\s+run migrations first/,
		);
		expect(frame).not.toContain('oldest');
	});

	it('keeps its filter, sort and selection when the app switches away and back', async () => {
		const {rendered, run, board} = await setup();
		await press(rendered, 's', 'j');
		await press(rendered, '/');
		await frameWith(rendered, '/ ');
		await press(rendered, 'status:failed', keys.enter);
		await frameWith(rendered, '2/5 tasks');
		const selected = selectedRow(rendered);
		rendered.rerender(<Text>another view</Text>);
		await frameWith(rendered, 'another view');
		rendered.rerender(
			<KeyRouterProvider>
				<Harness run={run} board={board} width={100} height={20} flashes={[]} captures={[]} />
			</KeyRouterProvider>,
		);
		const frame = await frameWith(rendered, '2/5 tasks');
		expect(frame).toContain('sort: priority');
		expect(selectedRow(rendered)).toBe(selected);
	});

	it('in the app, text typed into a form is text: q does not quit, 3 does not switch views', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 't-run'})]);
		const {board, repository} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, '5/5 tasks');
		await press(rendered, 'b');
		await frameWith(rendered, 'Block t-fail');
		// One key at a time, as typed: each must reach the form, none the app.
		for (const [index, key] of ['q', '3', '?'].entries()) {
			await press(rendered, key);
			await frameWith(rendered, `reason ${'q3?'.slice(0, index + 1)}`);
		}

		await press(rendered, keys.enter);
		await expect
			.poll(async () => (await repository.read()).get('t-fail')?.blockers)
			.toEqual(['q3?']);
		expect(run.calls).toEqual([]);
		await frameWith(rendered, '⊘ t-fail');
		// The keys are the app's again once the form is closed.
		await press(rendered, '3');
		await frameWith(rendered, (frame) => !frame.includes('5/5 tasks'));
	});

	it('takes every key typed into the filter in one turn, and the Enter that came with them', async () => {
		const {rendered} = await setup();
		await press(rendered, '/');
		await frameWith(rendered, '/ ');
		// Reads in one turn, as a terminal hands them over when the app is busy: each must find the
		// text the one before it made, with no render in between.
		rendered.stdin.write('status:');
		rendered.stdin.write('failed');
		rendered.stdin.write(keys.enter);
		const frame = await frameWith(
			rendered,
			(text) => text.includes('filter: status:failed') && !/^\/ /m.test(text),
		);
		expect(frame).toContain('2/5 tasks');
	});

	it('in the app, a filter typed in the same read as the / that opens it is all taken', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 't-run'})]);
		const {board} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, '5/5 tasks');
		await press(rendered, '/status:failed' + keys.enter);
		const frame = await frameWith(
			rendered,
			(text) => text.includes('filter: status:failed') && !/^\/ /m.test(text),
		);
		expect(frame).toContain('2/5 tasks');
	});

	it('in the app, a new task typed in one read, tab, choice and Enter included, is added as typed', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 't-run'})]);
		const {board, repository} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, '5/5 tasks');
		// A paste or a fast typist: the key that opens the form and everything typed into it at once.
		await press(
			rendered,
			'nSearch page' + keys.tab + 'h' + keys.tab + 't-do' + keys.tab + 't-fail2' + keys.enter,
		);
		// A key at a time, each after the screen the one before it made: give the run of keys time.
		await expect.poll(async () => (await repository.read()).size, {timeout: 10_000}).toBe(6);
		const added = [...(await repository.read()).values()].find((t) => t.id.startsWith('bd-'));
		expect(added).toMatchObject({
			title: 'Search page',
			priority: 'high',
			dependencies: ['t-done', 't-fail2'],
		});
		expect(run.calls).toEqual([]);
	});

	it('in the app, b and a reason with its Enter in one read block the task with that reason', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 't-run'})]);
		const {board, repository} = await fakeBoard(fixture());
		const rendered = render(<App run={run} board={board} initialView="tasks" />);
		await frameWith(rendered, '5/5 tasks');
		await press(rendered, 'bwaiting on q3' + keys.enter);
		await expect
			.poll(async () => (await repository.read()).get('t-fail')?.blockers, {timeout: 10_000})
			.toEqual(['waiting on q3']);
		expect((await repository.read()).get('t-fail')?.status).toBe('blocked');
		expect(run.calls).toEqual([]);
	});

	it('the edit form takes text, tab and Enter read in one turn, and saves what was typed', async () => {
		const {rendered, stored} = await setup();
		await press(rendered, 'e');
		await frameWith(rendered, 'Edit t-fail');
		rendered.stdin.write(' v2');
		rendered.stdin.write(keys.tab);
		rendered.stdin.write('Rate');
		rendered.stdin.write(' limits');
		rendered.stdin.write(keys.enter);
		await expect.poll(async () => (await stored('t-fail'))?.title).toBe('Login API v2');
		expect((await stored('t-fail'))?.description).toBe('Rate limits');
	});

	it('draws only the window of 10,000 tasks and moves through them', async () => {
		const many = new Map<string, Task>();
		for (let i = 0; i < 10_000; i++) {
			const id = `bd-${String(i).padStart(5, '0')}`;
			many.set(
				id,
				newTask({
					id,
					title: `Task number ${i}`,
					status: i % 7 === 0 ? 'failed' : 'pending',
					dependencies: i > 0 && i % 3 === 0 ? [`bd-${String(i - 1).padStart(5, '0')}`] : [],
				}),
			);
		}

		const {rendered} = await setup(many, {height: 20});
		const frame = await frameWith(rendered, '10000/10000 tasks');
		expect(frame.split('\n').length).toBeLessThanOrEqual(20);
		// Header, column titles and the legend line; the rest are rows.
		expect(frame.split('\n').filter((line) => line.includes('Task number'))).toHaveLength(17);
		await press(rendered, 'G');
		await frameWith(rendered, () => selectedRow(rendered).includes('bd-09999'));
		// 9996 failed, so it is listed far above.
		await press(rendered, 'k');
		await frameWith(rendered, () => selectedRow(rendered).includes('bd-09993'));
		await press(rendered, keys.pageUp, 'g');
		await frameWith(rendered, () => selectedRow(rendered).includes('bd-00000'));
		await press(rendered, '/');
		await frameWith(rendered, '/ ');
		await press(rendered, 'id:bd-0999', keys.enter);
		await frameWith(rendered, '10/10000 tasks');
	});
});

describe('TasksView symbols', () => {
	it('marks tasks stuck behind a cycle apart from tasks that wait, and says what each symbol means', async () => {
		const {rendered} = await setup(
			table(
				newTask({id: 't-a', title: 'Loop one', dependencies: ['t-b']}),
				newTask({id: 't-b', title: 'Loop two', dependencies: ['t-a']}),
				newTask({id: 't-c', title: 'After the loop', dependencies: ['t-a']}),
				newTask({id: 't-d', title: 'First'}),
				newTask({id: 't-e', title: 'Waits', dependencies: ['t-d']}),
			),
			{width: 120, height: 30},
		);
		const frame = await frameWith(rendered, '5/5 tasks');
		const row = (id: string) => frame.split('\n').find((line) => line.includes(id)) ?? '';
		for (const id of ['t-a', 't-b', 't-c']) expect(row(id)).toMatch(/^. ↻ /);
		expect(row('t-e')).toMatch(/^. · /);
		expect(frame).toMatch(/◑ working +◔ starting +○ ready +· waiting +↻ stuck +⊘ blocked/);
	});

	it('leaves the legend out when the rows need every line', async () => {
		const {rendered} = await setup(fixture(), {width: 80, height: 8});
		const frame = await frameWith(rendered, '5/5 tasks');
		expect(frame).not.toContain('↻ stuck');
	});
});

describe('TasksView changes in the run log', () => {
	it('puts every change made here in the run log: retry, priority, edit, block, unblock, done, new', async () => {
		const {rendered, run} = await setup();
		const changes = () =>
			run
				.recentEvents()
				.flatMap(({event, level}) =>
					event.type === 'task.changed'
						? [`${level} ${event.by} ${event.task}: ${event.change}`]
						: [],
				);
		const expectChange = async (pattern: RegExp) => {
			await expect
				.poll(() => changes().find((line) => pattern.test(line)) ?? changes().join('\n'))
				.toMatch(pattern);
		};

		await frameWith(rendered, () => selectedRow(rendered).includes('t-fail '));
		await press(rendered, 'r');
		await expectChange(/^info tui t-fail: retried: ready, retries reset$/);
		await press(rendered, 'p');
		await expectChange(/^info tui t-fail: priority /);
		await press(rendered, 'e');
		await frameWith(rendered, 'Edit t-fail');
		await press(rendered, ' v2', keys.enter, keys.enter);
		await expectChange(/^info tui t-fail: edited: Login API v2$/);
		await press(rendered, 'b');
		await frameWith(rendered, 'Block t-fail');
		await press(rendered, 'design review', keys.enter);
		await expectChange(/^info tui t-fail: blocked: design review$/);
		await press(rendered, 'b');
		await expectChange(/^info tui t-fail: unblocked: /);
		await press(rendered, 'd');
		await frameWith(rendered, 'Mark t-fail done?');
		await press(rendered, keys.enter);
		await expectChange(/^info tui t-fail: marked done$/);
		await press(rendered, 'n');
		await frameWith(rendered, 'New task');
		await press(rendered, 'Search page', keys.enter, keys.enter, keys.enter);
		await expectChange(/^info tui [\w-]+: added: Search page \(medium, ready\)$/);
		expect(changes()).toHaveLength(7);
	});
});
