import {appendFileSync} from 'node:fs';
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {cleanup, render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {TaskStore} from '../../source/adapters/task-store.js';
import {copyExample} from '../../source/commands/demo.js';
import {simulatedMinutes} from '../../source/core/eta.js';
import {buildGraph} from '../../source/core/graph.js';
import {newTask} from '../../source/core/task.js';
import {defaultSimSpeed} from '../../source/core/sim.js';
import {StatusBar, storeNotice} from '../../source/ui/components/status-bar.js';
import {agentView, fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, plain, renderAt} from '../helpers/ink.js';
import {repoWith} from '../helpers/temp-repo.js';

const dirs: string[] = [];
afterEach(async () => {
	cleanup();
	for (const dir of dirs.splice(0)) await rm(dir, {recursive: true, force: true});
});

/** The demo's sample tasks, as `--demo` copies them, and its four simulated agents. */
async function demo() {
	const dir = await copyExample();
	dirs.push(dir);
	const tasks = await new TaskStore(dir).read();
	const run = new FakeRun(['sim-1', 'sim-2', 'sim-3', 'sim-4'].map((name) => agentView(name)));
	return {board: {tasks, graph: buildGraph(tasks), version: 1}, snapshot: run.getSnapshot()};
}

const etaOf = (frame: string) => /ETA (\S+)/.exec(frame)?.[1];

describe('StatusBar', () => {
	it('gives the demo the ETA of its simulated agents: minutes, not the hours its estimates add up to', async () => {
		const {board, snapshot} = await demo();
		const now = Date.parse(snapshot.startedAt);
		const estimated = render(<StatusBar snapshot={snapshot} board={board} now={now} width={160} />);
		// What a person would take: hours.
		expect(etaOf(plain(estimated))).toMatch(/^\d+h/);
		const simulated = render(
			<StatusBar
				snapshot={snapshot}
				board={board}
				now={now}
				width={160}
				taskMinutes={simulatedMinutes(defaultSimSpeed)}
			/>,
		);
		const eta = etaOf(plain(simulated));
		// The demo's sim.ms add up to a few minutes on four agents.
		expect(eta).toMatch(/^(<1m|[1-5]m)$/);
	});
});

/** What the real store says about a tasks file with mistakes on lines 2, 3 and 4. */
async function mistakeMessage(): Promise<string> {
	const cwd = await repoWith([
		{id: 'bd-1', title: 'Schema', status: 'pending', priority: 'medium'},
	]);
	appendFileSync(
		path.join(cwd, '.beads', 'tasks.jsonl'),
		'{"id": "bd-2", "title": "Login API", "status": "pendin\n{not json\n[1, 2]\n',
	);
	try {
		await new TaskStore(cwd).read();
	} catch (error) {
		return (error as Error).message;
	}

	throw new Error('the store read a file with mistakes');
}

describe('the tasks-file mistake line', () => {
	it.each([80, 120, 160])(
		'at %i columns is a whole sentence naming the line and the fix',
		async (width) => {
			const error = await mistakeMessage();
			expect(error).toContain('line 2');
			const {board} = await fakeBoard();
			const state = {...board.getSnapshot(), error};
			const rendered = renderAt(
				<StatusBar
					snapshot={new FakeRun().getSnapshot()}
					board={state}
					now={Date.now()}
					width={width}
				/>,
				width,
			);
			const frame = await frameWith(rendered, 'line 2');
			const notice = frame.split('\n').find((line) => line.includes('line 2')) ?? '';
			expect(notice).not.toContain('…');
			expect(notice.length).toBeLessThanOrEqual(width);
			expect(notice).toMatch(/tasks\.jsonl line 2\b/);
			expect(notice).toContain('jetpack-tui recover');
			expect(storeNotice(error, width)).toBe(notice.trimEnd());
		},
	);
});

describe('the count of work waiting for review', () => {
	const board = (statuses: ReadonlyArray<'review' | 'completed' | 'pending'>) => {
		const tasks = new Map(
			statuses.map((status, index) => {
				const task = newTask({id: `t-${index}`, title: `Task ${index}`, status});
				return [task.id, task] as const;
			}),
		);
		return {tasks, graph: buildGraph(tasks), version: 1};
	};

	it.each([160, 72])('is among the figures at %i columns, long form or short', async (width) => {
		const snapshot = new FakeRun().getSnapshot();
		const rendered = renderAt(
			<StatusBar
				snapshot={snapshot}
				board={board(['review', 'review', 'review', 'completed', 'pending'])}
				now={Date.parse(snapshot.startedAt)}
				width={width}
			/>,
			width,
		);
		const frame = await frameWith(rendered, '1/5');
		expect(frame).toMatch(/1\/5 done · 0 failed · 3 to review · \d+ ready/);
		expect(frame.split('\n')[0]?.length).toBeLessThanOrEqual(width);
		expect(frame.startsWith(width === 160 ? 'jetpack agents' : '0/1 agents')).toBe(true);
	});

	it('is left out when nothing waits for review', async () => {
		const snapshot = new FakeRun().getSnapshot();
		const rendered = render(
			<StatusBar
				snapshot={snapshot}
				board={board(['completed', 'pending'])}
				now={Date.parse(snapshot.startedAt)}
				width={160}
			/>,
		);
		const frame = await frameWith(rendered, '1/2');
		expect(frame).not.toContain('review');
	});
});

describe('what the agents spent', () => {
	const tasks = new Map([['t-1', newTask({id: 't-1', title: 'Task'})]]);
	const board = {tasks, graph: buildGraph(tasks), version: 1};
	const shown = async (cost: {usd: number; estimated: boolean; budgetUsd?: number}) => {
		const snapshot = {...new FakeRun().getSnapshot(), cost};
		const rendered = render(
			<StatusBar
				snapshot={snapshot}
				board={board}
				now={Date.parse(snapshot.startedAt)}
				width={160}
			/>,
		);
		return frameWith(rendered, '0/1');
	};

	it.each([
		[{usd: 12.4, estimated: false, budgetUsd: 50}, '$12.40 / $50'],
		[{usd: 0.042, estimated: true}, '~$0.042'],
		[{usd: 0, estimated: false, budgetUsd: 5}, '$0.00 / $5'],
	])('shows %j as %s', async (cost, text) => {
		expect(await shown(cost)).toContain(text);
	});

	it('says nothing of money before anything is spent with no budget', async () => {
		expect(await shown({usd: 0, estimated: false})).not.toContain('$');
	});
});
