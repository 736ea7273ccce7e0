/**
 * The agents' screens drawn straight onto the terminal, below Ink, as a terminal multiplexer draws
 * its panes. Ink lays out the panes (borders, titles, the status bar) and leaves each pane's body
 * blank; the canvas paints the agent's screen into that hole, and after that only the rows that
 * changed. Ink then redraws only when what it shows changes (a title, a key), not at every line an
 * agent prints — it would re-tokenise and re-serialise the whole terminal each time.
 *
 * Ink rewrites its whole frame, blank holes included, whenever it draws: `canvasStdout` hands Ink a
 * stdout that paints every hole again right after each of Ink's frames, inside the same
 * synchronized update, so nothing flickers.
 */
import type {DOMElement} from 'ink';
import {blankScreen, type Screen, type ScreenSource} from '../core/agent-ports.js';
import {fitRuns, sgrLine} from './components/screen-view.js';

export interface CanvasSpot {
	/** Whose screen; undefined: a blank hole. */
	readonly source: ScreenSource | undefined;
	/** The hole Ink laid out: where on the terminal the screen goes. */
	readonly node: DOMElement;
	readonly cols: number;
	readonly rows: number;
	/**
	 * Which lines of a screen taller than the hole: those above the cursor (a working agent), or
	 * the last ones with anything on them (the faded screen of an attempt that is over).
	 */
	readonly fit: 'cursor' | 'content';
	readonly dim: boolean;
}

export interface Disposable {
	dispose(): void;
}

interface Position {
	readonly x: number;
	readonly y: number;
}

interface Placed {
	spot: CanvasSpot;
	subscription: Disposable | undefined;
	/** Where its rows were last painted. */
	at: Position | undefined;
	/** The rows as last painted there; empty after Ink drew over them. */
	painted: string[];
	dirty: boolean;
}

const synchronizedStart = '\u001B[?2026h';
const synchronizedEnd = '\u001B[?2026l';
const saveCursor = '\u001B7';
const restoreCursor = '\u001B8';
const reset = '\u001B[0m';

/** Where `node` is on Ink's frame, in cells from its top left corner. */
function positionOf(node: DOMElement): Position | undefined {
	let x = 0;
	let y = 0;
	for (
		let current: DOMElement | undefined = node;
		current?.parentNode;
		current = current.parentNode
	) {
		const layout = current.yogaNode;
		if (layout === undefined) return undefined;
		x += layout.getComputedLeft();
		y += layout.getComputedTop();
	}

	return {x, y};
}

function lastContentLine(screen: Screen): number {
	for (let y = screen.lines.length - 1; y >= 0; y--)
		if ((screen.lines[y]?.length ?? 0) > 0) return y;
	return -1;
}

/** The spot's rows as SGR strings, each no wider than the hole. */
function rowsOf(spot: CanvasSpot): string[] {
	const screen = spot.source?.screen() ?? blankScreen;
	const top =
		spot.fit === 'cursor'
			? Math.max(0, Math.min(screen.cursor.y + 1, screen.lines.length) - spot.rows)
			: Math.max(0, lastContentLine(screen) + 1 - spot.rows);
	// A screen no wider than the hole needs no cutting (its pty has the hole's size but for a
	// resize still on its way).
	const fits = screen.cols > 0 && screen.cols <= spot.cols;
	const rows: string[] = [];
	for (let y = 0; y < spot.rows; y++) {
		const runs = screen.lines[top + y] ?? [];
		rows.push(sgrLine(fits ? runs : fitRuns(runs, spot.cols), spot.dim));
	}

	return rows;
}

export class PaneCanvas {
	readonly #write: (text: string) => void;
	readonly #frameMs: number;
	readonly #placed = new Map<string, Placed>();
	#timer: NodeJS.Timeout | undefined;
	#paintedAt = 0;
	#closed = false;

	/**
	 * `write` puts text on the terminal; `frameMs` is the least time between two paints (the
	 * first change after a quiet spell is painted at once: typing into an attached agent echoes
	 * without delay).
	 */
	constructor(write: (text: string) => void, frameMs = 80) {
		this.#write = write;
		this.#frameMs = frameMs;
	}

	/** Shows `spot` under `id`, or updates it. */
	place(id: string, spot: CanvasSpot): void {
		if (this.#closed) return;
		const placed = this.#placed.get(id);
		if (placed === undefined) {
			const fresh: Placed = {
				spot,
				subscription: undefined,
				at: undefined,
				painted: [],
				dirty: true,
			};
			fresh.subscription = this.#subscribe(fresh, spot.source);
			this.#placed.set(id, fresh);
			this.#schedule();
			return;
		}

		const before = placed.spot;
		if (before.source !== spot.source) {
			placed.subscription?.dispose();
			placed.subscription = this.#subscribe(placed, spot.source);
		}

		placed.spot = spot;
		if (
			before.source !== spot.source ||
			before.cols !== spot.cols ||
			before.rows !== spot.rows ||
			before.fit !== spot.fit ||
			before.dim !== spot.dim
		) {
			placed.dirty = true;
			this.#schedule();
		}
	}

	remove(id: string): void {
		const placed = this.#placed.get(id);
		if (placed === undefined) return;
		placed.subscription?.dispose();
		this.#placed.delete(id);
	}

	/**
	 * Ink has just drawn a frame, blank holes and all: the text that paints every hole again, at
	 * the places this frame gave them.
	 */
	repaint(): string {
		if (this.#closed || this.#placed.size === 0) return '';
		let text = '';
		for (const placed of this.#placed.values()) {
			placed.painted = [];
			placed.dirty = false;
			text += this.#rows(placed);
		}

		this.#paintedAt = Date.now();
		return text === '' ? '' : `${saveCursor}${reset}${text}${restoreCursor}`;
	}

	/** Nothing more is painted (the app has left the screen). */
	close(): void {
		this.#closed = true;
		clearTimeout(this.#timer);
		for (const placed of this.#placed.values()) placed.subscription?.dispose();
		this.#placed.clear();
	}

	#subscribe(placed: Placed, source: ScreenSource | undefined): Disposable | undefined {
		return source?.onScreen(() => {
			placed.dirty = true;
			this.#schedule();
		});
	}

	#schedule(): void {
		if (this.#closed || this.#timer !== undefined) return;
		const wait = Math.max(0, this.#paintedAt + this.#frameMs - Date.now());
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			this.#paint();
		}, wait);
	}

	/**
	 * The holes whose screens changed. A hole placed or moved by a commit whose frame Ink has not
	 * written yet (it writes at most 60 times a second) is painted at its new place all the same:
	 * that frame follows within milliseconds, and paints every hole again.
	 */
	#paint(): void {
		let text = '';
		for (const placed of this.#placed.values()) {
			if (!placed.dirty) continue;
			placed.dirty = false;
			text += this.#rows(placed);
		}

		this.#paintedAt = Date.now();
		if (text !== '')
			this.#write(
				`${synchronizedStart}${saveCursor}${reset}${text}${restoreCursor}${synchronizedEnd}`,
			);
	}

	/** The rows of a hole that differ from what is painted there, with the moves to reach them. */
	#rows(placed: Placed): string {
		const {spot} = placed;
		const at = positionOf(spot.node);
		if (at === undefined) return '';
		if (placed.at?.x !== at.x || placed.at.y !== at.y) {
			placed.at = at;
			placed.painted = [];
		}

		const rows = rowsOf(spot);
		let text = '';
		for (const [y, row] of rows.entries()) {
			if (placed.painted[y] === row) continue;
			placed.painted[y] = row;
			// Erase the hole's row (ECH, the cursor stays), then write the agent's line over it.
			text += `\u001B[${at.y + y + 1};${at.x + 1}H\u001B[${spot.cols}X${row}`;
		}

		return text;
	}
}

/**
 * `stdout` for Ink: whatever Ink writes goes through, and once a frame is complete (at the end of
 * its synchronized update, or right after it where the terminal has none) the canvas paints the
 * holes again.
 */
export function canvasStdout(stdout: NodeJS.WriteStream, canvas: PaneCanvas): NodeJS.WriteStream {
	let synchronized = false;
	const write = (chunk: unknown, ...rest: unknown[]): boolean => {
		const pass = (text: unknown) =>
			(stdout.write as (text: unknown, ...rest: unknown[]) => boolean)(text, ...rest);
		if (chunk === synchronizedStart) {
			synchronized = true;
			return pass(chunk);
		}

		if (chunk === synchronizedEnd) {
			synchronized = false;
			return pass(canvas.repaint() + synchronizedEnd);
		}

		const written = pass(chunk);
		if (!synchronized) {
			const paint = canvas.repaint();
			if (paint !== '') stdout.write(paint);
		}

		return written;
	};

	return new Proxy(stdout, {
		get(target, property) {
			if (property === 'write') return write;
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function'
				? (value as (...args: unknown[]) => unknown).bind(target)
				: value;
		},
	});
}
