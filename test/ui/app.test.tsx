import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {newTask} from '../../source/core/task.js';
import {notification} from '../../source/commands/interactive.js';
import {App, attachInput} from '../../source/ui/app.js';
import {keypresses} from '../../source/ui/hooks/use-latest-input.js';
import {agentView, fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, keys, noKey, press} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

const tasks = new Map([
	['bd-a', newTask({id: 'bd-a', title: 'Schema', status: 'completed'})],
	['bd-b', newTask({id: 'bd-b', title: 'API', dependencies: ['bd-a'], status: 'failed'})],
	['bd-c', newTask({id: 'bd-c', title: 'UI', dependencies: ['bd-b']})],
]);

describe('App', () => {
	it('shows the status bar: agents, tasks done, failed, ready', async () => {
		const run = new FakeRun([
			agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'}),
			agentView('sim-2'),
		]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		const frame = await frameWith(rendered, 'agents 1/2');
		expect(frame).toContain('1/3 done');
		expect(frame).toContain('1 failed');
	});

	it('opens help with ?, pages through the keys of every view, and closes with any other key', async () => {
		const run = new FakeRun();
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await press(rendered, '?');
		let help = await frameWith(rendered, 'Keys');
		const seen = [help];
		for (
			let page = 0;
			page < 5 && /page (\d+)\/(\d+)/.exec(help)?.[1] !== /page (\d+)\/(\d+)/.exec(help)?.[2];
			page++
		) {
			await press(rendered, ' ');
			help = await frameWith(rendered, (frame) => frame !== seen.at(-1));
			seen.push(help);
		}

		const all = seen.join('\n');
		for (const text of [
			'Everywhere',
			'1 · Panes',
			'2 · Tasks',
			'3 · Graph',
			'4 · Log',
			'zoom',
			'retry',
			'ctrl-b d',
		])
			expect(all).toContain(text);
		await press(rendered, 'x');
		await frameWith(rendered, (frame) => !frame.includes('closes this'));
	});

	it('asks before quitting while agents work, then stops them gracefully', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'})]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await press(rendered, 'q');
		await frameWith(rendered, 'Quit? 1 agent is working.');
		await frameWith(rendered, 'It is stopped; its task goes back to the queue, no retry spent.');
		await press(rendered, 'n');
		await frameWith(rendered, (frame) => !frame.includes('Quit?'));
		expect(run.calls.filter((call) => call.type === 'shutdown')).toEqual([]);
		await press(rendered, keys.ctrlC);
		await frameWith(rendered, 'Quit?');
		await press(rendered, 'y');
		await expect
			.poll(() => run.calls)
			.toContainEqual({type: 'shutdown', immediate: false, drain: false});
	});

	it('takes keys read together one at a time: q and y in one chunk quit', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'})]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'agents 1/1');
		await press(rendered, 'qy');
		await expect
			.poll(() => run.calls)
			.toContainEqual({type: 'shutdown', immediate: false, drain: false});
	});

	it('quits without asking when no agent works', async () => {
		const run = new FakeRun();
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await press(rendered, 'q');
		await expect
			.poll(() => run.calls)
			.toContainEqual({type: 'shutdown', immediate: false, drain: false});
	});

	it('switches views with 1-4 and tab', async () => {
		const run = new FakeRun();
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await press(rendered, '2');
		await frameWith(rendered, /2 tasks/);
		await press(rendered, keys.tab);
		await press(rendered, keys.tab);
		await press(rendered, '1');
	});

	it('offers unzoom, not zoom, in the hint line while a pane is zoomed, also after another view', async () => {
		const run = new FakeRun([agentView('sim-1'), agentView('sim-2')]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		const hint = (frame: string) => frame.split('\n').at(-1) ?? '';
		await frameWith(rendered, (frame) => hint(frame).includes('enter zoom'));
		await press(rendered, 'z');
		let frame = await frameWith(
			rendered,
			(text) => !text.includes('sim-2') && hint(text).includes('unzoom'),
		);
		expect(hint(frame)).not.toContain('enter zoom');
		await press(rendered, '2');
		await frameWith(rendered, (text) => !hint(text).includes('zoom'));
		await press(rendered, '1');
		frame = await frameWith(rendered, (text) => text.includes('sim-1'));
		expect(frame).not.toContain('sim-2');
		expect(hint(frame)).toContain('unzoom');
		expect(hint(frame)).not.toContain('enter zoom');
		await press(rendered, 'z');
		await frameWith(rendered, (text) => hint(text).includes('enter zoom'));
	});

	it('attach sends raw keys to the focused agent until ctrl-b d or ctrl-]', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'})]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'sim-1');
		await press(rendered, 'a');
		await frameWith(rendered, 'ATTACHED to sim-1');
		await press(rendered, 'q', '1', keys.up, keys.ctrlB, 'x');
		const writes = () => run.calls.flatMap((call) => (call.type === 'write' ? [call.data] : []));
		// q and 1 are the agent's now; a ctrl-b not followed by d goes through too.
		await expect.poll(() => writes().join('')).toBe(`q1${keys.up}${keys.ctrlB}x`);
		await press(rendered, keys.ctrlB, 'd');
		await frameWith(rendered, (frame) => !frame.includes('ATTACHED'));
		const sent = writes().join('');
		await press(rendered, 'a');
		await frameWith(rendered, 'ATTACHED to sim-1');
		await press(rendered, keys.ctrlBracket);
		await frameWith(rendered, (frame) => !frame.includes('ATTACHED'));
		expect(writes().join('')).toBe(sent);
		expect(run.calls.some((call) => call.type === 'shutdown')).toBe(false);
	});

	it('detaches when the attached attempt ends, so no key reaches the task the agent takes next', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'})]);
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'sim-1');
		await press(rendered, 'a');
		await frameWith(rendered, 'ATTACHED to sim-1');
		run.update({agents: [agentView('sim-1', {state: 'running', task: 'bd-d', title: 'Next'})]});
		await frameWith(rendered, (frame) => !frame.includes('ATTACHED'));
		await press(rendered, '2');
		await frameWith(rendered, /2 tasks/);
		expect(run.calls.some((call) => call.type === 'write')).toBe(false);
	});

	it('notifies once when an agent begins to wait for input, and says so in the pane and status bar', async () => {
		const run = new FakeRun([agentView('sim-1', {state: 'running', task: 'bd-c', title: 'UI'})]);
		const {board} = await fakeBoard(tasks);
		const told: string[] = [];
		const rendered = render(
			<App run={run} board={board} notify={(message) => told.push(message)} />,
		);
		await frameWith(rendered, 'sim-1');
		const waiting = agentView('sim-1', {
			state: 'running',
			task: 'bd-c',
			title: 'UI',
			waiting: 'Proceed? [y/N]',
		});
		run.update({agents: [waiting]});
		const frame = await frameWith(rendered, 'waiting for input');
		expect(frame).toContain('sim-1 waits for input');
		// The notice takes a line of its own: the frame still fits the terminal, status bar on top.
		expect(frame.split('\n')[0]).toMatch(/^jetpack agents/);
		expect(frame.split('\n').length).toBeLessThanOrEqual(24);
		run.update({agents: [{...waiting}]});
		await expect.poll(() => told).toEqual(['jetpack-tui: sim-1 waiting for input']);
	});

	it('notifies at the budget’s alert and when it is spent', async () => {
		const run = new FakeRun();
		const {board} = await fakeBoard(tasks);
		const told: string[] = [];
		const rendered = render(
			<App run={run} board={board} notify={(message) => told.push(message)} />,
		);
		await frameWith(rendered, 'agents 0/1');
		run.emit({type: 'budget.alert', spentUsd: 40, budgetUsd: 50}, 'warn');
		run.emit({type: 'budget.exhausted', spentUsd: 51, budgetUsd: 50}, 'error');
		await expect
			.poll(() => told)
			.toEqual([
				'jetpack-tui: spent $40 of the $50 budget',
				'jetpack-tui: the $50 budget is spent; no new task starts',
			]);
	});

	it('keeps the event history while another view is shown', async () => {
		const run = new FakeRun();
		const {board} = await fakeBoard(tasks);
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'agents 0/1');
		for (let n = 0; n < 300; n++) run.emit({type: 'run.warning', message: `note ${n}`});
		await press(rendered, '4');
		await frameWith(rendered, 'events 300/300');
	});

	it('notifies when the run finishes and when every profile is paused, once each', async () => {
		const run = new FakeRun([agentView('sim-1'), agentView('sim-2')]);
		const {board} = await fakeBoard(tasks);
		const told: string[] = [];
		const rendered = render(
			<App run={run} board={board} notify={(message) => told.push(message)} />,
		);
		await frameWith(rendered, 'agents 0/2');
		expect(told).toEqual([]);
		run.update({
			agents: [agentView('sim-1', {state: 'paused'}), agentView('sim-2', {state: 'paused'})],
		});
		await expect.poll(() => told).toEqual(['jetpack-tui: every agent profile is paused']);
		run.end('all-paused');
		await expect.poll(() => told).toHaveLength(2);
		expect(told[1]).toBe('jetpack-tui: run ended (all-paused)');
		await frameWith(rendered, 'run ended: all-paused');
	});

	it('starts a finished run again when a retry in the TUI makes work, and quits it as a run', async () => {
		const run = new FakeRun();
		const {board, repository} = await fakeBoard(tasks);
		run.hasWork = async () => (await repository.read()).get('bd-b')?.status !== 'failed';
		run.end('done');
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'run finished — nothing left to do');
		await press(rendered, '2');
		await frameWith(rendered, /2 tasks/);
		await press(rendered, 'R');
		await frameWith(rendered, 'Retry all 1 failed task?');
		await press(rendered, 'y');
		await expect.poll(() => run.calls).toContainEqual({type: 'resume', resumed: true});
		expect(run.getSnapshot().finished).toBeUndefined();
		await press(rendered, '1');
		await frameWith(
			rendered,
			(frame) => frame.includes('1 ready') && !frame.includes('run finished'),
		);
		// Running again: the quit is a run's quit, not the end of a finished one.
		await press(rendered, 'q');
		await expect
			.poll(() => run.calls)
			.toContainEqual({type: 'shutdown', immediate: false, drain: false});
	});

	it('does not start the run again once quitting', async () => {
		const run = new FakeRun();
		run.finishOnShutdown = false;
		const {board, repository} = await fakeBoard(tasks);
		run.end('done');
		const rendered = render(<App run={run} board={board} />);
		await frameWith(rendered, 'run finished');
		await press(rendered, 'q');
		await expect.poll(() => run.calls.some((call) => call.type === 'shutdown')).toBe(true);
		const before = board.getSnapshot().version;
		await repository.update((table) => ({tasks: new Map(table), result: undefined}));
		await board.refresh();
		await frameWith(rendered, () => board.getSnapshot().version > before);
		const asked = run.calls.map((call) => call.type);
		expect(asked.slice(asked.indexOf('shutdown'))).not.toContain('resume');
	});
});

describe('attachInput', () => {
	it('forwards everything but the ways out, even when they come in one chunk or split', () => {
		expect(attachInput('ls -la\r', false)).toEqual({
			forward: 'ls -la\r',
			detach: false,
			pending: false,
		});
		expect(attachInput('abc\u0002d', false)).toEqual({
			forward: 'abc',
			detach: true,
			pending: false,
		});
		expect(attachInput('x\u001Dy', false)).toEqual({forward: 'x', detach: true, pending: false});
		expect(attachInput('ab\u0002', false)).toEqual({forward: 'ab', detach: false, pending: true});
		expect(attachInput('d', true)).toEqual({forward: '', detach: true, pending: false});
		// ctrl-b then anything else reaches the agent, ctrl-b included.
		expect(attachInput('x', true)).toEqual({forward: '\u0002x', detach: false, pending: false});
	});
});

describe('keypresses', () => {
	const none = noKey;

	it('splits a run of typed characters into keys, named as Ink names them', () => {
		const split = keypresses('jJ\r\u0002', none);
		expect(split.map(([input]) => input)).toEqual(['j', 'J', '', 'b']);
		expect(split[1]?.[1].shift).toBe(true);
		expect(split[2]?.[1].return).toBe(true);
		expect(split[3]?.[1].ctrl).toBe(true);
	});

	it('leaves single keys and escape sequences whole', () => {
		expect(keypresses('q', none)).toEqual([['q', none]]);
		expect(keypresses('\u001B[A', none)).toEqual([['\u001B[A', none]]);
	});
});

describe('notification', () => {
	it('rings the bell and sends OSC 9, with no control character of the message left in it', () => {
		expect(notification('run finished')).toBe('\u0007\u001B]9;run finished\u0007');
		expect(notification('a\u0007b\u001B]c')).not.toMatch(/a\u0007|\u001B\]c/);
	});
});
