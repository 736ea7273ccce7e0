/**
 * A proposed plan (PRODUCT.md §16) as a tree for people, shared by `jetpack-tui plan` and the
 * TUI's plan dialog: the epic, under it the tasks that depend on nothing in the plan, under each
 * task the tasks that wait for it; the critical path marked, its length and the total estimate.
 */
import {planGraph, planMinutes, type Plan, type PlanTask} from '../core/plan.js';
import {minutesText, oneLine, type Paint} from './format.js';

/** Past this depth the tree stops indenting. */
const maxDepth = 16;

export interface PlanSummary {
	readonly tasks: number;
	readonly totalMinutes: number;
	/** Keys, first to do → last. */
	readonly criticalPath: readonly string[];
	readonly criticalMinutes: number;
}

export function planSummary(plan: Plan): PlanSummary {
	const graph = planGraph(plan);
	return {
		tasks: plan.tasks.length,
		totalMinutes: planMinutes(plan),
		criticalPath: graph.criticalPath,
		criticalMinutes: graph.criticalMinutes,
	};
}

/** The plan as lines (no newlines in them), `width` columns at most when given. */
export function renderPlanLines(plan: Plan, paint: Paint, width?: number): string[] {
	const graph = planGraph(plan);
	const byKey = new Map(plan.tasks.map((task) => [task.key, task]));
	const onPath = new Set(graph.criticalPath);
	const keys = new Set(byKey.keys());
	const lines: string[] = [`${paint('bold', 'Epic')}: ${oneLine(plan.epic.title)}`];
	if (plan.epic.description !== '' && plan.epic.description !== plan.epic.title)
		lines.push(paint('dim', `  ${oneLine(plan.epic.description)}`));

	const label = (task: PlanTask) => {
		const mark = onPath.has(task.key) ? paint('red', '◆ ') : '';
		const skills =
			task.requiredSkills.length > 0
				? paint('magenta', ` [${task.requiredSkills.join(', ')}]`)
				: '';
		const outside = task.dependsOn.filter((dep) => !keys.has(dep));
		const after = outside.length > 0 ? paint('dim', ` after ${outside.join(', ')}`) : '';
		return `${mark}${paint('bold', oneLine(task.key))} ${oneLine(task.title)} ${paint('dim', `(${minutesText(task.estimatedMinutes)})`)}${skills}${after}`;
	};

	const order = (ids: readonly string[]) =>
		[...ids].sort((a, b) => {
			const path = Number(onPath.has(b)) - Number(onPath.has(a));
			if (path !== 0) return path;
			return (graph.remaining.get(b) ?? 0) - (graph.remaining.get(a) ?? 0);
		});
	const shown = new Set<string>();
	const stack: Array<{key: string; prefix: string; last: boolean; depth: number}> = [];
	const push = (ids: readonly string[], prefix: string, depth: number) => {
		const sorted = order(ids);
		for (let i = sorted.length - 1; i >= 0; i--)
			stack.push({key: sorted[i] as string, prefix, last: i === sorted.length - 1, depth});
	};

	push(
		plan.tasks
			.filter((task) => task.dependsOn.every((dep) => !keys.has(dep)))
			.map((task) => task.key),
		'',
		0,
	);
	while (stack.length > 0) {
		const {key, prefix, last, depth} = stack.pop() as (typeof stack)[number];
		const task = byKey.get(key);
		if (task === undefined) continue;
		const line = `${prefix}${last ? '└── ' : '├── '}`;
		if (shown.has(key)) {
			lines.push(`${line}${paint('dim', `${oneLine(key)} ↑ (shown above)`)}`);
			continue;
		}

		shown.add(key);
		lines.push(`${line}${label(task)}`);
		const children = graph.dependentsOf(key);
		if (children.length === 0) continue;
		push(children, depth >= maxDepth ? prefix : `${prefix}${last ? '    ' : '│   '}`, depth + 1);
	}

	const summary = planSummary(plan);
	lines.push(
		'',
		`${paint('bold', 'Critical path')}: ${summary.criticalPath.map((key) => oneLine(key)).join(' → ')} ${paint('dim', `(${minutesText(summary.criticalMinutes)})`)}`,
		`${paint('bold', 'Total estimate')}: ${minutesText(summary.totalMinutes)} over ${summary.tasks} task${summary.tasks === 1 ? '' : 's'}`,
	);
	return width === undefined ? lines : lines.map((line) => clip(line, width));
}

/** Cuts a line with colour codes to `width` visible columns. */
function clip(line: string, width: number): string {
	// eslint-disable-next-line no-control-regex
	const visible = line.replaceAll(/\u001B\[\d+m/g, '');
	if ([...visible].length <= width) return line;
	return `${[...visible].slice(0, Math.max(0, width - 1)).join('')}…`;
}
