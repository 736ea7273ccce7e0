import {readFileSync} from 'node:fs';
import {cleanup, render} from 'ink-testing-library';
import stringWidth from 'string-width';
import {afterEach, describe, expect, it} from 'vitest';
import {importBeads, parseBeadsExport} from '../../source/core/beads-import.js';
import {newTask, type Task, type TaskStatus} from '../../source/core/task.js';
import {GraphView} from '../../source/ui/components/graph-view.js';
import type {ViewProps} from '../../source/ui/components/view-props.js';
import type {TaskBoard} from '../../source/ui/run-control.js';
import {agentView, fakeBoard, FakeRun} from '../helpers/fake-run.js';
import {frameWith, keys, plain, press, renderAt, type Rendered} from '../helpers/ink.js';

afterEach(() => {
	cleanup();
});

function table(
	...specs: Array<
		[id: string, title: string, deps: string[], minutes?: number, status?: TaskStatus]
	>
): Map<string, Task> {
	return new Map(
		specs.map(([id, title, dependencies, estimatedMinutes = 30, status = 'pending']) => [
			id,
			newTask({id, title, dependencies, estimatedMinutes, status}),
		]),
	);
}

/**
 * bd-a ─┬─ bd-b ── bd-d ── bd-e     critical path bd-b → bd-d → bd-e: 2 h
 *       └─ bd-c ──┘
 * bd-x alone.
 */
const small = () =>
	table(
		['bd-a', 'Schema', [], 30, 'completed'],
		['bd-x', 'Docs', []],
		['bd-b', 'API', ['bd-a'], 60],
		['bd-c', 'Auth', ['bd-a'], 30],
		['bd-d', 'UI', ['bd-b', 'bd-c'], 45],
		['bd-e', 'Release', ['bd-d'], 15],
	);

interface Setup {
	readonly rendered: Rendered;
	readonly flashes: string[];
}

function show(
	board: TaskBoard,
	run = new FakeRun(),
	size: {width: number; height: number} = {width: 100, height: 20},
): Setup {
	const flashes: string[] = [];
	const props: ViewProps = {
		run,
		board,
		...size,
		keysActive: true,
		setCaptured: () => undefined,
		flash: (message) => flashes.push(message),
	};
	return {rendered: render(<GraphView {...props} />), flashes};
}

/** The selected task, as the panel under the columns names it. */
function selection(frame: string): string | undefined {
	const line = frame.split('\n').find((text) => /^(?:★ )?\S \S+ · .* · layer \d+\/\d+/.test(text));
	return /^(?:★ )?\S (\S+) · /.exec(line ?? '')?.[1];
}

const selected = (id: string) => (frame: string) => selection(frame) === id;

describe('GraphView', () => {
	it('keeps the selection when the view is shown again (after help or another view)', async () => {
		const {board} = await fakeBoard(small());
		const first = show(board);
		const start = selection(
			await frameWith(first.rendered, (frame) => selection(frame) !== undefined),
		);
		await press(first.rendered, 'j');
		const moved = selection(await frameWith(first.rendered, (frame) => selection(frame) !== start));
		first.rendered.unmount();
		const again = show(board);
		await frameWith(again.rendered, selected(moved ?? ''));
	});

	it('draws the layers left to right with the critical path, its minutes and the ETA', async () => {
		const run = new FakeRun([agentView('sim-1'), agentView('sim-2')]);
		const {board} = await fakeBoard(small());
		const {rendered} = show(board, run);
		const frame = await frameWith(rendered, 'critical path');
		// Work: 60 + 30 + 45 + 15 + 30 = 3 h over 2 agents, shorter than the 2 h path.
		expect(frame).toContain('critical path: 3 tasks · 2h of work · ETA 2h with 2 agents');
		expect(frame).toContain('· ▶ runnable');
		const titles = frame.split('\n').find((line) => line.includes('layer 1')) ?? '';
		// Three readable columns in 100; the layer beyond them is said to be there.
		expect(titles).toMatch(/layer 1\/4 · 2 +layer 2\/4 · 2 +layer 3\/4 · 1 · 1 more ›/);
		// Critical path starred; runnable tasks marked; done ticked.
		expect(frame).toMatch(/★▶ bd-b API/);
		expect(frame).toMatch(/★· bd-d UI/);
		expect(frame).toMatch(/ ▶ bd-x Docs/);
		expect(frame).toMatch(/ ▶ bd-c Auth/);
		expect(frame).toMatch(/ ✓ bd-a Schema/);
		// The selection starts on the path, and the panel says what it needs and unblocks.
		expect(selection(frame)).toBe('bd-b');
		expect(frame).toMatch(/bd-b · ready · 1 h · slack 0 · layer 2\/4 · runnable · API/);
		expect(frame).toContain('needs: bd-a ✓');
		expect(frame).toContain('unblocks: bd-d ·');
	});

	it('moves with j k h l, re-centres with enter and walks the path with c', async () => {
		const {board} = await fakeBoard(small());
		const {rendered, flashes} = show(board);
		await frameWith(rendered, selected('bd-b'));
		await press(rendered, 'j');
		let frame = await frameWith(rendered, selected('bd-c'));
		expect(frame).toContain('unblocks: bd-d ·');
		await press(rendered, 'l');
		frame = await frameWith(rendered, selected('bd-d'));
		expect(frame).toContain('needs: bd-b ○, bd-c ○');
		await press(rendered, 'l');
		await frameWith(rendered, selected('bd-e'));
		await press(rendered, 'l');
		expect(flashes).toContain('This is the last layer.');
		await press(rendered, keys.left, 'h');
		await frameWith(rendered, selected('bd-b'));
		await press(rendered, 'k', 'k', 'h');
		await frameWith(rendered, selected('bd-a'));
		await press(rendered, 'j');
		await frameWith(rendered, selected('bd-x'));
		await press(rendered, 'c');
		await frameWith(rendered, selected('bd-b'));
		await press(rendered, 'c', 'c');
		await frameWith(rendered, selected('bd-e'));
	});

	it('puts the centre and its neighbours at the top of their columns after enter', async () => {
		const {board} = await fakeBoard(
			table(
				['a1', 'one', []],
				['a2', 'two', []],
				['a3', 'three', []],
				['b1', 'needs three', ['a3'], 5],
				['b2', 'needs one', ['a1'], 1],
			),
		);
		const {rendered} = show(board, new FakeRun(), {width: 60, height: 12});
		// a3 → b1 is the longest chain: the path starts there.
		let frame = await frameWith(rendered, selected('a3'));
		const firstRow = () => frame.split('\n')[2] ?? '';
		expect(firstRow()).toMatch(/a3 three.*b1 needs three/);
		await press(rendered, 'j');
		frame = await frameWith(rendered, selected('a1'));
		await press(rendered, keys.enter);
		frame = await frameWith(rendered, (text) => /^\s*\S a1/.test(text.split('\n')[2] ?? ''));
		expect(firstRow()).toMatch(/a1 one.*b2 needs one/);
	});

	it('warns about cycles and missing dependencies', async () => {
		const {board} = await fakeBoard(
			table(['bd-p', 'Ping', ['bd-q']], ['bd-q', 'Pong', ['bd-p']], ['bd-r', 'Lost', ['bd-404']]),
		);
		const {rendered} = show(board);
		const frame = await frameWith(rendered, 'cycle');
		expect(frame).toMatch(
			/⚠ cycle, never runs until broken: (bd-p → bd-q → bd-p|bd-q → bd-p → bd-q)/,
		);
		expect(frame).toContain('⚠ bd-r needs unknown bd-404');
		expect(frame).toContain('needs: bd-404 ?');
		expect(frame).toContain('stuck behind a missing task or a cycle');
	});

	it('says so when there is nothing to draw', async () => {
		const {board} = await fakeBoard(new Map());
		const {rendered} = show(board);
		await frameWith(rendered, 'No tasks yet');
	});

	it('follows the board: a task done elsewhere moves off the critical path', async () => {
		const {board} = await fakeBoard(small());
		const {rendered} = show(board);
		await frameWith(rendered, 'critical path: 3 tasks');
		await board.update((tasks) => {
			const next = new Map(tasks);
			next.set('bd-b', {...(tasks.get('bd-b') as Task), status: 'completed'});
			return {tasks: next, result: undefined};
		});
		// bd-c → bd-d → bd-e is the longest chain left.
		await frameWith(rendered, 'critical path: 3 tasks · 1h30m of work');
	});
});

describe('GraphView on the beads project’s own export', () => {
	const text = readFileSync(new URL('../fixtures/beads-issues.jsonl', import.meta.url), 'utf8');

	for (const all of [false, true]) {
		it(`fits 80×22 on every key${all ? ' (--all)' : ''}`, async () => {
			const now = new Date('2026-11-23T12:00:00Z');
			const tasks = importBeads(new Map(), parseBeadsExport(text).records, {all, now}).tasks;
			const {board} = await fakeBoard(tasks);
			const {rendered} = show(board, new FakeRun(), {width: 80, height: 22});
			const fits = () => {
				const lines = plain(rendered).split('\n');
				expect(lines.length).toBeLessThanOrEqual(22);
				for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(80);
			};

			let frame = await frameWith(rendered, 'critical path');
			fits();
			expect(frame).toMatch(/⚠ \d+ missing dependencies/);
			for (const key of ['j', 'j', 'l', 'l', keys.pageDown, 'G', 'h', keys.enter, 'c', 'c', 'g']) {
				const before = selection(frame);
				await press(rendered, key);
				frame = plain(rendered);
				fits();
				expect(selection(frame)).toBeDefined();
				if (key === 'j') expect(selection(frame)).not.toBe(before);
			}
		});
	}
});

describe('GraphView at 160×45', () => {
	it('uses the width for titles, keeps a layer of context each side, and says what is hidden', async () => {
		const chain = table(
			...Array.from({length: 9}, (_, i): [string, string, string[]] => [
				`bd-${i}`,
				`Login rate limiter, step ${i}`,
				i === 0 ? [] : [`bd-${i - 1}`],
			]),
		);
		const {board} = await fakeBoard(chain);
		const flashes: string[] = [];
		const props: ViewProps = {
			run: new FakeRun(),
			board,
			width: 160,
			height: 42,
			keysActive: true,
			setCaptured: () => undefined,
			flash: (message) => flashes.push(message),
		};
		const rendered = renderAt(<GraphView {...props} />, 160);
		let frame = await frameWith(rendered, selected('bd-0'));
		expect(frame).toContain('bd-0 Login rate limiter, step 0');
		expect(frame).toContain('bd-3 Login rate limiter, step 3');
		const titles = () => frame.split('\n').find((line) => line.includes('layer 1')) ?? '';
		expect(titles()).toMatch(/^layer 1\/9 · 1 .* layer 4\/9 · 1 · 5 more ›$/);
		for (let i = 1; i <= 6; i++) {
			await press(rendered, 'l');
			frame = await frameWith(rendered, selected(`bd-${i}`));
		}

		// bd-6 is in layer 7: layers 5–8 are shown, with 8 after it and four hidden to the left.
		const header = frame.split('\n').find((line) => line.includes('layer 7/9')) ?? '';
		expect(header).toMatch(/^‹ 4 more · layer 5\/9 · 1 .* layer 8\/9 · 1 · 1 more ›$/);
		expect(frame).toContain('bd-7 Login rate limiter, step 7');
	});
});

describe('GraphView stuck tasks', () => {
	it('marks a task behind a cycle as stuck, not as waiting', async () => {
		const {board} = await fakeBoard(
			table(
				['bd-a', 'Loop one', ['bd-b']],
				['bd-b', 'Loop two', ['bd-a']],
				['bd-c', 'Behind the loop', ['bd-a']],
				['bd-d', 'Start', []],
				['bd-e', 'Waits', ['bd-d']],
			),
		);
		const {rendered} = show(board);
		const frame = await frameWith(rendered, 'Behind the loop');
		expect(frame).toMatch(/ ↻ bd-c Behind the loop/);
		expect(frame).toMatch(/[ ★]· bd-e Waits/);
	});
});
