/**
 * Tiling of the agent panes, like tmux's tiled layout: a grid of rows, the last one holding the
 * remainder (its panes wider), sized so panes exactly fill the view. Pure, so it is tested on its
 * own and memoized on (agents, width, height) by the view.
 */

export interface Rect {
	readonly x: number;
	readonly y: number;
	readonly width: number;
	readonly height: number;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/** One row of panes: the indices of its tiles, left to right. */
export interface Band {
	readonly y: number;
	readonly height: number;
	readonly indices: readonly number[];
}

export interface PaneLayout {
	/** Panes per full row. */
	readonly columns: number;
	readonly rows: number;
	/** One rectangle per agent, in agent order (row by row, left to right). */
	readonly tiles: readonly Rect[];
	readonly bands: readonly Band[];
}

/**
 * The inner aspect (columns per row) that looks square-ish on screen: a terminal cell is about
 * twice as tall as it is wide, and agents' output lines are long, so a little wider than 2.
 */
export const idealAspect = 2.2;

/** The smallest tile that still shows a border, a title and something of the screen. */
const minTile = {width: 8, height: 3};

/** The screen area inside a pane's border; the title sits in the top border line. */
export function innerSize(rect: Rect): {readonly cols: number; readonly rows: number} {
	return {cols: Math.max(0, rect.width - 2), rows: Math.max(0, rect.height - 2)};
}

/** Splits `total` cells into `parts` sizes that differ by at most one and sum to `total`. */
function split(total: number, parts: number, index: number): {start: number; size: number} {
	const start = Math.floor((index * total) / parts);
	const end = Math.floor(((index + 1) * total) / parts);
	return {start, size: end - start};
}

/** How far a tile of this size is from the ideal shape; too small a tile costs far more. */
function tileCost(width: number, height: number): number {
	const inner = Math.max(1, width - 2) / Math.max(1, height - 2);
	const shape = Math.abs(Math.log(inner / idealAspect));
	const shortfall =
		Math.max(0, minTile.width - width) / minTile.width +
		Math.max(0, minTile.height - height) / minTile.height;
	return shortfall > 0 ? 100 + shortfall * 100 + shape : shape;
}

/**
 * The worst pane's cost decides (then the mean, a little): judging by the mean alone puts 4 agents
 * in 3 + 1 with one very wide pane, where a person expects 2 × 2.
 */
function gridCost(count: number, columns: number, width: number, height: number): number {
	const rows = Math.ceil(count / columns);
	const last = count - columns * (rows - 1);
	const tileHeight = height / rows;
	const fullCost = tileCost(width / columns, tileHeight);
	const lastCost = tileCost(width / last, tileHeight);
	const mean = (fullCost * (count - last) + lastCost * last) / count;
	return Math.max(fullCost, lastCost) + mean / 1000;
}

/** The grid for `count` panes on `width` × `height` cells, and every pane's rectangle. */
export function tileLayout(count: number, width: number, height: number): PaneLayout {
	if (count <= 0) return {columns: 0, rows: 0, tiles: [], bands: []};
	let columns = 1;
	let best = Number.POSITIVE_INFINITY;
	for (let candidate = 1; candidate <= count; candidate++) {
		const cost = gridCost(count, candidate, width, height);
		// Strictly better only: on a tie the fewer columns (taller panes) win.
		if (cost < best - 1e-9) {
			best = cost;
			columns = candidate;
		}
	}

	const rows = Math.ceil(count / columns);
	const tiles: Rect[] = [];
	const bands: Band[] = [];
	for (let row = 0; row < rows; row++) {
		const inRow = Math.min(columns, count - row * columns);
		const {start: y, size: rowHeight} = split(height, rows, row);
		const indices: number[] = [];
		for (let column = 0; column < inRow; column++) {
			const {start: x, size: tileWidth} = split(width, inRow, column);
			indices.push(tiles.length);
			tiles.push({x, y, width: tileWidth, height: rowHeight});
		}

		bands.push({y, height: rowHeight, indices});
	}

	return {columns, rows, tiles, bands};
}

function overlap(aStart: number, aSize: number, bStart: number, bSize: number): number {
	return Math.min(aStart + aSize, bStart + bSize) - Math.max(aStart, bStart);
}

/**
 * The pane next to `index` in `direction`: the nearest tile on that side that shares some of its
 * edge, the one sharing most on a tie (then the one nearest its centre). Undefined at the edge: focus
 * does not wrap around, so a key held down stops at the side instead of circling.
 */
export function neighbour(
	tiles: readonly Rect[],
	index: number,
	direction: Direction,
): number | undefined {
	const from = tiles[index];
	if (from === undefined) return undefined;
	const horizontal = direction === 'left' || direction === 'right';
	let found: number | undefined;
	let bestGap = Number.POSITIVE_INFINITY;
	let bestShared = 0;
	let bestOffset = Number.POSITIVE_INFINITY;
	for (const [candidate, tile] of tiles.entries()) {
		if (candidate === index) continue;
		let gap: number;
		if (direction === 'right') gap = tile.x - (from.x + from.width);
		else if (direction === 'left') gap = from.x - (tile.x + tile.width);
		else if (direction === 'down') gap = tile.y - (from.y + from.height);
		else gap = from.y - (tile.y + tile.height);
		if (gap < 0) continue;
		const shared = horizontal
			? overlap(from.y, from.height, tile.y, tile.height)
			: overlap(from.x, from.width, tile.x, tile.width);
		if (shared <= 0) continue;
		const offset = horizontal
			? Math.abs(from.y * 2 + from.height - (tile.y * 2 + tile.height))
			: Math.abs(from.x * 2 + from.width - (tile.x * 2 + tile.width));
		const better =
			gap < bestGap ||
			(gap === bestGap && (shared > bestShared || (shared === bestShared && offset < bestOffset)));
		if (better) {
			found = candidate;
			bestGap = gap;
			bestShared = shared;
			bestOffset = offset;
		}
	}

	return found;
}
