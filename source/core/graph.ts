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
import type {Task, TaskTable} from './task.js';

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
	const ids: string[] = [];
	const tasks: Task[] = [];
	const index = new Map<string, number>();
	for (const task of table.values()) {
		index.set(task.id, ids.length);
		ids.push(task.id);
		tasks.push(task);
	}

	const n = ids.length;
	const depStart = new Int32Array(n + 1);
	const known: number[] = [];
	const missing: MissingDependency[] = [];
	for (let i = 0; i < n; i++) {
		depStart[i] = known.length;
		const task = tasks[i] as Task;
		for (const dep of task.dependencies) {
			const j = index.get(dep);
			if (j === undefined) missing.push({id: task.id, dependsOn: dep});
			else known.push(j);
		}
	}

	depStart[n] = known.length;
	const depList = Int32Array.from(known);
	const outCount = new Int32Array(n + 1);
	for (const j of depList) outCount[j + 1]!++;
	const outStart = new Int32Array(n + 1);
	for (let i = 0; i < n; i++) outStart[i + 1] = outStart[i]! + outCount[i + 1]!;
	const fill = outStart.slice(0, n);
	const outList = new Int32Array(depList.length);
	for (let i = 0; i < n; i++) {
		for (let k = depStart[i]!; k < depStart[i + 1]!; k++) outList[fill[depList[k]!]!++] = i;
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

export function buildGraph(table: TaskTable): Graph {
	const g = numberTasks(table);
	const n = g.ids.length;
	const {component, cyclic} = components(g);

	const cycles: string[][] = [];
	const inCycle = new Set<string>();
	const seenComponent = new Set<number>();
	for (let i = 0; i < n; i++) {
		const c = component[i]!;
		if (!cyclic[c]) continue;
		inCycle.add(g.ids[i]!);
		if (!seenComponent.has(c)) {
			seenComponent.add(c);
			cycles.push(cyclePath(g, component, i));
		}
	}

	// Topological order of the tasks on no cycle (Kahn), dependencies first.
	const pending = new Int32Array(n);
	const topo: number[] = [];
	const onCycle = (i: number) => cyclic[component[i]!] === true;
	for (let i = 0; i < n; i++) {
		if (onCycle(i)) continue;
		// Edges from a cycle never resolve; the tasks behind them still get their place.
		for (let k = g.depStart[i]!; k < g.depStart[i + 1]!; k++)
			if (!onCycle(g.depList[k]!)) pending[i]!++;
		if (pending[i] === 0) topo.push(i);
	}

	for (let head = 0; head < topo.length; head++) {
		const v = topo[head]!;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (!onCycle(w) && --pending[w]! === 0) topo.push(w);
		}
	}

	// Stuck: on a cycle, depending on an unknown id, or downstream of such a task.
	const stuckMark = new Uint8Array(n);
	const missingFrom = new Set(g.missing.map((m) => m.id));
	for (let i = 0; i < n; i++) if (onCycle(i) || missingFrom.has(g.ids[i]!)) stuckMark[i] = 1;
	const spread: number[] = [];
	for (let i = 0; i < n; i++) if (stuckMark[i] === 1) spread.push(i);
	for (let head = 0; head < spread.length; head++) {
		const v = spread[head]!;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (stuckMark[w] === 0) {
				stuckMark[w] = 1;
				spread.push(w);
			}
		}
	}

	// Layers over every task on no cycle.
	const layer = new Int32Array(n);
	const layers: string[][] = [];
	for (const v of topo) {
		let depth = 0;
		for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) {
			const d = g.depList[k]!;
			if (!onCycle(d)) depth = Math.max(depth, layer[d]! + 1);
		}

		layer[v] = depth;
		(layers[depth] ??= []).push(g.ids[v]!);
	}

	// Longest chains of unfinished work: `before` forwards, `remaining` backwards.
	// Work on a cycle cannot be scheduled, so no chain runs through it.
	const unfinished = (i: number) => !isFinished(g.tasks[i]!) && !onCycle(i);
	const minutes = (i: number) => g.tasks[i]!.estimatedMinutes;
	const before = new Float64Array(n);
	const remaining = new Float64Array(n);
	for (const v of topo) {
		if (!unfinished(v)) continue;
		let longest = 0;
		for (let k = g.depStart[v]!; k < g.depStart[v + 1]!; k++) {
			const d = g.depList[k]!;
			if (unfinished(d)) longest = Math.max(longest, before[d]! + minutes(d));
		}

		before[v] = longest;
	}

	let start = -1;
	for (let t = topo.length - 1; t >= 0; t--) {
		const v = topo[t]!;
		if (!unfinished(v)) continue;
		let longest = 0;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (unfinished(w)) longest = Math.max(longest, remaining[w]!);
		}

		remaining[v] = minutes(v) + longest;
		if (start === -1 || isLonger(v, start, remaining, g.ids)) start = v;
	}

	const criticalPath: string[] = [];
	for (let v = start; v !== -1;) {
		criticalPath.push(g.ids[v]!);
		let next = -1;
		for (let k = g.outStart[v]!; k < g.outStart[v + 1]!; k++) {
			const w = g.outList[k]!;
			if (!unfinished(w)) continue;
			if (next === -1 || isLonger(w, next, remaining, g.ids)) next = w;
		}

		v = next;
	}

	const criticalMinutes = start === -1 ? 0 : remaining[start]!;
	const index = g.index;
	/** Per-task figures as maps, made on first use: `deps --critical-path` never needs them. */
	const perTask = (value: (i: number) => number) => {
		let made: Map<string, number> | undefined;
		return () => {
			if (made !== undefined) return made;
			made = new Map();
			for (const v of topo) if (unfinished(v)) made.set(g.ids[v]!, value(v));
			return made;
		};
	};

	const remainingMap = perTask((v) => remaining[v]!);
	const beforeMap = perTask((v) => before[v]!);
	const slackMap = perTask((v) => criticalMinutes - before[v]! - remaining[v]!);
	let stuck: Set<string> | undefined;
	return {
		tasks: table,
		ids: g.ids,
		cycles,
		inCycle,
		missing: g.missing,
		get stuck() {
			if (stuck === undefined) {
				stuck = new Set();
				for (let i = 0; i < n; i++) if (stuckMark[i] === 1) stuck.add(g.ids[i]!);
			}

			return stuck;
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
		layers,
		dependentsOf(id) {
			const i = index.get(id);
			if (i === undefined) return [];
			const out: string[] = [];
			for (let k = g.outStart[i]!; k < g.outStart[i + 1]!; k++) out.push(g.ids[g.outList[k]!]!);
			return out;
		},
	};
}

/** Longer remaining path first; on a tie, the smaller id, so the answer never depends on table order. */
function isLonger(a: number, b: number, remaining: Float64Array, ids: readonly string[]): boolean {
	const difference = remaining[a]! - remaining[b]!;
	if (difference !== 0) return difference > 0;
	return ids[a]! < ids[b]!;
}

/**
 * PRODUCT.md §3: pending or ready, every dependency completed, no blockers, backoff over — and, from
 * the whole graph, not on a cycle.
 */
export function isRunnable(task: Task, graph: Graph, now: Date): boolean {
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
	// Failed tasks and tasks that can never run as the graph stands are not work the agents will do.
	for (const task of graph.tasks.values()) {
		if (!isFinished(task) && task.status !== 'failed' && !graph.stuck.has(task.id))
			work += task.estimatedMinutes;
	}
	return Math.max(graph.criticalMinutes, work / Math.max(agents, 1));
}
