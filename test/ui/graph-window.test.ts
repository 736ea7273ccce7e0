import {describe, expect, it} from 'vitest';
import {buildGraph, type Graph} from '../../source/core/graph.js';
import {newTask, type Task, type TaskStatus} from '../../source/core/task.js';
import {
	columnAt,
	columnGap,
	columnRow,
	fitColumns,
	indexGraph,
	moveAcross,
	moveWithin,
	neighbourhood,
	neighbourhoods,
	nextOnCriticalPath,
	recentre,
	settle,
	startCursor,
	windowColumns,
	type GraphCursor,
	type GraphIndex,
	type WindowContext,
} from '../../source/ui/graph-window.js';

function table(
	...specs: Array<[id: string, deps: string[], minutes?: number, status?: TaskStatus]>
): Map<string, Task> {
	return new Map(
		specs.map(([id, dependencies, estimatedMinutes = 30, status = 'pending']) => [
			id,
			newTask({id, title: `Task ${id}`, dependencies, estimatedMinutes, status}),
		]),
	);
}

function contextFor(index: GraphIndex, columns = 3, rows = 5): WindowContext {
	return {index, viewport: {columns, rows}, hood: neighbourhoods(index)};
}

/**
 * a ─┬─ b ── d ── e       (b, d, e: the critical path)
 *    └─ c ──┘
 * x, y: no dependencies; z depends on x.
 */
const small = () =>
	indexGraph(
		buildGraph(
			table(
				['a', [], 30, 'completed'],
				['x', []],
				['y', [], 10],
				['b', ['a'], 60],
				['c', ['a'], 30],
				['z', ['x'], 5],
				['d', ['b', 'c'], 45],
				['e', ['d'], 15],
			),
		),
	);

/** `layers` layers of `width` tasks; each task depends on two of the layer before. */
function grid(layers: number, width: number): Map<string, Task> {
	const tasks = new Map<string, Task>();
	for (let layer = 0; layer < layers; layer++) {
		for (let i = 0; i < width; i++) {
			const id = `t${layer}-${i}`;
			const dependencies =
				layer === 0 ? [] : [`t${layer - 1}-${i}`, `t${layer - 1}-${(i + 1) % width}`];
			tasks.set(id, newTask({id, title: id, dependencies, estimatedMinutes: 1 + ((i * 7) % 13)}));
		}
	}

	return tasks;
}

describe('indexGraph', () => {
	it('orders each layer: critical path, then by status with done last', () => {
		const index = small();
		expect(index.layers).toEqual([['x', 'y', 'a'], ['b', 'c', 'z'], ['d'], ['e']]);
		expect(index.layerOf.get('z')).toBe(1);
		expect(index.positionOf.get('z')).toBe(2);
		expect([...index.onPath]).toEqual(['b', 'd', 'e']);
	});
});

describe('neighbourhood and columns', () => {
	it('lists the centre and what it is connected to first in every column', () => {
		const index = small();
		const hood = neighbourhood(index, 'z');
		// z needs x; nothing needs z.
		expect(columnAt(index, hood, 0, 0)).toBe('x');
		expect(columnAt(index, hood, 1, 0)).toBe('z');
		const column = [0, 1, 2].map((row) => columnAt(index, hood, 0, row));
		expect(column).toEqual(['x', 'y', 'a']);
		expect([0, 1, 2].map((row) => columnAt(index, hood, 1, row))).toEqual(['z', 'b', 'c']);
	});

	it('puts the nearest first: direct dependencies before theirs', () => {
		const index = indexGraph(buildGraph(grid(6, 10)));
		const hood = neighbourhood(index, 't3-0');
		expect(hood.byLayer.get(2)?.slice(0, 2).sort()).toEqual(['t2-0', 't2-1']);
		expect(hood.byLayer.get(4)?.slice(0, 2).sort()).toEqual(['t4-0', 't4-9']);
		expect(hood.byLayer.get(1)).toHaveLength(3);
	});

	it('columnAt and columnRow agree, and every task of a layer is in its column once', () => {
		const index = indexGraph(buildGraph(grid(5, 30)));
		for (const centre of ['t0-0', 't2-17', 't4-29']) {
			const hood = neighbourhood(index, centre);
			for (let layer = 0; layer < index.layers.length; layer++) {
				const column = Array.from({length: 30}, (_, row) => columnAt(index, hood, layer, row));
				expect(new Set(column)).toEqual(new Set(index.layers[layer]));
				column.forEach((id, row) => expect(columnRow(index, hood, id as string)).toBe(row));
				expect(columnAt(index, hood, layer, 30)).toBeUndefined();
			}
		}
	});

	it('stops walking at the limit: a hub costs no more than its window', () => {
		const tasks = table(['hub', []]);
		for (let i = 0; i < 5000; i++)
			tasks.set(`leaf${i}`, newTask({id: `leaf${i}`, title: 'leaf', dependencies: ['hub']}));
		const index = indexGraph(buildGraph(tasks));
		const hood = neighbourhood(index, 'hub', 50);
		expect(hood.members.size).toBe(51);
		expect(columnRow(index, hood, 'leaf4999')).toBe(4999);
	});
});

describe('fitColumns', () => {
	it('never takes more than the width', () => {
		for (let width = 1; width <= 300; width++) {
			for (const layers of [0, 1, 2, 5, 40]) {
				const fit = fitColumns(width, layers);
				expect(fit.count).toBeGreaterThanOrEqual(1);
				expect(fit.count).toBeLessThanOrEqual(Math.max(1, layers));
				expect(fit.count * fit.width + (fit.count - 1) * columnGap).toBeLessThanOrEqual(width);
			}
		}

		expect(fitColumns(80, 11)).toEqual({count: 3, width: 26});
		expect(fitColumns(80, 2)).toEqual({count: 2, width: 39});
		// Wide terminals get readable columns, not more of them: titles were cut to ten characters.
		expect(fitColumns(160, 11)).toEqual({count: 4, width: 39});
		expect(fitColumns(120, 11)).toEqual({count: 3, width: 39});
		expect(fitColumns(160, 2)).toEqual({count: 2, width: 79});
	});
});

describe('the cursor', () => {
	it('starts on the critical path', () => {
		const index = small();
		expect(startCursor(index)).toMatchObject({centre: 'b', selected: 'b', firstLayer: 0});
		const done = indexGraph(
			buildGraph(table(['p', [], 5, 'completed'], ['q', ['p'], 5, 'completed'])),
		);
		expect(startCursor(done).selected).toBe('p');
		expect(startCursor(indexGraph(buildGraph(new Map()))).selected).toBeUndefined();
	});

	it('j and k move within the column and stop at its ends', () => {
		const index = small();
		const context = contextFor(index);
		let cursor = startCursor(index);
		cursor = moveWithin(cursor, 1, context);
		expect(cursor.selected).toBe('c');
		cursor = moveWithin(cursor, 1, context);
		expect(cursor.selected).toBe('z');
		expect(moveWithin(cursor, 1, context).selected).toBe('z');
		expect(moveWithin(cursor, -10, context).selected).toBe('b');
	});

	it('scrolls the column as little as needed to keep the selection in view', () => {
		const index = indexGraph(buildGraph(grid(3, 40)));
		const context = contextFor(index, 3, 5);
		let cursor: GraphCursor = settle({...startCursor(index), selected: 't1-0'}, context);
		const rowOf = () =>
			columnRow(index, context.hood(cursor.centre as string), cursor.selected as string);
		for (let i = 0; i < 12; i++) cursor = moveWithin(cursor, 1, context);
		const offset = cursor.offsets.get(1) ?? 0;
		expect(rowOf()).toBeGreaterThanOrEqual(offset);
		expect(rowOf()).toBeLessThan(offset + 5);
		expect(rowOf() - offset).toBe(4);
		cursor = moveWithin(cursor, -1, context);
		expect(cursor.offsets.get(1)).toBe(offset);
		const columns = windowColumns(cursor, context);
		expect(columns.map((column) => column.layer)).toEqual([0, 1, 2]);
		for (const column of columns) expect(column.ids).toHaveLength(5);
		expect(columns[1]?.ids).toContain(cursor.selected);
	});

	it('h and l go to a connected task in the next layer, else to the same row', () => {
		const index = small();
		const context = contextFor(index);
		const start = startCursor(index);
		const right = moveAcross(start, 1, context);
		expect(right?.selected).toBe('d');
		expect(moveAcross(right as GraphCursor, 1, context)?.selected).toBe('e');
		expect(moveAcross(right as GraphCursor, -1, context)?.selected).toBe('b');
		const z = moveWithin(moveWithin(start, 1, context), 1, context);
		expect(z.selected).toBe('z');
		expect(moveAcross(z, -1, context)?.selected).toBe('x');
		// Nothing needs z: the same row of the next column, clamped to its length.
		expect(moveAcross(z, 1, context)?.selected).toBe('d');
		expect(moveAcross(moveAcross(start, -1, context) as GraphCursor, -1, context)).toBeUndefined();
	});

	it('scrolls the layers to keep the selection in view, and enter centres it', () => {
		const index = indexGraph(buildGraph(grid(9, 4)));
		const context = contextFor(index, 3, 4);
		let cursor = settle({...startCursor(index), selected: 't0-0', centre: 't0-0'}, context);
		for (let i = 0; i < 5; i++) cursor = moveAcross(cursor, 1, context) as GraphCursor;
		expect(index.layerOf.get(cursor.selected as string)).toBe(5);
		// A layer of context on each side: the selection is never at the edge while more are hidden.
		expect(cursor.firstLayer).toBe(4);
		expect(windowColumns(cursor, context).map((column) => column.layer)).toEqual([4, 5, 6]);
		let walk = moveAcross(
			moveAcross(cursor, -1, context) as GraphCursor,
			-1,
			context,
		) as GraphCursor;
		expect(index.layerOf.get(walk.selected as string)).toBe(3);
		expect(walk.firstLayer).toBe(2);
		for (let i = 0; i < 5; i++) walk = moveAcross(walk, 1, context) as GraphCursor;
		// The last layer has nothing after it: it may sit at the edge.
		expect(index.layerOf.get(walk.selected as string)).toBe(8);
		expect(walk.firstLayer).toBe(6);
		const centred = recentre(cursor, context);
		expect(centred.centre).toBe(cursor.selected);
		expect(centred.firstLayer).toBe(4);
		const columns = windowColumns(centred, context);
		expect(columns[1]?.ids[0]).toBe(cursor.selected);
		// The centre's dependencies lead the column before it, its dependents the one after.
		const task = index.graph.tasks.get(cursor.selected as string);
		expect(new Set(columns[0]?.ids.slice(0, 2))).toEqual(new Set(task?.dependencies));
		expect(new Set(columns[2]?.ids.slice(0, 2))).toEqual(
			new Set(index.graph.dependentsOf(cursor.selected as string)),
		);
	});

	it('c walks the critical path and wraps around', () => {
		const index = small();
		const context = contextFor(index);
		let cursor = startCursor(index);
		const seen = [];
		for (let i = 0; i < 4; i++) {
			cursor = nextOnCriticalPath(cursor, context) as GraphCursor;
			seen.push(cursor.selected);
			expect(cursor.centre).toBe(cursor.selected);
		}

		expect(seen).toEqual(['d', 'e', 'b', 'd']);
		const done = indexGraph(buildGraph(table(['p', [], 5, 'completed'])));
		expect(nextOnCriticalPath(startCursor(done), contextFor(done))).toBeUndefined();
	});

	it('falls back to the start when the selection leaves the graph', () => {
		const index = small();
		const cursor = moveWithin(startCursor(index), 2, contextFor(index));
		expect(cursor.selected).toBe('z');
		const without = indexGraph(
			buildGraph(table(['a', [], 30, 'completed'], ['b', ['a'], 60], ['c', ['a']])),
		);
		expect(settle(cursor, contextFor(without))).toMatchObject({selected: 'b', centre: 'b'});
	});
});

/** The graph, with every look at a task or its dependents counted. */
function counted(graph: Graph): {graph: Graph; looks: () => number} {
	let looks = 0;
	const tasks = new Proxy(graph.tasks, {
		get(target, property) {
			if (property === 'get')
				return (id: string) => {
					looks++;
					return target.get(id);
				};
			const value: unknown = Reflect.get(target, property, target);
			return typeof value === 'function' ? value.bind(target) : value;
		},
	});
	const wrapped: Graph = {
		...graph,
		tasks,
		dependentsOf(id) {
			looks++;
			return graph.dependentsOf(id);
		},
	};
	return {graph: wrapped, looks: () => looks};
}

describe('10,000 tasks', () => {
	it('a key and a window look at the window, not at the graph', () => {
		const {graph, looks} = counted(buildGraph(grid(100, 100)));
		const index = indexGraph(graph);
		const context = contextFor(index, 4, 20);
		const before = looks();
		let cursor = settle(startCursor(index), context);
		for (const step of [1, 1, -1, 20]) cursor = moveWithin(cursor, step, context);
		cursor = moveAcross(cursor, 1, context) as GraphCursor;
		cursor = moveAcross(cursor, -1, context) as GraphCursor;
		cursor = recentre(cursor, context);
		cursor = nextOnCriticalPath(cursor, context) as GraphCursor;
		const columns = windowColumns(cursor, context);
		expect(columns).toHaveLength(4);
		expect(columns.reduce((sum, column) => sum + column.ids.length, 0)).toBe(80);
		// Two neighbourhoods (bounded walks) and a few moves: far fewer looks than tasks.
		expect(looks() - before).toBeLessThan(2000);
	});
});
