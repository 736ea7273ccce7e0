import {describe, expect, it} from 'vitest';
import {
	innerSize,
	neighbour,
	tileLayout,
	type PaneLayout,
	type Rect,
} from '../../source/ui/pane-layout.js';

/** Every cell of the area is in exactly one tile. */
function expectExactCover(layout: PaneLayout, width: number, height: number): void {
	const owners = new Uint8Array(width * height);
	for (const tile of layout.tiles) {
		expect(tile.width).toBeGreaterThan(0);
		expect(tile.height).toBeGreaterThan(0);
		expect(tile.x + tile.width).toBeLessThanOrEqual(width);
		expect(tile.y + tile.height).toBeLessThanOrEqual(height);
		for (let y = tile.y; y < tile.y + tile.height; y++)
			for (let x = tile.x; x < tile.x + tile.width; x++)
				owners[y * width + x] = (owners[y * width + x] ?? 0) + 1;
	}

	expect(owners.every((count) => count === 1)).toBe(true);
}

const shape = (layout: PaneLayout) => layout.bands.map((band) => band.indices.length);

describe('tileLayout', () => {
	it('gives one agent the whole area', () => {
		const layout = tileLayout(1, 100, 30);
		expect(layout.tiles).toEqual([{x: 0, y: 0, width: 100, height: 30}]);
		expect(innerSize(layout.tiles[0] as Rect)).toEqual({cols: 98, rows: 28});
	});

	it.each([
		// count, width, height, panes per row
		[2, 100, 30, [2]],
		[2, 60, 50, [1, 1]],
		[3, 100, 30, [3]],
		[4, 160, 45, [2, 2]],
		[5, 160, 45, [3, 2]],
		[8, 160, 45, [4, 4]],
		[12, 160, 45, [4, 4, 4]],
		[16, 160, 45, [6, 6, 4]],
		[16, 100, 20, [8, 8]],
	])('tiles %i agents on %i×%i as rows of %j', (count, width, height, rows) => {
		const layout = tileLayout(count, width, height);
		expect(shape(layout)).toEqual(rows);
		expect(layout.tiles).toHaveLength(count);
		expectExactCover(layout, width, height);
	});

	it('makes 8 agents on 160×45 four columns of two rows of roughly square panes', () => {
		const layout = tileLayout(8, 160, 45);
		expect(layout).toMatchObject({columns: 4, rows: 2});
		expect(layout.tiles.map((tile) => tile.width)).toEqual([40, 40, 40, 40, 40, 40, 40, 40]);
		expect(layout.tiles.map((tile) => tile.height)).toEqual([22, 22, 22, 22, 23, 23, 23, 23]);
	});

	it('spreads remainders so sizes differ by at most one and fill the area', () => {
		for (const count of [1, 3, 7, 8, 13, 16])
			for (const [width, height] of [
				[101, 31],
				[80, 24],
				[239, 61],
			] as const) {
				const layout = tileLayout(count, width, height);
				expectExactCover(layout, width, height);
				for (const band of layout.bands) {
					const widths = band.indices.map((index) => layout.tiles[index]?.width ?? 0);
					expect(Math.max(...widths) - Math.min(...widths)).toBeLessThanOrEqual(1);
				}
			}
	});

	it('still tiles a terminal too small for every pane to be useful', () => {
		const layout = tileLayout(16, 40, 10);
		expect(layout.tiles).toHaveLength(16);
		expectExactCover(layout, 40, 10);
	});

	it('has nothing to tile with no agents', () => {
		expect(tileLayout(0, 80, 24).tiles).toEqual([]);
	});
});

describe('neighbour', () => {
	it('moves between the panes of a grid by geometry, stopping at the edges', () => {
		// 8 on 160×45: 0 1 2 3 / 4 5 6 7
		const {tiles} = tileLayout(8, 160, 45);
		expect(neighbour(tiles, 0, 'right')).toBe(1);
		expect(neighbour(tiles, 1, 'down')).toBe(5);
		expect(neighbour(tiles, 5, 'up')).toBe(1);
		expect(neighbour(tiles, 6, 'left')).toBe(5);
		expect(neighbour(tiles, 3, 'right')).toBeUndefined();
		expect(neighbour(tiles, 0, 'up')).toBeUndefined();
		expect(neighbour(tiles, 4, 'down')).toBeUndefined();
		expect(neighbour(tiles, 4, 'left')).toBeUndefined();
	});

	it('goes from a wide pane of a short last row to the pane above that shares most of it', () => {
		// 5 on 160×45: 0 1 2 / 3 4 — pane 4 spans x 80..159, mostly under pane 2.
		const {tiles} = tileLayout(5, 160, 45);
		expect(neighbour(tiles, 4, 'up')).toBe(2);
		expect(neighbour(tiles, 3, 'up')).toBe(0);
		expect(neighbour(tiles, 1, 'down')).toBe(3);
		expect(neighbour(tiles, 2, 'down')).toBe(4);
	});

	it('moves in a single row and a single column', () => {
		const row = tileLayout(3, 100, 30).tiles;
		expect(neighbour(row, 0, 'right')).toBe(1);
		expect(neighbour(row, 2, 'left')).toBe(1);
		expect(neighbour(row, 1, 'down')).toBeUndefined();
		const column = tileLayout(2, 60, 50).tiles;
		expect(neighbour(column, 0, 'down')).toBe(1);
		expect(neighbour(column, 1, 'up')).toBe(0);
		expect(neighbour(column, 0, 'right')).toBeUndefined();
	});

	it('has no neighbour for one pane or an unknown index', () => {
		const {tiles} = tileLayout(1, 80, 24);
		for (const direction of ['left', 'right', 'up', 'down'] as const)
			expect(neighbour(tiles, 0, direction)).toBeUndefined();
		expect(neighbour(tiles, 5, 'left')).toBeUndefined();
	});
});
