/**
 * The graph on data nobody here wrote: the beads project's own exports, imported.
 */
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {importBeads, parseBeadsExport} from '../../source/core/beads-import.js';
import {buildGraph, runnableTasks} from '../../source/core/graph.js';
import type {Task} from '../../source/core/task.js';

const now = new Date('2026-11-23T12:00:00Z');
const exports = [
	'beads-issues.jsonl',
	'beads-beads-2025-12-14.jsonl',
	'beads-issues-2026-01-21-polluted.jsonl',
];
/** Dependencies on ids not in the store after import, without and with --all (counted from the raw files). */
const missingCounts: Record<string, [number, number]> = {
	'beads-issues.jsonl': [47, 21],
	'beads-beads-2025-12-14.jsonl': [0, 0],
	// Without --all, one task waits on a gate, an issue type that is not work.
	'beads-issues-2026-01-21-polluted.jsonl': [1, 0],
};

describe.each(exports)('the graph of %s', (name) => {
	for (const all of [false, true]) {
		it(`agrees with an independent count${all ? ' (--all)' : ''}`, () => {
			const text = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
			const tasks = importBeads(new Map(), parseBeadsExport(text).records, {all, now}).tasks;
			const graph = buildGraph(tasks);

			const dangling = [...tasks.values()].flatMap((t) =>
				t.dependencies.filter((d) => !tasks.has(d)).map((d) => ({id: t.id, dependsOn: d})),
			);
			expect(graph.missing).toEqual(dangling);
			expect(graph.missing).toHaveLength(missingCounts[name]?.[all ? 1 : 0] ?? -1);

			const runnable = [...tasks.values()].filter(
				(t) =>
					t.type !== 'epic' &&
					(t.status === 'pending' || t.status === 'ready') &&
					t.blockers.length === 0 &&
					!graph.inCycle.has(t.id) &&
					t.dependencies.every((d) => tasks.get(d)?.status === 'completed'),
			);
			expect(runnableTasks(graph, now).map((t) => t.id)).toEqual(runnable.map((t) => t.id));

			for (const cycle of graph.cycles) {
				expect(cycle[0]).toBe(cycle.at(-1));
				for (let i = 1; i < cycle.length; i++)
					expect(tasks.get(cycle[i] as string)?.dependencies).toContain(cycle[i - 1]);
			}

			const path = graph.criticalPath.map((id) => tasks.get(id) as Task);
			// An epic weighs nothing: its children carry its work.
			const weight = (t: Task) => (t.type === 'epic' ? 0 : t.estimatedMinutes);
			expect(path.reduce((sum, t) => sum + weight(t), 0)).toBe(graph.criticalMinutes);
			for (const t of path) expect(t.status).not.toBe('completed');
			for (let i = 1; i < path.length; i++)
				expect(path[i]?.dependencies).toContain(path[i - 1]?.id);
			const unfinished = [...tasks.values()].filter(
				(t) => t.status !== 'completed' && !graph.inCycle.has(t.id),
			);
			expect(graph.remaining.size).toBe(unfinished.length);
			expect(Math.max(0, ...graph.remaining.values())).toBe(graph.criticalMinutes);
			expect(graph.layers.flat().length + graph.inCycle.size).toBe(tasks.size);
		});
	}
});
