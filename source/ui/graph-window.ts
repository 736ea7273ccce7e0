/**
 * Which tasks the graph view shows, and where: columns are the graph's layers (left → right), and a
 * window of them around the selection fits the screen. Each column lists first the tasks connected
 * to the centre (its dependencies to the left, its dependents to the right, nearest first), then the
 * rest of the layer; so the centre's neighbourhood reads across the top rows of the window.
 *
 * Pure, and cheap per key: the layers are ordered once per graph (`indexGraph`, O(n log n)), the
 * neighbourhood is a bounded walk from the centre, and everything else touches only the rows shown.
 * At 10,000 tasks a key costs the window, never the graph.
 */
import type {Graph} from '../core/graph.js';
import type {TaskStatus} from '../core/task.js';

/** Where every task on no cycle sits, made once per graph. */
export interface GraphIndex {
	readonly graph: Graph;
	/** `graph.layers`, each in reading order: critical path, work under way, failed, ready, blocked, pending, done. */
	readonly layers: readonly (readonly string[])[];
	readonly layerOf: ReadonlyMap<string, number>;
	readonly positionOf: ReadonlyMap<string, number>;
	readonly onPath: ReadonlySet<string>;
}

/** Within a layer, what needs a look comes before what is done. */
const statusRank: Record<TaskStatus, number> = {
	in_progress: 1,
	claimed: 1,
	failed: 2,
	review: 2,
	ready: 3,
	blocked: 4,
	pending: 5,
	completed: 6,
};

export function indexGraph(graph: Graph): GraphIndex {
	const onPath = new Set(graph.criticalPath);
	const remaining = graph.remaining;
	const layerOf = new Map<string, number>();
	const positionOf = new Map<string, number>();
	const layers = graph.layers.map((layer, depth) => {
		const keyed = layer.map((id) => {
			const status = graph.tasks.get(id)?.status ?? 'pending';
			return {
				id,
				rank: onPath.has(id) ? 0 : statusRank[status],
				work: remaining.get(id) ?? 0,
			};
		});
		// Array.prototype.sort is stable: ties keep the order of the task file.
		keyed.sort((a, b) => a.rank - b.rank || b.work - a.work);
		return keyed.map(({id}, position) => {
			layerOf.set(id, depth);
			positionOf.set(id, position);
			return id;
		});
	});
	return {graph, layers, layerOf, positionOf, onPath};
}

/** The tasks connected to a centre, by layer, nearest first. */
export interface Neighbourhood {
	readonly centre: string;
	readonly byLayer: ReadonlyMap<number, readonly string[]>;
	/** Positions (in the layer's order) of the same tasks, ascending: to count around them. */
	readonly positions: ReadonlyMap<number, readonly number[]>;
	readonly members: ReadonlySet<string>;
}

/** How far the walk from the centre goes each way: a hub with 5,000 dependents costs no more. */
export const neighbourhoodLimit = 200;

export function neighbourhood(
	index: GraphIndex,
	centre: string,
	limit = neighbourhoodLimit,
): Neighbourhood {
	const distance = new Map<string, number>([[centre, 0]]);
	const walk = (next: (id: string) => readonly string[]) => {
		const queue = [centre];
		let found = 0;
		for (let head = 0; head < queue.length && found < limit; head++) {
			const id = queue[head] as string;
			const step = (distance.get(id) ?? 0) + 1;
			for (const other of next(id)) {
				if (found >= limit) break;
				// Unknown ids and tasks on a cycle have no column.
				if (distance.has(other) || !index.layerOf.has(other)) continue;
				distance.set(other, step);
				queue.push(other);
				found++;
			}
		}
	};

	walk((id) => index.graph.tasks.get(id)?.dependencies ?? []);
	walk((id) => index.graph.dependentsOf(id));

	const grouped = new Map<number, string[]>();
	for (const id of distance.keys()) {
		const layer = index.layerOf.get(id) as number;
		let group = grouped.get(layer);
		if (group === undefined) grouped.set(layer, (group = []));
		group.push(id);
	}

	const position = (id: string) => index.positionOf.get(id) ?? 0;
	const positions = new Map<number, number[]>();
	for (const [layer, group] of grouped) {
		group.sort(
			(a, b) => (distance.get(a) ?? 0) - (distance.get(b) ?? 0) || position(a) - position(b),
		);
		positions.set(
			layer,
			group.map(position).sort((a, b) => a - b),
		);
	}

	return {centre, byLayer: grouped, positions, members: new Set(distance.keys())};
}

/** The neighbourhood of the last centre asked for, kept: moves within it ask again and again. */
export function neighbourhoods(index: GraphIndex): (centre: string) => Neighbourhood {
	let last: Neighbourhood | undefined;
	return (centre) => {
		if (last?.centre !== centre) last = neighbourhood(index, centre);
		return last;
	};
}

export function columnSize(index: GraphIndex, layer: number): number {
	return index.layers[layer]?.length ?? 0;
}

/** The task at row `row` of a layer's column: the neighbourhood first, then the rest in order. */
export function columnAt(
	index: GraphIndex,
	hood: Neighbourhood,
	layer: number,
	row: number,
): string | undefined {
	const group = hood.byLayer.get(layer) ?? [];
	if (row < group.length) return group[row];
	let position = row - group.length;
	for (const taken of hood.positions.get(layer) ?? []) {
		if (taken <= position) position++;
		else break;
	}

	return index.layers[layer]?.[position];
}

/** Where `id` sits in its column (-1 when it has none). */
export function columnRow(index: GraphIndex, hood: Neighbourhood, id: string): number {
	const layer = index.layerOf.get(id);
	const position = index.positionOf.get(id);
	if (layer === undefined || position === undefined) return -1;
	const group = hood.byLayer.get(layer) ?? [];
	if (hood.members.has(id)) return group.indexOf(id);
	let before = 0;
	for (const taken of hood.positions.get(layer) ?? []) {
		if (taken < position) before++;
		else break;
	}

	return group.length + position - before;
}

export interface Viewport {
	/** Layers shown side by side. */
	readonly columns: number;
	/** Tasks shown in each column. */
	readonly rows: number;
}

const minColumnWidth = 22;
/** Wide enough for a title people can read; narrower only to show a layer each side of the selection. */
const preferredColumnWidth = 36;
const maxColumnWidth = 80;
export const columnGap = 1;

/**
 * How many layers fit across `width`, and how wide each is: columns of readable width, at least
 * three when even narrow ones fit (the selection's layer and one each side), and the layers there
 * are sharing the whole width when they are few.
 */
export function fitColumns(width: number, layers: number): {count: number; width: number} {
	const most = Math.floor((width + columnGap) / (minColumnWidth + columnGap));
	const readable = Math.floor((width + columnGap) / (preferredColumnWidth + columnGap));
	const count = Math.max(1, Math.min(most, Math.max(3, readable), Math.max(1, layers)));
	const each = Math.floor((width - columnGap * (count - 1)) / count);
	return {count, width: Math.max(1, Math.min(maxColumnWidth, each))};
}

export interface WindowContext {
	readonly index: GraphIndex;
	readonly viewport: Viewport;
	readonly hood: (centre: string) => Neighbourhood;
}

export interface GraphCursor {
	/** The task whose neighbourhood orders the columns. */
	readonly centre: string | undefined;
	readonly selected: string | undefined;
	/** The leftmost layer shown. */
	readonly firstLayer: number;
	/** Each column's scroll (the row at its top), by layer; the rest are at the top. */
	readonly offsets: ReadonlyMap<number, number>;
}

/** Where the view starts: the first task of the critical path, else the first task laid out. */
export function startCursor(index: GraphIndex): GraphCursor {
	const first =
		index.graph.criticalPath.find((id) => index.layerOf.has(id)) ?? index.layers[0]?.[0];
	return {centre: first, selected: first, firstLayer: 0, offsets: new Map()};
}

const clamp = (value: number, low: number, high: number) =>
	Math.max(low, Math.min(value, Math.max(low, high)));

/**
 * The cursor made consistent with the graph and the screen as they are now: a selection that is
 * gone is replaced, and its layer and row are scrolled into view (as little as needed).
 */
export function settle(cursor: GraphCursor, context: WindowContext): GraphCursor {
	const {index, viewport} = context;
	let {centre, selected, firstLayer, offsets} = cursor;
	if (selected === undefined || !index.layerOf.has(selected)) {
		const start = startCursor(index);
		if (start.selected === undefined) return start;
		selected = start.selected;
		centre = start.centre;
		offsets = new Map();
	}

	if (centre === undefined || !index.layerOf.has(centre)) centre = selected;
	const layer = index.layerOf.get(selected) as number;
	const columns = Math.max(1, viewport.columns);
	// A layer of context each side of the selection when three or more are shown.
	const margin = columns >= 3 ? 1 : 0;
	if (layer < firstLayer + margin) firstLayer = layer - margin;
	else if (layer > firstLayer + columns - 1 - margin) firstLayer = layer - columns + 1 + margin;
	firstLayer = clamp(firstLayer, 0, index.layers.length - columns);

	const rows = Math.max(1, viewport.rows);
	const row = columnRow(index, context.hood(centre), selected);
	const was = offsets.get(layer) ?? 0;
	let offset = was;
	if (row < offset) offset = row;
	else if (row >= offset + rows) offset = row - rows + 1;
	offset = clamp(offset, 0, columnSize(index, layer) - rows);
	if (offset !== was) offsets = new Map(offsets).set(layer, offset);

	if (
		centre === cursor.centre &&
		selected === cursor.selected &&
		firstLayer === cursor.firstLayer &&
		offsets === cursor.offsets
	)
		return cursor;
	return {centre, selected, firstLayer, offsets};
}

/** `delta` rows down the selected column (negative: up), stopping at its ends. */
export function moveWithin(
	cursor: GraphCursor,
	delta: number,
	context: WindowContext,
): GraphCursor {
	const now = settle(cursor, context);
	if (now.selected === undefined || now.centre === undefined) return now;
	const {index} = context;
	const hood = context.hood(now.centre);
	const layer = index.layerOf.get(now.selected) as number;
	const row = clamp(columnRow(index, hood, now.selected) + delta, 0, columnSize(index, layer) - 1);
	const selected = columnAt(index, hood, layer, row) ?? now.selected;
	return settle({...now, selected}, context);
}

/** Candidates for a move across: enough to find the nearest, never a hub's every dependent. */
const acrossCandidates = 200;

/**
 * To the layer before (`-1`) or after (`1`): onto the selection's nearest dependency or dependent
 * in that layer when it has one, else onto the same row. `undefined` when there is no such layer.
 */
export function moveAcross(
	cursor: GraphCursor,
	direction: -1 | 1,
	context: WindowContext,
): GraphCursor | undefined {
	const now = settle(cursor, context);
	if (now.selected === undefined || now.centre === undefined) return undefined;
	const {index} = context;
	const hood = context.hood(now.centre);
	const layer = index.layerOf.get(now.selected) as number;
	const target = layer + direction;
	if (target < 0 || target >= index.layers.length) return undefined;

	const screenRow = columnRow(index, hood, now.selected) - (now.offsets.get(layer) ?? 0);
	const targetOffset = now.offsets.get(target) ?? 0;
	const linked =
		direction < 0
			? (index.graph.tasks.get(now.selected)?.dependencies ?? [])
			: index.graph.dependentsOf(now.selected);
	let best: string | undefined;
	let bestDistance = Infinity;
	let looked = 0;
	for (const id of linked) {
		if (index.layerOf.get(id) !== target) continue;
		if (++looked > acrossCandidates) break;
		const distance = Math.abs(columnRow(index, hood, id) - targetOffset - screenRow);
		if (distance < bestDistance) {
			best = id;
			bestDistance = distance;
		}
	}

	best ??= columnAt(
		index,
		hood,
		target,
		clamp(targetOffset + screenRow, 0, columnSize(index, target) - 1),
	);
	return best === undefined ? undefined : settle({...now, selected: best}, context);
}

/** The selection becomes the centre: its neighbourhood on top, its layer in the middle. */
export function recentre(cursor: GraphCursor, context: WindowContext): GraphCursor {
	const now = settle(cursor, context);
	if (now.selected === undefined) return now;
	const {index, viewport} = context;
	const layer = index.layerOf.get(now.selected) as number;
	const columns = Math.max(1, viewport.columns);
	const firstLayer = clamp(layer - Math.floor((columns - 1) / 2), 0, index.layers.length - columns);
	return settle(
		{centre: now.selected, selected: now.selected, firstLayer, offsets: new Map()},
		context,
	);
}

/** The next task of the critical path (from its start when the selection is not on it), centred. */
export function nextOnCriticalPath(
	cursor: GraphCursor,
	context: WindowContext,
): GraphCursor | undefined {
	const path = context.index.graph.criticalPath;
	if (path.length === 0) return undefined;
	const at = cursor.selected === undefined ? -1 : path.indexOf(cursor.selected);
	const selected = path[(at + 1) % path.length];
	return recentre({...cursor, selected}, context);
}

export interface WindowColumn {
	readonly layer: number;
	/** Tasks in the whole layer. */
	readonly size: number;
	/** Row of the layer's column at the top of the window. */
	readonly offset: number;
	readonly ids: readonly string[];
}

/** The columns on screen for a settled cursor: only the rows that fit are looked up. */
export function windowColumns(cursor: GraphCursor, context: WindowContext): WindowColumn[] {
	const {index, viewport} = context;
	if (cursor.centre === undefined) return [];
	const hood = context.hood(cursor.centre);
	const rows = Math.max(1, viewport.rows);
	const last = Math.min(index.layers.length, cursor.firstLayer + Math.max(1, viewport.columns));
	const columns: WindowColumn[] = [];
	for (let layer = cursor.firstLayer; layer < last; layer++) {
		const size = columnSize(index, layer);
		const offset = clamp(cursor.offsets.get(layer) ?? 0, 0, size - rows);
		const ids: string[] = [];
		for (let row = offset; row < Math.min(size, offset + rows); row++) {
			const id = columnAt(index, hood, layer, row);
			if (id !== undefined) ids.push(id);
		}

		columns.push({layer, size, offset, ids});
	}

	return columns;
}
