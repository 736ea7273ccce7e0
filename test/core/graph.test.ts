import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {buildGraph, etaMinutes, isRunnable, runnableTasks} from '../../source/core/graph.js';
import {newTask, type Task, type TaskStatus, type TaskTable} from '../../source/core/task.js';

const now = new Date('2026-11-23T12:00:00Z');

function table(
	specs: Array<[id: string, minutes: number, deps?: string[], status?: TaskStatus]>,
): TaskTable {
	return new Map(
		specs.map(([id, estimatedMinutes, dependencies = [], status = 'pending']) => [
			id,
			newTask({id, title: id, estimatedMinutes, dependencies, status}),
		]),
	);
}

describe('buildGraph on graphs with known answers', () => {
	it('takes the heavier side of a diamond', () => {
		const graph = buildGraph(
			table([
				['a', 10],
				['b', 5, ['a']],
				['c', 20, ['a']],
				['d', 1, ['b', 'c']],
			]),
		);
		expect(graph.criticalPath).toEqual(['a', 'c', 'd']);
		expect(graph.criticalMinutes).toBe(31);
		expect(Object.fromEntries(graph.remaining)).toEqual({a: 31, b: 6, c: 21, d: 1});
		expect(Object.fromEntries(graph.slack)).toEqual({a: 0, b: 15, c: 0, d: 0});
		expect(graph.layers).toEqual([['a'], ['b', 'c'], ['d']]);
		expect(graph.dependentsOf('a')).toEqual(['b', 'c']);
	});

	it('prefers a long chain to a wide fan', () => {
		const chain = Array.from({length: 6}, (_, i): [string, number, string[]] => [
			`chain${i}`,
			10,
			i === 0 ? [] : [`chain${i - 1}`],
		]);
		const fan = Array.from({length: 40}, (_, i): [string, number, string[]] => [
			`fan${i}`,
			5,
			['root'],
		]);
		const graph = buildGraph(table([['root', 5], ...fan, ...chain]));
		expect(graph.criticalPath).toEqual(chain.map(([id]) => id));
		expect(graph.criticalMinutes).toBe(60);
		expect(etaMinutes(graph, 4)).toBe(Math.max(60, (5 + 40 * 5 + 60) / 4));
		expect(etaMinutes(graph, 1)).toBe(265);
	});

	it('breaks chains at completed tasks', () => {
		const graph = buildGraph(
			table([
				['a', 100],
				['b', 1, ['a'], 'completed'],
				['c', 10, ['b']],
				['d', 10, ['c']],
				['e', 50],
			]),
		);
		expect(graph.criticalPath).toEqual(['a']);
		expect(graph.remaining.get('c')).toBe(20);
		expect(graph.remaining.has('b')).toBe(false);
		expect(runnableTasks(graph, now).map((t) => t.id)).toEqual(['a', 'c', 'e']);
	});

	it('breaks ties by the smaller id, whatever the table order', () => {
		const forwards = buildGraph(
			table([
				['b', 5],
				['a', 5],
				['c', 5, ['a', 'b']],
			]),
		);
		const backwards = buildGraph(
			table([
				['c', 5, ['a', 'b']],
				['a', 5],
				['b', 5],
			]),
		);
		expect(forwards.criticalPath).toEqual(['a', 'c']);
		expect(backwards.criticalPath).toEqual(['a', 'c']);
	});

	it('names cycles, reports unknown ids, and never runs what is behind them', () => {
		const graph = buildGraph(
			table([
				['a', 5, ['c']],
				['b', 5, ['a']],
				['c', 5, ['b']],
				['d', 5, ['c']],
				['e', 5, ['ghost']],
				['f', 5, ['e']],
				['g', 5],
				['self', 5, ['self']],
			]),
		);
		expect(graph.cycles).toEqual([['a', 'c', 'b', 'a'].reverse(), ['self', 'self']]);
		expect([...graph.inCycle].sort()).toEqual(['a', 'b', 'c', 'self']);
		expect(graph.missing).toEqual([{id: 'e', dependsOn: 'ghost'}]);
		expect([...graph.stuck].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'self']);
		expect(runnableTasks(graph, now).map((t) => t.id)).toEqual(['g']);
		expect(graph.criticalPath).toEqual(['e', 'f']);
	});

	it('does not run a task on a cycle even when its own dependencies are completed', () => {
		const graph = buildGraph(
			table([
				['a', 5, ['b']],
				['b', 5, ['a'], 'completed'],
			]),
		);
		expect(isRunnable(graph.tasks.get('a') as Task, graph, now)).toBe(false);
	});

	it('has nothing on the critical path when all is done', () => {
		const graph = buildGraph(table([['a', 5, [], 'completed']]));
		expect(graph.criticalPath).toEqual([]);
		expect(graph.criticalMinutes).toBe(0);
	});

	it('walks a chain of 100,000 without overflowing the stack', () => {
		const specs = Array.from({length: 100_000}, (_, i): [string, number, string[]] => [
			`t${i}`,
			1,
			i === 0 ? [] : [`t${i - 1}`],
		]);
		const graph = buildGraph(table(specs));
		expect(graph.criticalMinutes).toBe(100_000);
		expect(graph.layers).toHaveLength(100_000);
	});
});

/** A random small graph: edges only from lower to higher index, so it is a DAG. */
const dag = fc
	.integer({min: 1, max: 8})
	.chain((n) =>
		fc.record({
			minutes: fc.array(fc.integer({min: 1, max: 9}), {minLength: n, maxLength: n}),
			done: fc.array(fc.boolean(), {minLength: n, maxLength: n}),
			blocked: fc.array(fc.boolean(), {minLength: n, maxLength: n}),
			edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), {maxLength: n * 2}),
		}),
	)
	.map(({minutes, done, blocked, edges}) => {
		const deps = minutes.map(() => new Set<string>());
		for (const [x, y] of edges) if (x < y) deps[y]?.add(`n${x}`);
		return new Map(
			minutes.map((m, i) => [
				`n${i}`,
				newTask({
					id: `n${i}`,
					title: `n${i}`,
					estimatedMinutes: m,
					dependencies: [...(deps[i] ?? [])],
					status: done[i] ? 'completed' : 'pending',
					blockers: blocked[i] && !done[i] ? ['held'] : [],
				}),
			]),
		) as TaskTable;
	});

/** Every path of unfinished tasks starting at `id`, by brute force. */
function longestFrom(tasks: TaskTable, id: string): number {
	const task = tasks.get(id) as Task;
	let best = 0;
	for (const other of tasks.values()) {
		if (other.status !== 'completed' && other.dependencies.includes(id))
			best = Math.max(best, longestFrom(tasks, other.id));
	}

	return task.estimatedMinutes + best;
}

describe('buildGraph against brute force', () => {
	it('finds the longest path, along real edges, through unfinished tasks only', () => {
		fc.assert(
			fc.property(dag, (tasks) => {
				const graph = buildGraph(tasks);
				const unfinished = [...tasks.values()].filter((t) => t.status !== 'completed');
				const oracle = Math.max(0, ...unfinished.map((t) => longestFrom(tasks, t.id)));
				expect(graph.criticalMinutes).toBe(oracle);
				const path = graph.criticalPath.map((id) => tasks.get(id) as Task);
				expect(path.reduce((sum, t) => sum + t.estimatedMinutes, 0)).toBe(oracle);
				for (const t of path) expect(t.status).not.toBe('completed');
				for (let i = 1; i < path.length; i++)
					expect(path[i]?.dependencies).toContain(path[i - 1]?.id);
				for (const t of unfinished) {
					expect(graph.remaining.get(t.id)).toBe(longestFrom(tasks, t.id));
					expect(graph.slack.get(t.id)).toBeGreaterThanOrEqual(0);
				}

				for (const t of tasks.values()) {
					const runnable =
						(t.status === 'pending' || t.status === 'ready') &&
						t.blockers.length === 0 &&
						t.dependencies.every((d) => tasks.get(d)?.status === 'completed');
					expect(isRunnable(t, graph, now)).toBe(runnable);
				}

				expect(graph.cycles).toEqual([]);
			}),
			{numRuns: 500},
		);
	});

	it('finds every planted cycle', () => {
		fc.assert(
			fc.property(
				dag,
				fc.array(fc.integer({min: 1, max: 4}), {minLength: 1, maxLength: 4}),
				(base, sizes) => {
					const tasks = new Map(base);
					const planted = sizes.map((size, c) =>
						Array.from({length: size}, (_, k) => `cycle${c}-${k}`),
					);
					const entry = [...base.keys()];
					for (const ring of planted) {
						ring.forEach((id, k) => {
							const previous = ring[(k + ring.length - 1) % ring.length] as string;
							// Each ring member depends on the previous one, and the first also on some DAG task.
							const dependencies =
								k === 0 && entry.length > 0 ? [previous, entry[0] as string] : [previous];
							tasks.set(id, newTask({id, title: id, dependencies}));
						});
					}

					const graph = buildGraph(tasks);
					const found = graph.cycles.map((cycle) => [...new Set(cycle)].sort().join(' '));
					expect(found.sort()).toEqual(planted.map((ring) => [...ring].sort().join(' ')).sort());
					for (const cycle of graph.cycles) {
						expect(cycle[0]).toBe(cycle.at(-1));
						for (let i = 1; i < cycle.length; i++)
							expect(tasks.get(cycle[i] as string)?.dependencies).toContain(cycle[i - 1]);
					}

					for (const ring of planted)
						for (const id of ring)
							expect(isRunnable(tasks.get(id) as Task, graph, now)).toBe(false);
				},
			),
			{numRuns: 300},
		);
	});
});

/** A random small graph with anything in it: cycles, tasks that depend on themselves, unknown ids. */
const anyGraph = fc
	.integer({min: 1, max: 8})
	.chain((n) =>
		fc.record({
			minutes: fc.array(fc.integer({min: 1, max: 9}), {minLength: n, maxLength: n}),
			done: fc.array(fc.boolean(), {minLength: n, maxLength: n}),
			edges: fc.array(fc.tuple(fc.nat(n), fc.nat(n - 1)), {maxLength: n * 2}),
		}),
	)
	.map(({minutes, done, edges}) => {
		const deps = minutes.map(() => new Set<string>());
		// Index n stands for an id that is not in the store.
		for (const [x, y] of edges) deps[y]?.add(x === minutes.length ? 'ghost' : `n${x}`);
		return new Map(
			minutes.map((m, i) => [
				`n${i}`,
				newTask({
					id: `n${i}`,
					title: `n${i}`,
					estimatedMinutes: m,
					dependencies: [...(deps[i] ?? [])],
					status: done[i] ? 'completed' : 'pending',
				}),
			]),
		) as TaskTable;
	});

/** The per-task views of a graph, each worked out from its definition. */
function bruteForce(tasks: TaskTable) {
	const known = (task: Task) => task.dependencies.filter((d) => tasks.has(d));
	const reaches = (from: string, to: string): boolean => {
		const seen = new Set<string>();
		const queue = known(tasks.get(from) as Task);
		for (let head = 0; head < queue.length; head++) {
			const id = queue[head] as string;
			if (id === to) return true;
			if (seen.has(id)) continue;
			seen.add(id);
			queue.push(...known(tasks.get(id) as Task));
		}

		return false;
	};

	const onCycle = new Set([...tasks.keys()].filter((id) => reaches(id, id)));
	const stuck = new Set(
		[...tasks.values()]
			.filter((t) => onCycle.has(t.id) || t.dependencies.some((d) => !tasks.has(d)))
			.map((t) => t.id),
	);
	for (let grew = true; grew;) {
		grew = false;
		for (const t of tasks.values()) {
			if (!stuck.has(t.id) && known(t).some((d) => stuck.has(d))) {
				stuck.add(t.id);
				grew = true;
			}
		}
	}

	const layer = (id: string): number =>
		Math.max(
			0,
			...known(tasks.get(id) as Task)
				.filter((d) => !onCycle.has(d))
				.map((d) => layer(d) + 1),
		);
	const open = (id: string) => tasks.get(id)?.status !== 'completed' && !onCycle.has(id);
	const minutes = (id: string) => (tasks.get(id) as Task).estimatedMinutes;
	const before = (id: string): number =>
		Math.max(
			0,
			...known(tasks.get(id) as Task)
				.filter(open)
				.map((d) => before(d) + minutes(d)),
		);
	const remaining = (id: string): number =>
		minutes(id) +
		Math.max(
			0,
			...[...tasks.values()]
				.filter((w) => open(w.id) && w.dependencies.includes(id))
				.map((w) => remaining(w.id)),
		);
	const layers: string[][] = [];
	for (const id of tasks.keys()) if (!onCycle.has(id)) (layers[layer(id)] ??= []).push(id);
	const openIds = [...tasks.keys()].filter(open);
	return {
		onCycle,
		stuck,
		layers: layers.map((ids) => [...ids].sort()),
		before: new Map(openIds.map((id) => [id, before(id)])),
		remaining: new Map(openIds.map((id) => [id, remaining(id)])),
		criticalMinutes: Math.max(0, ...openIds.map(remaining)),
	};
}

describe('buildGraph views worked out on first read, against brute force', () => {
	it('agree with their definitions, cycles and unknown ids included', () => {
		fc.assert(
			fc.property(anyGraph, (tasks) => {
				const graph = buildGraph(tasks);
				const oracle = bruteForce(tasks);
				expect(new Set(graph.inCycle)).toEqual(oracle.onCycle);
				expect(graph.stuck).toEqual(oracle.stuck);
				expect(graph.layers.map((ids) => [...ids].sort())).toEqual(oracle.layers);
				expect(graph.criticalMinutes).toBe(oracle.criticalMinutes);
				expect(new Map(graph.remaining)).toEqual(oracle.remaining);
				expect(new Map(graph.before)).toEqual(oracle.before);
				for (const [id, slack] of graph.slack) {
					expect(slack).toBe(
						oracle.criticalMinutes -
							(oracle.before.get(id) as number) -
							(oracle.remaining.get(id) as number),
					);
				}

				for (const t of tasks.values()) {
					expect(graph.dependentsOf(t.id)).toEqual(
						[...tasks.values()]
							.filter((w) => w.dependencies.includes(t.id))
							.flatMap((w) => w.dependencies.filter((d) => d === t.id).map(() => w.id)),
					);
				}
			}),
			{numRuns: 1000},
		);
	});

	it('never has a runnable task past the first on the critical path', () => {
		fc.assert(
			fc.property(anyGraph, (tasks) => {
				const graph = buildGraph(tasks);
				for (const id of graph.criticalPath.slice(1))
					expect(isRunnable(tasks.get(id) as Task, graph, now)).toBe(false);
			}),
			{numRuns: 500},
		);
	});
});

describe('epics (PRODUCT.md §3, §16)', () => {
	const epic = newTask({id: 'e', title: 'e', type: 'epic', estimatedMinutes: 500});
	const tasks: TaskTable = new Map([
		['e', epic],
		['a', newTask({id: 'a', title: 'a', parentId: 'e', estimatedMinutes: 30})],
		['b', newTask({id: 'b', title: 'b', dependencies: ['a'], parentId: 'e', estimatedMinutes: 20})],
		['after', newTask({id: 'after', title: 'after', dependencies: ['e'], estimatedMinutes: 10})],
	]);

	it('is never runnable, whatever its status says', () => {
		const graph = buildGraph(tasks);
		for (const status of ['pending', 'ready'] as const)
			expect(isRunnable({...epic, status}, graph, now)).toBe(false);
		expect(runnableTasks(graph, now).map((t) => t.id)).toEqual(['a']);
	});

	it('weighs nothing on the critical path and in the ETA', () => {
		const graph = buildGraph(tasks);
		expect(graph.criticalMinutes).toBe(50);
		expect(graph.remaining.get('e')).toBe(10);
		expect(etaMinutes(graph, 1)).toBe(60);
	});
});
