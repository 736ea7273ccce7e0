/**
 * The dependency graph of the tasks (PRODUCT.md §3, §5, §10): edges run from a dependency to its
 * dependent. Everything the scheduler, `deps` and the TUI's graph view read comes from here:
 * cycles, dependencies on unknown ids, readiness, topological layers, each unfinished task's
 * remaining path (the scheduler's priority key), the critical path and each task's slack.
 *
 * Linear in tasks + edges: tasks are numbered once and edges kept in flat arrays, so that 100,000
 * tasks cost little more than reading them.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- every index below comes from the
   arrays' own bounds, which noUncheckedIndexedAccess cannot see; checks in these loops would cost. */
import {isEpic, type Task, type TaskTable} from './task.js';

export interface MissingDependency {
	readonly id: string;
	readonly dependsOn: string;
}

export interface Graph {
	readonly tasks: TaskTable;
	/** Task ids in table order; the index of a task is its position here. */
	readonly ids: readonly string[];
	/** One closed path per group of tasks that depend on each other: `[a, b, a]`. */
	readonly cycles: readonly (readonly string[])[];
	/** Every task that is on some cycle. */
	readonly inCycle: ReadonlySet<string>;
	readonly missing: readonly MissingDependency[];
	/**
	 * Tasks that cannot run until the graph is fixed: on a cycle, depending on an unknown id, or
	 * depending (at any depth) on such a task.
	 */
	readonly stuck: ReadonlySet<string>;
	/** Minutes of the longest chain of unfinished work starting at each unfinished task (itself included). */
	readonly remaining: ReadonlyMap<string, number>;
	/** Minutes of the longest chain of unfinished work that must finish before each unfinished task starts. */
	readonly before: ReadonlyMap<string, number>;
	/** The longest chain of unfinished tasks by summed `estimatedMinutes`, first to do → last. */
	readonly criticalPath: readonly string[];
	readonly criticalMinutes: number;
	/** Minutes each unfinished task could slip without lengthening the critical path. */
	readonly slack: ReadonlyMap<string, number>;
	/** Tasks by depth: layer 0 has no dependencies, a task sits one layer after its deepest dependency. Cycles excluded. */
	readonly layers: readonly (readonly string[])[];
	/** Known dependents of each task (the tasks that list it as a dependency). */
	dependentsOf(id: string): readonly string[];
}

const isFinished = (task: Task) => task.status === 'completed';

/** The tasks of a table numbered, with dependency edges as flat arrays (compressed rows). */
interface Numbered {
	readonly ids: string[];
	readonly tasks: Task[];
	/** Dependencies of task i: depList[depStart[i] .. depStart[i + 1]). */
	readonly depStart: Int32Array;
	readonly depList: Int32Array;
	/** Dependents of task i, the same way. */
	readonly outStart: Int32Array;
	readonly outList: Int32Array;
	readonly missing: MissingDependency[];
	readonly index: ReadonlyMap<string, number>;
}

function numberTasks(table: TaskTable): Numbered {
	const n = table.size;
	const ids: string[] = [];
	const tasks: Task[] = [];
	const index = new Map<string, number>();
	let edges = 0;
	// forEach and indexed loops rather than iterators: this runs once per command, mostly before
	// the optimising compiler has seen it, where an iterator's steps cost most.
	table.forEach((task) => {
		index.set(task.id, ids.length);
		ids.push(task.id);
		tasks.push(task);
		edges += task.dependencies.length;
	});

	const depStart = new Int32Array(n + 1);
	// Sized for every listed dependency; a dependency on an unknown id leaves its slot unused.
	let depList = new Int32Array(edges);
	const outStart = new Int32Array(n + 1);
	const missing: MissingDependency[] = [];
	let known = 0;
	for (let v = 0; v < n; v++) {
		depStart[v] = known;
		const task = tasks[v]!;
		const dependencies = task.dependencies;
		for (let k = 0; k < dependencies.length; k++) {
			const dep = dependencies[k]!;
			const d = index.get(dep);
			if (d === undefined) missing.push({id: task.id, dependsOn: dep});
			else {
				depList[known++] = d;
				outStart[d + 1]!++;
			}
		}
	}

	depStart[n] = known;
	if (known < edges) depList = depList.slice(0, known);
	for (let v = 0; v < n; v++) outStart[v + 1]! += outStart[v]!;
	const fill = outStart.slice(0, n);
	const outList = new Int32Array(known);
	for (let v = 0; v < n; v++) {
		for (let k = depStart[v]!; k < depStart[v + 1]!; k++) outList[fill[depList[k]!]!++] = v;
	}

	return {ids, tasks, depStart, depList, outStart, outList, missing, index};
}

/**
 * Strongly connected components (Tarjan, with an explicit stack so deep chains do not overflow).
 * Returns each task's component number and which components are cycles.
 */
function components(g: Numbered): {component: Int32Array; cyclic: boolean[]} {
	const n = g.ids.length;
	const order = new Int32Array(n).fill(-1);
	const low = new Int32Array(n);
	const component = new Int32Array(n).fill(-1);
	const onStack = new Uint8Array(n);
	const stack: number[] = [];
	const cyclic: boolean[] = [];
	const callNode = new Int32Array(n);
	const callEdge = new Int32Array(n);
	let counter = 0;
	for (let root = 0; root < n; root++) {
		if (order[root] !== -1) continue;
		let depth = 0;
		callNode[0] = root;
		callEdge[0] = g.depStart[root]!;
		order[root] = low[root] = counter++;
		stack.push(root);
		onStack[root] = 1;
		while (depth >= 0) {
			const v = callNode[depth]!;
			const edge = callEdge[depth]!;
			if (edge < g.depStart[v + 1]!) {
				callEdge[depth] = edge + 1;
				const w = g.depList[edge]!;
				if (order[w] === -1) {
					order[w] = low[w] = counter++;
					stack.push(w);
					onStack[w] = 1;
					depth++;
					callNode[depth] = w;
					callEdge[depth] = g.depStart[w]!;
				} else if (onStack[w] === 1 && order[w]! < low[v]!) {
					low[v] = order[w]!;
				}

				continue;
			}

			if (low[v] === order[v]) {
				const id = cyclic.length;
				let size = 0;
				let selfLoop = false;
				for (;;) {
					const w = stack.pop()!;
					onStack[w] = 0;
					component[w] = id;
					size++;
					if (w === v) break;
				}

				for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++)
					if (g.depList[k] === v) selfLoop = true;
				cyclic.push(size > 1 || selfLoop);
			}

			depth--;
			if (depth >= 0) {
				const parent = callNode[depth]!;
				if (low[v]! < low[parent]!) low[parent] = low[v]!;
			}
		}
	}

	return {component, cyclic};
}

/** One closed path inside a cyclic component, found by walking dependencies within it. */
function cyclePath(g: Numbered, component: Int32Array, start: number): string[] {
	const target = component[start]!;
	const parent = new Map<number, number>([[start, -1]]);
	const queue = [start];
	for (let head = 0; head < queue.length; head++) {
		const v = queue[head]!;
		for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) {
			const w = g.depList[k]!;
			if (component[w] !== target) continue;
			if (w === start) {
				// We walked dependencies, against the edges; back up the parents to read in edge order.
				const path = [start];
				for (let x = v; x !== -1; x = parent.get(x) ?? -1) path.push(x);
				return path.map((i) => g.ids[i]!);
			}

			if (!parent.has(w)) {
				parent.set(w, v);
				queue.push(w);
			}
		}
	}

	return [g.ids[start]!];
}

/**
 * Tasks on no cycle in topological order (Kahn), dependencies first. Edges from a task on a cycle
 * never resolve; the tasks behind them still get their place.
 */
function topologicalOrder(g: Numbered, onCycle: Uint8Array | undefined): Int32Array {
	const n = g.ids.length;
	const pending = new Int32Array(n);
	const topo = new Int32Array(n);
	let size = 0;
	for (let v = 0; v < n; v++) {
		if (onCycle?.[v] === 1) continue;
		let count = g.depStart[v + 1]! - g.depStart[v]!;
		if (onCycle !== undefined)
			for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) count -= onCycle[g.depList[k]!]!;
		pending[v] = count;
		if (count === 0) topo[size++] = v;
	}

	for (let head = 0; head < size; head++) {
		const v = topo[head]!;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (onCycle?.[w] !== 1 && --pending[w]! === 0) topo[size++] = w;
		}
	}

	return topo.subarray(0, size);
}

/**
 * Everything a graph holds that needs no more than one pass: what `deps --critical-path`, the
 * scheduler and `validate` read. The rest (`layers`, `before`, `slack`, `stuck`, and the per-task
 * figures as maps) is worked out on first read, from the arrays kept here.
 */
export function buildGraph(table: TaskTable): Graph {
	const g = numberTasks(table);
	const n = g.ids.length;

	// Most graphs have no cycle, and a topological order that takes every task proves it: the
	// components are only looked for when it does not.
	let topo = topologicalOrder(g, undefined);
	const cycles: string[][] = [];
	const inCycle = new Set<string>();
	let onCycle: Uint8Array | undefined;
	if (topo.length < n) {
		const {component, cyclic} = components(g);
		onCycle = new Uint8Array(n);
		const seenComponent = new Set<number>();
		for (let i = 0; i < n; i++) {
			const c = component[i]!;
			if (!cyclic[c]) continue;
			onCycle[i] = 1;
			inCycle.add(g.ids[i]!);
			if (!seenComponent.has(c)) {
				seenComponent.add(c);
				cycles.push(cyclePath(g, component, i));
			}
		}

		topo = topologicalOrder(g, onCycle);
	}

	// Longest chains of unfinished work, backwards: `remaining` of each task. Work on a cycle
	// cannot be scheduled, so no chain runs through it.
	const open = new Uint8Array(n);
	const minutes = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		const task = g.tasks[i]!;
		open[i] = isFinished(task) || onCycle?.[i] === 1 ? 0 : 1;
		// An epic is its children's work, which they weigh already (PRODUCT.md §16).
		minutes[i] = isEpic(task) ? 0 : task.estimatedMinutes;
	}

	const remaining = new Float64Array(n);
	let start = -1;
	for (let t = topo.length - 1; t >= 0; t--) {
		const v = topo[t]!;
		if (open[v] === 0) continue;
		let longest = 0;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (open[w] === 1 && remaining[w]! > longest) longest = remaining[w]!;
		}

		remaining[v] = minutes[v]! + longest;
		if (start === -1 || isLonger(v, start, remaining, g.ids)) start = v;
	}

	const criticalPath: string[] = [];
	for (let v = start; v !== -1;) {
		criticalPath.push(g.ids[v]!);
		let next = -1;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (open[w] === 1 && (next === -1 || isLonger(w, next, remaining, g.ids))) next = w;
		}

		v = next;
	}

	const criticalMinutes = start === -1 ? 0 : remaining[start]!;

	/** Longest chains of unfinished work forwards: what must finish before each task starts. */
	const before = once(() => {
		const out = new Float64Array(n);
		for (const v of topo) {
			if (open[v] === 0) continue;
			let longest = 0;
			for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) {
				const d = g.depList[k]!;
				if (open[d] === 1 && out[d]! + minutes[d]! > longest) longest = out[d]! + minutes[d]!;
			}

			out[v] = longest;
		}

		return out;
	});

	/** Per-task figures of the unfinished tasks as maps, in topological order. */
	const perTask = (value: (i: number) => number) =>
		once(() => {
			const made = new Map<string, number>();
			for (const v of topo) if (open[v] === 1) made.set(g.ids[v]!, value(v));
			return made;
		});

	const remainingMap = perTask((v) => remaining[v]!);
	const beforeMap = perTask((v) => before()[v]!);
	const slackMap = perTask((v) => criticalMinutes - before()[v]! - remaining[v]!);
	const stuck = once(() => stuckTasks(g, onCycle));
	const layers = once(() => layersOf(g, topo, onCycle));
	const index = g.index;
	return {
		tasks: table,
		ids: g.ids,
		cycles,
		inCycle,
		missing: g.missing,
		get stuck() {
			return stuck();
		},
		get remaining() {
			return remainingMap();
		},
		get before() {
			return beforeMap();
		},
		get slack() {
			return slackMap();
		},
		criticalPath,
		criticalMinutes,
		get layers() {
			return layers();
		},
		dependentsOf(id) {
			const i = index.get(id);
			if (i === undefined) return [];
			const out: string[] = [];
			for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) out.push(g.ids[g.outList[k]!]!);
			return out;
		},
	};
}

/** `make`'s answer, worked out on the first call. */
function once<T>(make: () => T): () => T {
	let made: {value: T} | undefined;
	return () => (made ??= {value: make()}).value;
}

/** Stuck: on a cycle, depending on an unknown id, or downstream of such a task. */
function stuckTasks(g: Numbered, onCycle: Uint8Array | undefined): Set<string> {
	if (onCycle === undefined && g.missing.length === 0) return new Set();
	const n = g.ids.length;
	const mark = onCycle === undefined ? new Uint8Array(n) : onCycle.slice();
	for (const {id} of g.missing) mark[g.index.get(id)!] = 1;
	const spread: number[] = [];
	for (let i = 0; i < n; i++) if (mark[i] === 1) spread.push(i);
	for (let head = 0; head < spread.length; head++) {
		const v = spread[head]!;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (mark[w] === 0) {
				mark[w] = 1;
				spread.push(w);
			}
		}
	}

	const stuck = new Set<string>();
	for (let i = 0; i < n; i++) if (mark[i] === 1) stuck.add(g.ids[i]!);
	return stuck;
}

/** Layers over every task on no cycle: a task sits one layer after its deepest dependency. */
function layersOf(g: Numbered, topo: Int32Array, onCycle: Uint8Array | undefined): string[][] {
	const layer = new Int32Array(g.ids.length);
	const layers: string[][] = [];
	for (const v of topo) {
		let depth = 0;
		for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) {
			const d = g.depList[k]!;
			if (onCycle?.[d] !== 1) depth = Math.max(depth, layer[d]! + 1);
		}

		layer[v] = depth;
		(layers[depth] ??= []).push(g.ids[v]!);
	}

	return layers;
}

/** Longer remaining path first; on a tie, the smaller id, so the answer never depends on table order. */
function isLonger(a: number, b: number, remaining: Float64Array, ids: readonly string[]): boolean {
	const difference = remaining[a]! - remaining[b]!;
	if (difference !== 0) return difference > 0;
	return ids[a]! < ids[b]!;
}

/**
 * PRODUCT.md §3: a task (an epic is never run), pending or ready, every dependency completed, no
 * blockers, backoff over — and, from the whole graph, not on a cycle.
 */
export function isRunnable(task: Task, graph: Graph, now: Date): boolean {
	if (isEpic(task)) return false;
	if (task.status !== 'pending' && task.status !== 'ready') return false;
	if (task.blockers.length > 0 || graph.inCycle.has(task.id)) return false;
	if (task.nextAttemptAt !== undefined && Date.parse(task.nextAttemptAt) > now.getTime())
		return false;
	return task.dependencies.every((dep) => graph.tasks.get(dep)?.status === 'completed');
}

export function runnableTasks(graph: Graph, now: Date): Task[] {
	const out: Task[] = [];
	for (const task of graph.tasks.values()) if (isRunnable(task, graph, now)) out.push(task);
	return out;
}

/** The lower bound on finishing everything with `agents` agents: max(critical path, work / agents). */
export function etaMinutes(graph: Graph, agents: number): number {
	let work = 0;
	const {stuck} = graph;
	// Failed tasks and tasks that can never run as the graph stands are not work the agents will do.
	graph.tasks.forEach((task) => {
		if (!isFinished(task) && !isEpic(task) && task.status !== 'failed' && !stuck.has(task.id))
			work += task.estimatedMinutes;
	});
	return Math.max(graph.criticalMinutes, work / Math.max(agents, 1));
}
