/**
 * The pane canvas paints agents' screens onto a terminal below Ink's frame: here onto a real
 * terminal emulator, read back as text, with holes placed as Ink's layout would place them.
 */
import xterm from '@xterm/headless';
import type {DOMElement} from 'ink';
import {afterEach, describe, expect, it} from 'vitest';
import type {Screen, ScreenSource} from '../../source/core/agent-ports.js';
import {PaneCanvas} from '../../source/ui/pane-canvas.js';
import {until} from '../helpers/until.js';

/** A screen source a test draws on. */
class Drawn implements ScreenSource {
	#screen: Screen = {cols: 10, rows: 3, lines: [], cursor: {x: 0, y: 0}};
	readonly #listeners = new Set<() => void>();
	draw(lines: readonly string[], cursorY = lines.length - 1): void {
		this.#screen = {
			cols: 10,
			rows: Math.max(3, lines.length),
			lines: lines.map((text) => (text === '' ? [] : [{text}])),
			cursor: {x: 0, y: cursorY},
		};
		for (const listener of this.#listeners) listener();
	}

	screen(): Screen {
		return this.#screen;
	}

	onScreen(listener: () => void) {
		this.#listeners.add(listener);
		return {dispose: () => this.#listeners.delete(listener)};
	}

	get watchers(): number {
		return this.#listeners.size;
	}
}

/** A node of Ink's tree at (x, y) inside the root, as its layout engine reports it. */
function node(x: number, y: number): DOMElement {
	const layout = (left: number, top: number) => ({
		getComputedLeft: () => left,
		getComputedTop: () => top,
	});
	const root = {parentNode: undefined, yogaNode: layout(0, 0)};
	return {parentNode: root, yogaNode: layout(x, y)} as unknown as DOMElement;
}

const terminals: xterm.Terminal[] = [];
afterEach(() => {
	for (const terminal of terminals.splice(0)) terminal.dispose();
});

function screenOf(cols = 30, rows = 8) {
	const terminal = new xterm.Terminal({cols, rows, allowProposedApi: true});
	terminals.push(terminal);
	const writes: string[] = [];
	const write = (text: string) => {
		writes.push(text);
		terminal.write(text);
	};

	const lines = async () => {
		await new Promise<void>((resolve) => {
			terminal.write('', resolve);
		});
		const out: string[] = [];
		for (let y = 0; y < rows; y++)
			out.push(terminal.buffer.active.getLine(y)?.translateToString(true) ?? '');
		return out;
	};

	return {write, writes, lines};
}

describe('PaneCanvas', () => {
	it('paints a screen into its hole and, after that, only the rows that changed', async () => {
		const out = screenOf();
		const canvas = new PaneCanvas(out.write, 0);
		const agent = new Drawn();
		agent.draw(['one', 'two', 'three']);
		canvas.place('a', {
			source: agent,
			node: node(2, 1),
			cols: 10,
			rows: 3,
			fit: 'cursor',
			dim: false,
		});
		await until(async () => (await out.lines())[3] === '  three', 'the screen painted');
		expect((await out.lines()).slice(0, 5)).toEqual(['', '  one', '  two', '  three', '']);

		const before = out.writes.length;
		agent.draw(['one', 'TWO', 'three']);
		await until(async () => (await out.lines())[2] === '  TWO', 'the changed row');
		const painted = out.writes.slice(before).join('');
		// One row moved to and written: the others were left as they were.
		expect(painted.match(/\u001B\[\d+;\d+H/g)).toHaveLength(1);
		canvas.close();
	});

	it('shows the rows above the cursor of a screen taller than its hole, or the last ones with content, faded', async () => {
		const out = screenOf();
		const canvas = new PaneCanvas(out.write, 0);
		const working = new Drawn();
		working.draw(['1', '2', '3', '4', '5', ''], 4);
		const idle = new Drawn();
		idle.draw(['a', 'b', 'c', '', '', ''], 5);
		canvas.place('w', {
			source: working,
			node: node(0, 0),
			cols: 10,
			rows: 2,
			fit: 'cursor',
			dim: false,
		});
		canvas.place('i', {
			source: idle,
			node: node(12, 0),
			cols: 10,
			rows: 2,
			fit: 'content',
			dim: true,
		});
		await until(async () => (await out.lines())[1]?.includes('c') === true, 'both painted');
		expect((await out.lines()).slice(0, 2)).toEqual(['4           b', '5           c']);
		expect(out.writes.join('')).toMatch(/\u001B\[2mc\u001B\[0m/);
		canvas.close();
	});

	it('paints every hole again after a frame of Ink, at the place that frame gave it, and stops at close', async () => {
		const out = screenOf();
		const canvas = new PaneCanvas(out.write, 0);
		const agent = new Drawn();
		agent.draw(['kept']);
		const hole = node(0, 0);
		canvas.place('a', {source: agent, node: hole, cols: 10, rows: 1, fit: 'cursor', dim: false});
		await until(async () => (await out.lines())[0] === 'kept', 'painted');

		// Ink rewrote its frame (blank where the hole is), and the pane moved down a row.
		out.write('\u001B[H\u001B[2J');
		canvas.place('a', {
			source: agent,
			node: node(0, 2),
			cols: 10,
			rows: 1,
			fit: 'cursor',
			dim: false,
		});
		out.write(canvas.repaint());
		expect((await out.lines()).slice(0, 3)).toEqual(['', '', 'kept']);

		canvas.remove('a');
		expect(agent.watchers).toBe(0);
		expect(canvas.repaint()).toBe('');
		canvas.close();
	});
});
