import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {Screen} from '../../source/core/agent-ports.js';
import type {AgentView} from '../../source/core/orchestrator.js';
import {newTask, type TaskTable} from '../../source/core/task.js';
import {PanesView} from '../../source/ui/components/panes-view.js';
import type {FlashLevel} from '../../source/ui/components/view-props.js';
import type {TaskBoard} from '../../source/ui/run-control.js';
import {agentView, fakeBoard, FakeRun, FakeScreen} from '../helpers/fake-run.js';
import {frameWith, keys, plain, press, type Rendered} from '../helpers/ink.js';

// Border and memory colours are part of what is checked: ink's chalk picks its colour depth when it
// loads, so it is told, before any import, to use colours whatever the test's terminal says.
vi.hoisted(() => {
	process.env['FORCE_COLOR'] = '3';
	process.env['COLORTERM'] = 'truecolor';
});

afterEach(() => {
	cleanup();
});

interface Harness {
	readonly rendered: Rendered & {rerender(tree: React.ReactElement): void};
	readonly run: FakeRun;
	readonly flashes: {message: string; level: FlashLevel}[];
	readonly attaches: string[];
	readonly questions: {question: string; detail: string | undefined; yes: () => void}[];
	readonly show: (attached?: string) => void;
}

async function panes(
	agents: readonly AgentView[],
	options: {
		width?: number;
		height?: number;
		tasks?: TaskTable;
		board?: TaskBoard;
		screens?: Record<string, FakeScreen>;
	} = {},
): Promise<Harness> {
	const run = new FakeRun(agents);
	for (const [name, screen] of Object.entries(options.screens ?? {})) run.screens.set(name, screen);
	const board = options.board ?? (await fakeBoard(options.tasks)).board;
	const flashes: Harness['flashes'] = [];
	const attaches: string[] = [];
	const questions: Harness['questions'] = [];
	const tree = (attached?: string) => (
		<PanesView
			run={run}
			board={board}
			width={options.width ?? 100}
			height={options.height ?? 30}
			keysActive
			setCaptured={() => undefined}
			flash={(message, level = 'info') => {
				flashes.push({message, level});
			}}
			attached={attached}
			onAttach={(agent) => {
				attaches.push(agent);
			}}
			confirm={(question, detail, yes) => {
				questions.push({question, detail, yes});
			}}
		/>
	);
	const rendered = render(tree());
	return {
		rendered,
		run,
		flashes,
		attaches,
		questions,
		show: (attached) => {
			rendered.rerender(tree(attached));
		},
	};
}

const names = (count: number) =>
	Array.from({length: count}, (_, index) => agentView(`sim-${index + 1}`));

/** The lines of the plain frame that hold a pane's top border. */
const titleLines = (frame: string) => frame.split('\n').filter((line) => line.includes('┌'));

function occurrences(frame: string, text: string): number {
	return frame.split(text).length - 1;
}

/** The agent whose top border is drawn in the focus colour (cyan). */
function focusedIn(raw: string): string | undefined {
	return /\u001B\[36m┌ (?:\u001B\[[\d;]*m)*(sim-\d+)/.exec(raw)?.[1];
}

/** The colour codes drawn just before `text` in the raw frame. */
function styleBefore(raw: string, text: string): string {
	const at = raw.indexOf(text);
	expect(at).toBeGreaterThan(-1);

	return /(?:\u001B\[[\d;]*m)*$/.exec(raw.slice(Math.max(0, at - 40), at))?.[0] ?? '';
}

const minutesAgo = (minutes: number, seconds = 0) =>
	new Date(Date.now() - (minutes * 60 + seconds) * 1000).toISOString();

describe('PanesView layout', () => {
	it('gives one agent the whole view', async () => {
		const {rendered} = await panes(names(1), {width: 60, height: 10});
		const frame = await frameWith(rendered, 'sim-1');
		const lines = frame.split('\n');
		expect(lines).toHaveLength(10);
		expect(lines[0]).toMatch(/^┌ sim-1 · idle ─+┐$/);
		expect(lines[0]).toHaveLength(60);
		expect(lines[9]).toBe(`└${'─'.repeat(58)}┘`);
	});

	it('puts 3 agents side by side, each title once', async () => {
		const {rendered} = await panes(names(3));
		const frame = await frameWith(rendered, 'sim-3');
		for (const name of ['sim-1', 'sim-2', 'sim-3']) expect(occurrences(frame, name)).toBe(1);
		const titles = titleLines(frame);
		expect(titles).toHaveLength(1);
		expect(titles[0]).toMatch(/sim-1.*sim-2.*sim-3/);
		expect(frame.split('\n')).toHaveLength(30);
	});

	it('tiles 8 agents in two rows of four', async () => {
		const {rendered} = await panes(names(8));
		const frame = await frameWith(rendered, 'sim-8');
		for (let n = 1; n <= 8; n++) expect(occurrences(frame, `sim-${n} `)).toBe(1);
		const titles = titleLines(frame);
		expect(titles).toHaveLength(2);
		expect(titles[0]).toMatch(/sim-1.*sim-2.*sim-3.*sim-4/);
		expect(titles[1]).toMatch(/sim-5.*sim-6.*sim-7.*sim-8/);
		expect(frame.split('\n')).toHaveLength(30);
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
	});

	it("sizes every agent's pty to its pane's inner size from the start", async () => {
		const {run} = await panes(names(3));
		// 100 columns in three: 33, 33, 34; 30 rows; a border all round.
		await vi.waitFor(() => {
			expect(run.calls).toEqual([
				{type: 'resize', agent: 'sim-1', cols: 31, rows: 28},
				{type: 'resize', agent: 'sim-2', cols: 31, rows: 28},
				{type: 'resize', agent: 'sim-3', cols: 32, rows: 28},
			]);
		});
	});

	it('re-tiles and resizes the ptys when an agent joins', async () => {
		const {run, rendered} = await panes(names(1));
		await frameWith(rendered, 'sim-1');
		run.update({agents: names(2)});
		await frameWith(rendered, 'sim-2');
		await vi.waitFor(() => {
			expect(run.calls).toContainEqual({type: 'resize', agent: 'sim-1', cols: 48, rows: 28});
			expect(run.calls).toContainEqual({type: 'resize', agent: 'sim-2', cols: 48, rows: 28});
		});
	});
});

describe('PanesView titles and screens', () => {
	it('shows agent, task id and title, elapsed and memory in the top border', async () => {
		const {rendered} = await panes([
			agentView('sim-1', {
				state: 'running',
				task: 'bd-c',
				title: 'Build the UI',
				startedAt: minutesAgo(3, 12),
				rssMb: 412,
				limitMb: 2048,
			}),
		]);
		const frame = await frameWith(rendered, 'bd-c');
		expect(titleLines(frame)[0]).toMatch(/┌ sim-1 · bd-c Build the UI · 03:1\d · 412 MB ─+┐/);
		expect(styleBefore(rendered.lastFrame() ?? '', '412 MB')).not.toContain('[33m');
	});

	it('draws the memory in yellow past 90% of its limit', async () => {
		const {rendered} = await panes([
			agentView('sim-1', {
				state: 'running',
				task: 'bd-c',
				title: 'UI',
				startedAt: minutesAgo(1),
				rssMb: 950,
				limitMb: 1000,
			}),
		]);
		await frameWith(rendered, '950 MB');
		expect(styleBefore(rendered.lastFrame() ?? '', '950 MB')).toContain('\u001B[33m');
	});

	it('shortens the task title first when the title does not fit', async () => {
		const {rendered} = await panes(
			[
				agentView('sim-1', {
					state: 'running',
					task: 'bd-c',
					title: 'A very long task title that cannot possibly fit in the border',
					startedAt: minutesAgo(1),
					rssMb: 300,
					limitMb: 1000,
				}),
			],
			{width: 50, height: 8},
		);
		const frame = await frameWith(rendered, 'bd-c');
		const title = titleLines(frame)[0] ?? '';
		expect(title).toHaveLength(50);
		expect(title).toMatch(/┌ sim-1 · bd-c A very.*… · 01:0\d · 300 MB ─*┐/);
	});

	it('names the task branch while the agent works in a worktree, and drops it first when narrow', async () => {
		const agent = agentView('sim-1', {
			state: 'running',
			task: 'bd-c',
			title: 'Build the UI',
			branch: 'jetpack/tasks/bd-c',
			startedAt: minutesAgo(1),
			rssMb: 300,
			limitMb: 1000,
		});
		const wide = await panes([agent], {width: 100, height: 8});
		let frame = await frameWith(wide.rendered, 'bd-c');
		expect(titleLines(frame)[0]).toMatch(
			/┌ sim-1 · bd-c Build the UI · jetpack\/tasks\/bd-c · 01:0\d · 300 MB ─+┐/,
		);
		cleanup();
		// No room for all of it: the branch goes, the task title stays whole.
		const narrow = await panes([agent], {width: 50, height: 8});
		frame = await frameWith(narrow.rendered, 'bd-c');
		const title = titleLines(frame)[0] ?? '';
		expect(title).toHaveLength(50);
		expect(title).toMatch(/┌ sim-1 · bd-c Build the UI · 01:0\d · 300 MB ─*┐/);
		expect(title).not.toContain('jetpack/');
	});

	it("shows the agent's screen inside its pane", async () => {
		const {rendered, run} = await panes(
			[
				agentView('sim-1', {state: 'running', task: 'bd-a', title: 'A', startedAt: minutesAgo(0)}),
				agentView('sim-2', {state: 'running', task: 'bd-b', title: 'B', startedAt: minutesAgo(0)}),
			],
			{width: 80, height: 10},
		);
		run.screens.get('sim-2')?.text(['$ npm test', 'all green']);
		const frame = await frameWith(rendered, 'all green');
		const lines = frame.split('\n');
		expect(lines[1]).toMatch(/^│ +││\$ npm test +│$/);
		expect(lines[2]).toMatch(/^│ +││all green +│$/);
		run.screens.get('sim-1')?.text(['first agent']);
		await frameWith(rendered, '│first agent');
		expect(plain(rendered)).toContain('all green');
	});

	it('redraws only the pane whose screen changed', async () => {
		/** A screen that counts how often a pane draws its lines, which it does each time it renders. */
		class CountedScreen extends FakeScreen {
			reads = 0;
			override show(screen: Screen) {
				super.show({
					...screen,
					lines: new Proxy([...screen.lines], {
						get: (target, property, receiver) => {
							if (typeof property === 'string' && /^\d+$/.test(property)) this.reads++;
							return Reflect.get(target, property, receiver) as unknown;
						},
					}),
				});
			}
		}

		const quiet = new CountedScreen();
		const busy = new CountedScreen();
		const {rendered, run} = await panes(
			[
				agentView('sim-1', {state: 'running', task: 'bd-a', title: 'A'}),
				agentView('sim-2', {state: 'running', task: 'bd-b', title: 'B'}),
			],
			{screens: {'sim-1': quiet, 'sim-2': busy}},
		);
		quiet.text(['quiet']);
		await frameWith(rendered, 'quiet');
		const before = quiet.reads;
		for (let n = 0; n < 5; n++) {
			busy.text([`busy ${n}`]);
			await frameWith(rendered, `busy ${n}`);
		}

		expect(busy.reads).toBeGreaterThanOrEqual(5);
		expect(quiet.reads).toBe(before);

		// A new snapshot (new agent objects) where only sim-2 changed redraws only sim-2's pane.
		run.update({
			agents: [
				agentView('sim-1', {state: 'running', task: 'bd-a', title: 'A'}),
				agentView('sim-2', {state: 'running', task: 'bd-b', title: 'B', rssMb: 321}),
			],
		});
		await frameWith(rendered, '321 MB');
		expect(quiet.reads).toBe(before);
	});

	it('shows the cursor end of a screen taller than the pane, before its resize lands', async () => {
		const {rendered, run} = await panes(
			[agentView('sim-1', {state: 'running', task: 'bd-a', title: 'A'})],
			{width: 40, height: 6},
		);
		run.screens.get('sim-1')?.show({
			cols: 40,
			rows: 10,
			lines: Array.from({length: 10}, (_, y) => [{text: `row ${y}`}]),
			cursor: {x: 0, y: 9},
		});
		const frame = await frameWith(rendered, 'row 9');
		expect(frame.split('\n').slice(1, 5)).toEqual(
			['row 6', 'row 7', 'row 8', 'row 9'].map((text) => `│${text.padEnd(38)}│`),
		);
	});

	it('marks the attached pane', async () => {
		const harness = await panes(names(2));
		await frameWith(harness.rendered, 'sim-2');
		expect(plain(harness.rendered)).not.toContain('ATTACHED');
		harness.show('sim-2');
		const frame = await frameWith(harness.rendered, 'ATTACHED');
		expect(titleLines(frame)[0]).toMatch(/sim-1.*ATTACHED sim-2/);
		// The attached pane's border is drawn in the warning colour (yellow).

		expect(harness.rendered.lastFrame()).toMatch(/\u001B\[33m┌ (?:\u001B\[[\d;]*m)*ATTACHED/);
	});

	it('says when an agent is stopping, leaving or paused', async () => {
		const harness = await panes([
			agentView('sim-1', {state: 'stopping', task: 'bd-a', title: 'A', startedAt: minutesAgo(0)}),
			agentView('sim-2', {
				state: 'running',
				leaving: true,
				task: 'bd-b',
				title: 'B',
				startedAt: minutesAgo(0),
			}),
			agentView('claude-1', {state: 'paused'}),
		]);
		harness.run.update({
			paused: [
				{
					profile: 'claude',
					kind: 'infra',
					reason: 'rate limited',
					until: new Date(Date.now() + 5 * 60_000).toISOString(),
				},
			],
		});
		const frame = await frameWith(harness.rendered, 'rate limited');
		expect(frame).toContain('sim-1 · stopping…');
		// Three panes in 100 columns: the title is cut, the state stays in view.
		expect(frame).toContain('sim-2 · leaving after t');
		expect(frame).toContain('claude-1 · paused');
		expect(frame).toContain('claude is paused: rate limited');
		expect(frame).toMatch(/resumes in 0[45]:\d\d/);
	});
});

describe('PanesView idle agents', () => {
	it('says which dependencies an idle agent waits for', async () => {
		const tasks = new Map([
			['bd-a', newTask({id: 'bd-a', title: 'Schema', status: 'in_progress'})],
			['bd-b', newTask({id: 'bd-b', title: 'API', status: 'in_progress'})],
			['bd-c', newTask({id: 'bd-c', title: 'UI', dependencies: ['bd-a', 'bd-b']})],
		]);
		const {rendered} = await panes(
			[
				agentView('sim-1', {state: 'running', task: 'bd-a', title: 'Schema'}),
				agentView('sim-2', {state: 'running', task: 'bd-b', title: 'API'}),
				agentView('sim-3'),
			],
			{tasks},
		);
		const frame = await frameWith(rendered, 'waiting for');
		expect(frame).toContain('waiting for bd-a, bd-b to finish');
	});

	it('says when the next retry is due', async () => {
		const tasks = new Map([
			[
				'bd-a',
				newTask({
					id: 'bd-a',
					title: 'Flaky',
					retryCount: 1,
					nextAttemptAt: new Date(Date.now() + 90_000).toISOString(),
				}),
			],
		]);
		const {rendered} = await panes(names(1), {tasks});
		const frame = await frameWith(rendered, 'retry of');
		expect(frame).toMatch(/retry of bd-a in 01:[23]\d/);
	});

	it('is ready for the next task when one can run, holds while memory is short', async () => {
		const tasks = new Map([['bd-a', newTask({id: 'bd-a', title: 'Ready'})]]);
		const {rendered, run} = await panes(names(1), {tasks});
		await frameWith(rendered, 'ready for the next task');
		run.update({memoryLow: true});
		await frameWith(rendered, 'holding: the machine is short of memory');
		run.end('done');
		await frameWith(rendered, 'run finished — nothing left to do');
	});

	it('keeps the last screen of the previous attempt under the message, faded', async () => {
		const {rendered, run} = await panes(names(1), {width: 60, height: 12});
		run.screens.get('sim-1')?.text(['build ok', 'tests passed', 'bye']);
		const frame = await frameWith(rendered, 'tests passed');
		const lines = frame.split('\n');
		expect(lines[1]).toMatch(/│ready for the next task +│/);
		expect(lines.findIndex((line) => line.includes('bye'))).toBeGreaterThan(2);
		expect(styleBefore(rendered.lastFrame() ?? '', 'tests passed')).toContain('\u001B[2m');
	});
});

describe('PanesView keys', () => {
	it('keeps focus and zoom when it is shown again after help or a question', async () => {
		const {rendered, run} = await panes(names(4));
		await frameWith(rendered, 'sim-4');
		await press(rendered, 'l', 'z');
		await frameWith(rendered, (frame) => !frame.includes('sim-1'));
		rendered.unmount();
		const again = render(
			<PanesView
				run={run}
				board={(await fakeBoard()).board}
				width={100}
				height={30}
				keysActive
				setCaptured={() => undefined}
				flash={() => undefined}
				attached={undefined}
				onAttach={() => undefined}
				confirm={() => undefined}
			/>,
		);
		const frame = await frameWith(again, 'sim-2');
		expect(frame).not.toContain('sim-1');
		expect(focusedIn(again.lastFrame() ?? '')).toBe('sim-2');
	});

	it('moves focus to the adjacent pane with h j k l and the arrows', async () => {
		// 4 on 100×30: sim-1 sim-2 / sim-3 sim-4
		const {rendered} = await panes(names(4));
		await frameWith(rendered, 'sim-4');
		const focused = () => focusedIn(rendered.lastFrame() ?? '');
		expect(focused()).toBe('sim-1');
		await press(rendered, 'l');
		await vi.waitFor(() => expect(focused()).toBe('sim-2'));
		await press(rendered, 'j');
		await vi.waitFor(() => expect(focused()).toBe('sim-4'));
		await press(rendered, keys.left);
		await vi.waitFor(() => expect(focused()).toBe('sim-3'));
		await press(rendered, keys.up);
		await vi.waitFor(() => expect(focused()).toBe('sim-1'));
		// At the edge focus stays.
		await press(rendered, 'h', 'k');
		expect(focused()).toBe('sim-1');
		await press(rendered, keys.right, keys.down);
		await vi.waitFor(() => expect(focused()).toBe('sim-4'));
	});

	it('zooms the focused pane with z, resizing its pty, and comes back', async () => {
		const {rendered, run} = await panes(names(3));
		await frameWith(rendered, 'sim-3');
		await press(rendered, 'l', 'z');
		const zoomed = await frameWith(rendered, (frame) => !frame.includes('sim-1'));
		expect(zoomed).not.toContain('sim-3');
		expect(titleLines(zoomed)).toHaveLength(1);
		expect(titleLines(zoomed)[0]).toMatch(/^┌ sim-2 · idle ─+┐$/);
		await vi.waitFor(() => {
			expect(run.calls.at(-1)).toEqual({type: 'resize', agent: 'sim-2', cols: 98, rows: 28});
		});
		await press(rendered, keys.enter);
		await frameWith(rendered, (frame) => frame.includes('sim-1') && frame.includes('sim-3'));
		await vi.waitFor(() => {
			expect(run.calls.at(-1)).toEqual({type: 'resize', agent: 'sim-2', cols: 31, rows: 28});
		});
		expect(
			run.calls.filter((call) => call.type === 'resize' && call.agent !== 'sim-2'),
		).toHaveLength(2);
	});

	it('attaches the focused agent with a', async () => {
		const {rendered, attaches} = await panes(names(2));
		await frameWith(rendered, 'sim-2');
		await press(rendered, 'l', 'a');
		expect(attaches).toEqual(['sim-2']);
	});

	it('asks before recycling the focused agent, and stops the task it named on yes', async () => {
		const {rendered, run, questions, flashes} = await panes([
			agentView('sim-1'),
			agentView('sim-2', {state: 'running', task: 'bd-b', title: 'B', startedAt: minutesAgo(0)}),
		]);
		await frameWith(rendered, 'bd-b');
		await press(rendered, 'x');
		expect(questions).toEqual([]);
		expect(flashes.at(-1)).toEqual({message: 'sim-1 is idle: nothing to recycle', level: 'warn'});
		await press(rendered, 'l', 'x');
		expect(questions).toHaveLength(1);
		expect(questions[0]?.question).toBe('Recycle sim-2?');
		expect(questions[0]?.detail).toContain('bd-b goes back to the queue');
		expect(run.calls.filter((call) => call.type === 'stopTask')).toEqual([]);
		questions[0]?.yes();
		// The task the question named, even if sim-2 has moved on to another since.
		expect(run.calls).toContainEqual({type: 'stopTask', taskId: 'bd-b'});
	});

	it('adds and removes agents with + and -, saying what happened', async () => {
		const {rendered, run, flashes} = await panes(names(2));
		await frameWith(rendered, 'sim-2');
		await press(rendered, '+');
		expect(run.calls).toContainEqual({type: 'add'});
		expect(flashes.at(-1)).toEqual({message: 'no agent added: the run is ending', level: 'warn'});
		await press(rendered, '-');
		expect(run.calls).toContainEqual({type: 'remove'});
		expect(flashes.at(-1)).toEqual({message: 'at least one agent stays', level: 'warn'});

		run.addAgent = () => 'sim-3';
		run.removeAgent = () => 'sim-2';
		await press(rendered, '+');
		expect(flashes.at(-1)?.message).toBe('added sim-3');
		await press(rendered, '-');
		expect(flashes.at(-1)?.message).toBe('removed sim-2');
		run.update({
			agents: [
				agentView('sim-1'),
				agentView('sim-2', {state: 'running', task: 'bd-b', title: 'B'}),
			],
		});
		await frameWith(rendered, 'bd-b');
		await press(rendered, '-');
		expect(flashes.at(-1)?.message).toBe('sim-2 leaves after its task');
	});

	it('takes no keys while inactive', async () => {
		const run = new FakeRun(names(2));
		const {board} = await fakeBoard();
		const attaches: string[] = [];
		const rendered = render(
			<PanesView
				run={run}
				board={board}
				width={100}
				height={20}
				keysActive={false}
				setCaptured={() => undefined}
				flash={() => undefined}
				attached={undefined}
				onAttach={(agent) => attaches.push(agent)}
				confirm={() => undefined}
			/>,
		);
		await frameWith(rendered, 'sim-2');
		// Not `press`, which waits for someone to read the keys: nobody must.
		for (const key of ['a', 'z', '+']) rendered.stdin.write(key);
		await new Promise((resolve) => setImmediate(resolve));
		expect(attaches).toEqual([]);
		expect(run.calls.filter((call) => call.type !== 'resize')).toEqual([]);
	});
});
