/**
 * The tasks view's table as pure functions: the filter language, the sort orders, the column
 * widths and the window of rows. Kept out of the component so 10,000-task behaviour is tested in
 * milliseconds and the component only memoizes and draws.
 */
import {dollars, usageOf} from '../core/cost.js';
import type {Graph} from '../core/graph.js';
import {
	priorities,
	sortedTasks,
	taskStatuses,
	type Priority,
	type Task,
	type TaskStatus,
	type TaskTable,
} from '../core/task.js';
import {statusStyle} from './theme.js';

export const sortOrders = ['status', 'priority', 'critical', 'age', 'cost'] as const;
export type SortOrder = (typeof sortOrders)[number];

export const sortLabels: Readonly<Record<SortOrder, string>> = {
	status: 'status',
	priority: 'priority',
	critical: 'critical path',
	age: 'age (oldest first)',
	cost: 'cost (costliest first)',
};

export function nextSort(sort: SortOrder): SortOrder {
	return sortOrders[(sortOrders.indexOf(sort) + 1) % sortOrders.length] ?? 'status';
}

/** Failed first: triage starts with what went wrong, then what is moving, then what waits. */
const statusRank: Readonly<Record<TaskStatus, number>> = {
	failed: 0,
	in_progress: 1,
	claimed: 1,
	review: 1,
	ready: 2,
	pending: 3,
	blocked: 4,
	completed: 5,
};

const priorityRank: Readonly<Record<Priority, number>> = {critical: 0, high: 1, medium: 2, low: 3};

/** Tasks in `list`'s order, stable, by a small whole-number key: counting sort, linear in tasks. */
function bucketSort(list: readonly Task[], buckets: number, key: (task: Task) => number): Task[] {
	const keys = list.map(key);
	const starts = Array.from({length: buckets + 1}, () => 0);
	for (const k of keys) starts[k + 1] = (starts[k + 1] ?? 0) + 1;
	for (let b = 0; b < buckets; b++) starts[b + 1] = (starts[b + 1] ?? 0) + (starts[b] ?? 0);
	const out = new Array<Task>(list.length);
	for (const [i, task] of list.entries()) {
		const k = keys[i] ?? 0;
		const at = starts[k] ?? 0;
		out[at] = task;
		starts[k] = at + 1;
	}

	return out;
}

/** Tasks in `list`'s order, stable, by numeric keys compared in turn. */
function keySort(list: readonly Task[], keys: (task: Task) => readonly number[]): Task[] {
	const keyed = list.map((task) => ({task, keys: keys(task)}));
	keyed.sort((a, b) => {
		for (const [i, x] of a.keys.entries()) {
			const y = b.keys[i] ?? 0;
			if (x !== y) return x < y ? -1 : 1;
		}

		return 0;
	});
	return keyed.map((entry) => entry.task);
}

/**
 * The tasks in `sort` order; a new array, the table untouched. Ties keep the id order: the sorts
 * are stable over the tasks sorted by id, which keeps 10,000 tasks to a few milliseconds.
 */
export function sortTasks(tasks: TaskTable, graph: Graph, sort: SortOrder): Task[] {
	const list = sortedTasks(tasks);
	const buckets = priorities.length * 6;
	switch (sort) {
		case 'status': {
			return bucketSort(
				list,
				buckets,
				(task) => statusRank[task.status] * priorities.length + priorityRank[task.priority],
			);
		}

		case 'priority': {
			return bucketSort(
				list,
				buckets,
				(task) => priorityRank[task.priority] * 6 + statusRank[task.status],
			);
		}

		case 'critical': {
			const onPath = new Map(graph.criticalPath.map((id, index) => [id, index]));
			const {remaining} = graph;
			// Finished work and work on a cycle have no remaining chain: they go last, by status.
			return keySort(list, (task) => [
				onPath.get(task.id) ?? onPath.size,
				-(remaining.get(task.id) ?? -1),
				statusRank[task.status],
			]);
		}

		case 'age': {
			return keySort(list, (task) => [
				task.createdAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(task.createdAt),
			]);
		}

		case 'cost': {
			return keySort(list, (task) => [-(taskCost(task)?.usd ?? 0)]);
		}
	}
}

/** What a task's attempts spent, in dollars; `estimated` when some of it is a price-table figure. */
export interface TaskCost {
	readonly usd: number;
	readonly estimated: boolean;
}

/** Kept per task object, as the search text is: a sort by cost reads every task each time. */
const taskCosts = new WeakMap<Task, TaskCost | null>();

/**
 * The sum of the attempts' `costUsd` as recorded (the run prices an attempt when it ends);
 * undefined when nothing was spent, or nothing the store can put a figure on.
 */
export function taskCost(task: Task): TaskCost | undefined {
	let cost = taskCosts.get(task);
	if (cost === undefined) {
		let usd = 0;
		let estimated = false;
		for (const attempt of task.attempts) {
			const usage = usageOf(attempt);
			if (usage?.costUsd === undefined || usage.costUsd <= 0) continue;
			usd += usage.costUsd;
			estimated ||= usage.costEstimated === true;
		}

		cost = usd > 0 ? {usd, estimated} : null;
		taskCosts.set(task, cost);
	}

	return cost ?? undefined;
}

/** A task's cost as the COST column shows it (`$1.20`, `~$0.042`); empty when nothing was spent. */
export function costText(task: Task): string {
	const cost = taskCost(task);
	return cost === undefined ? '' : dollars(cost.usd, cost.estimated);
}

/** The cost column: as wide as the widest figure among `tasks`, 0 when no task has spent. */
export function costColumnWidth(tasks: Iterable<Task>): number {
	let widest = 0;
	for (const task of tasks) {
		const text = costText(task);
		if (text !== '') widest = Math.max(widest, text.length, 'COST'.length);
	}

	return Math.min(widest, 10);
}

export type FilterTerm =
	| {readonly kind: 'status'; readonly statuses: ReadonlySet<TaskStatus>}
	| {readonly kind: 'tag'; readonly value: string}
	| {readonly kind: 'agent'; readonly value: string}
	| {readonly kind: 'priority'; readonly value: Priority | undefined}
	| {readonly kind: 'id'; readonly value: string}
	| {readonly kind: 'text'; readonly value: string};

export interface Filter {
	readonly text: string;
	/** Every one must match. */
	readonly terms: readonly FilterTerm[];
	/** Terms that can match nothing (`status:nope`), said in words for the header. */
	readonly problems: readonly string[];
}

/** Words people use for a status beside the stored names. */
const statusAliases: Readonly<Record<string, readonly TaskStatus[]>> = {
	running: ['claimed', 'in_progress'],
	'in-progress': ['in_progress'],
	inprogress: ['in_progress'],
	done: ['completed'],
	open: ['pending', 'ready'],
	waiting: ['pending'],
};

function parseStatus(value: string): ReadonlySet<TaskStatus> | undefined {
	if ((taskStatuses as readonly string[]).includes(value)) return new Set([value as TaskStatus]);
	const alias = statusAliases[value];
	return alias === undefined ? undefined : new Set(alias);
}

function parseFilterPriority(value: string): Priority | undefined {
	if ((priorities as readonly string[]).includes(value)) return value as Priority;
	const short: Record<string, Priority> = {crit: 'critical', med: 'medium'};
	if (short[value] !== undefined) return short[value];
	return /^[0-4]$/.test(value) ? (priorities[Math.min(Number(value), 3)] ?? 'low') : undefined;
}

/**
 * `status:failed` (or `is:failed`), `tag:api`, `agent:claude-1`, `priority:high`, `id:bd-1`
 * (a prefix); any other word is a case-insensitive substring of the id, title or description.
 * A key with no value yet (`status:` while typing) is left out rather than matching nothing.
 */
export function parseFilter(text: string): Filter {
	const terms: FilterTerm[] = [];
	const problems: string[] = [];
	for (const word of text.trim().split(/\s+/)) {
		if (word === '') continue;
		const colon = word.indexOf(':');
		const key = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
		const value = colon > 0 ? word.slice(colon + 1).toLowerCase() : '';
		switch (key) {
			case 'status':
			case 'is': {
				if (value === '') break;
				const statuses = parseStatus(value);
				if (statuses === undefined)
					problems.push(
						`${word} is not a status (pending, ready, running, review, blocked, completed, failed)`,
					);
				terms.push({kind: 'status', statuses: statuses ?? new Set()});
				break;
			}

			case 'tag':
			case 'agent':
			case 'id': {
				if (value !== '') terms.push({kind: key, value});
				break;
			}

			case 'priority':
			case 'prio': {
				if (value === '') break;
				const priority = parseFilterPriority(value);
				if (priority === undefined)
					problems.push(`${word} is not a priority (critical, high, medium, low)`);
				terms.push({kind: 'priority', value: priority});
				break;
			}

			default: {
				terms.push({kind: 'text', value: word.toLowerCase()});
			}
		}
	}

	return {text, terms, problems};
}

/** Lower-cased id, title and description, kept per task object: a filter is retyped key by key. */
const searchTexts = new WeakMap<Task, string>();

function searchText(task: Task): string {
	let text = searchTexts.get(task);
	if (text === undefined) {
		text = `${task.id}\n${task.title}\n${task.description}`.toLowerCase();
		searchTexts.set(task, text);
	}

	return text;
}

function matchesTerm(task: Task, term: FilterTerm, agentOf: ReadonlyMap<string, string>): boolean {
	switch (term.kind) {
		case 'status': {
			return term.statuses.has(task.status);
		}

		case 'tag': {
			return task.tags.some((tag) => tag.toLowerCase() === term.value);
		}

		case 'agent': {
			const agent = agentOf.get(task.id) ?? task.assignedAgent;
			return agent?.toLowerCase().startsWith(term.value) === true;
		}

		case 'priority': {
			return task.priority === term.value;
		}

		case 'id': {
			return task.id.toLowerCase().startsWith(term.value);
		}

		case 'text': {
			return searchText(task).includes(term.value);
		}
	}
}

/**
 * @param agentOf the agent working on each task now (task id → agent name)
 */
export function matchesFilter(
	task: Task,
	filter: Filter,
	agentOf: ReadonlyMap<string, string> = new Map(),
): boolean {
	for (const term of filter.terms) if (!matchesTerm(task, term, agentOf)) return false;
	return true;
}

/** The tasks that match, in the order given; the same array when the filter is empty. */
export function filterTasks(
	tasks: readonly Task[],
	filter: Filter,
	agentOf: ReadonlyMap<string, string> = new Map(),
): readonly Task[] {
	if (filter.terms.length === 0) return tasks;
	return tasks.filter((task) => matchesFilter(task, filter, agentOf));
}

export interface Columns {
	readonly id: number;
	readonly priority: number;
	readonly attempts: number;
	/** The last attempt's diff stat (`+12 −3`); 0 when hidden. */
	readonly diff: number;
	/** What the task's attempts spent (`$1.20`); 0 when hidden. */
	readonly cost: number;
	readonly title: number;
	/** 0 when hidden. */
	readonly agent: number;
	/** 0 when hidden. */
	readonly error: number;
}

/** Below this width the last error column is left out; the title needs the room more. */
export const errorColumnMinWidth = 100;

/** Selection mark, status symbol, and the spaces between the fixed columns. */
const fixedOverhead = 1 + 1 + 1 + 1 + 1 + 1 + 1;
const priorityWidth = 4;
const attemptsWidth = 3;
const minTitle = 12;

/**
 * Widths that fill `width` exactly: the narrow columns are fixed, the diff, cost and agent columns
 * appear when there is something to show in them (and room: each only while the title keeps a
 * readable width, in that order), the title takes what is left, and from 100 columns up the last
 * error shares it.
 */
export function fitColumns(
	width: number,
	{
		idWidth,
		agentWidth,
		diffWidth = 0,
		costWidth = 0,
	}: {
		readonly idWidth: number;
		readonly agentWidth: number;
		readonly diffWidth?: number;
		readonly costWidth?: number;
	},
): Columns {
	const fixed = fixedOverhead + idWidth + priorityWidth + attemptsWidth;
	let flexible = Math.max(0, width - fixed);
	const optional = (wanted: number) => {
		const shown = wanted > 0 && flexible - wanted - 1 >= minTitle ? wanted : 0;
		if (shown > 0) flexible -= shown + 1;
		return shown;
	};

	const diff = optional(diffWidth);
	const cost = optional(costWidth);
	const agent = optional(agentWidth);
	if (width >= errorColumnMinWidth && flexible >= minTitle * 2 + 1) {
		const title = Math.max(minTitle, Math.floor(flexible * 0.55));
		return {
			id: idWidth,
			priority: priorityWidth,
			attempts: attemptsWidth,
			diff,
			cost,
			title,
			agent,
			error: flexible - title - 1,
		};
	}

	return {
		id: idWidth,
		priority: priorityWidth,
		attempts: attemptsWidth,
		diff,
		cost,
		title: flexible,
		agent,
		error: 0,
	};
}

/** The id column: as wide as the longest id, within reason. */
export function idColumnWidth(tasks: Iterable<Task>): number {
	let longest = 2;
	for (const task of tasks) if (task.id.length > longest) longest = task.id.length;
	return Math.min(longest, 20);
}

/** The agent column: as wide as the longest name among agents working now, 0 when none works. */
export function agentColumnWidth(agentOf: ReadonlyMap<string, string>): number {
	let longest = 0;
	for (const name of agentOf.values()) longest = Math.max(longest, name.length, 5);
	return Math.min(longest, 16);
}

/** What an attempt kept of its work in worktree mode (PRODUCT.md §12), as the store has it. */
export interface AttemptWorkspace {
	readonly branch: string;
	readonly files: number;
	readonly insertions: number;
	readonly deletions: number;
	/** The integration commit that took it; null (or absent) while it is not merged. */
	readonly merged: string | null;
}

const count = (value: unknown) =>
	typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;

/**
 * The last attempt's workspace, read defensively: attempts keep keys the schema does not know, so
 * a hand-edited or older record may have anything there.
 */
export function workspaceOf(task: Task): AttemptWorkspace | undefined {
	const workspace = task.attempts.at(-1)?.['workspace'];
	if (typeof workspace !== 'object' || workspace === null) return undefined;
	const record = workspace as Record<string, unknown>;
	if (typeof record['branch'] !== 'string' || record['branch'] === '') return undefined;
	return {
		branch: record['branch'],
		files: count(record['files']),
		insertions: count(record['insertions']),
		deletions: count(record['deletions']),
		merged: typeof record['merged'] === 'string' ? record['merged'] : null,
	};
}

/** Whether the tasks view's `enter` shows the task's diff rather than its details. */
export function hasDiff(task: Task): boolean {
	return task.status === 'review' || workspaceOf(task) !== undefined;
}

/** A diff stat as `git diff --shortstat` counts it, in the table's few columns: `+12 −3`. */
export function diffStat(workspace: Pick<AttemptWorkspace, 'insertions' | 'deletions'>): {
	readonly insertions: string;
	readonly deletions: string;
} {
	const short = (n: number) =>
		n < 10_000
			? String(n)
			: n < 1_000_000
				? `${Math.floor(n / 1000)}k`
				: `${Math.floor(n / 1_000_000)}M`;
	return {
		insertions: `+${short(workspace.insertions)}`,
		deletions: `−${short(workspace.deletions)}`,
	};
}

/** The diff column: as wide as the widest stat among `tasks`, 0 when no task has a workspace. */
export function diffColumnWidth(tasks: Iterable<Task>): number {
	let widest = 0;
	for (const task of tasks) {
		const workspace = workspaceOf(task);
		if (workspace === undefined) continue;
		const {insertions, deletions} = diffStat(workspace);
		widest = Math.max(widest, insertions.length + 1 + deletions.length, 'DIFF'.length);
	}

	return widest;
}

/** `text` on one line in exactly `width` characters: cut with an ellipsis, or padded. */
export function cell(text: string, width: number): string {
	if (width <= 0) return '';
	const line = text.replaceAll(/\s+/g, ' ');
	if (line.length <= width) return line.padEnd(width);
	return width === 1 ? '…' : `${line.slice(0, width - 1)}…`;
}

export const priorityShort: Readonly<Record<Priority, string>> = {
	critical: 'crit',
	high: 'high',
	medium: 'med',
	low: 'low',
};

/**
 * The first row shown so that `selected` is visible, moving the window as little as possible from
 * where it was (`top`), so the list does not jump on every key.
 */
export function windowTop(count: number, selected: number, rows: number, top: number): number {
	if (rows <= 0 || count <= rows) return 0;
	let next = Math.min(Math.max(top, 0), count - rows);
	if (selected < next) next = selected;
	else if (selected >= next + rows) next = selected - rows + 1;
	return Math.max(0, Math.min(next, count - rows));
}

/** Ids typed in a form: separated by commas or spaces, each once, in the order given. */
export function parseIdList(text: string): string[] {
	return [...new Set(text.split(/[\s,]+/).filter((id) => id !== ''))];
}

export interface Completion {
	/** The text with its last id completed as far as it is unambiguous. */
	readonly value: string;
	/** The ids the last word could still become (a few, for a hint), sorted. */
	readonly candidates: readonly string[];
	/** How many ids it could become in all. */
	readonly count: number;
}

/**
 * Completes the last word of an id list against `ids`: to the whole id when one fits (with a
 * separator after it, ready for the next), else to the longest prefix all candidates share.
 */
export function completeId(text: string, ids: Iterable<string>, limit = 5): Completion {
	const match = /[^\s,]*$/.exec(text);
	const word = match?.[0] ?? '';
	if (word === '') return {value: text, candidates: [], count: 0};
	const head = text.slice(0, text.length - word.length);
	const found: string[] = [];
	for (const id of ids) if (id.startsWith(word)) found.push(id);
	found.sort();
	const first = found[0];
	if (first === undefined) return {value: text, candidates: [], count: 0};
	if (found.length === 1) return {value: `${head}${first}, `, candidates: found, count: 1};
	let common = first;
	for (const id of found) {
		let i = 0;
		while (i < common.length && common[i] === id[i]) i++;
		common = common.slice(0, i);
	}

	return {value: `${head}${common}`, candidates: found.slice(0, limit), count: found.length};
}

/** A task that cannot run until the graph is fixed (on a cycle, or behind one or an unknown id). */
export const stuckStyle = {symbol: '↻', color: 'yellow'} as const;

/** The symbol and colour of a task in the tasks view: its status, or stuck when the graph says so. */
export function taskLook(task: Task, graph: Pick<Graph, 'stuck'>): {symbol: string; color: string} {
	return task.status !== 'completed' && task.status !== 'failed' && graph.stuck.has(task.id)
		? stuckStyle
		: statusStyle[task.status];
}

/** What every symbol of the tasks and graph views means: for the help and the legend line. */
export const symbolLegend: ReadonlyArray<{
	readonly symbol: string;
	readonly color: string;
	/** One word, for the tasks view's legend line. */
	readonly short: string;
	readonly meaning: string;
}> = [
	{...statusStyle.in_progress, short: 'working', meaning: 'an agent works on it'},
	{...statusStyle.claimed, short: 'starting', meaning: 'claimed, the agent is starting'},
	{...statusStyle.ready, short: 'ready', meaning: 'ready to run'},
	{...statusStyle.pending, short: 'waiting', meaning: 'waits for its dependencies'},
	{...stuckStyle, short: 'stuck', meaning: 'stuck: behind a dependency cycle or unknown id'},
	{...statusStyle.blocked, short: 'blocked', meaning: 'blocked by hand'},
	{...statusStyle.review, short: 'review', meaning: 'done, its work waits for review'},
	{...statusStyle.completed, short: 'done', meaning: 'done'},
	{...statusStyle.failed, short: 'failed', meaning: 'failed'},
	{symbol: '▶', color: 'cyan', short: 'runnable', meaning: 'graph: can run now'},
	{symbol: '★', color: 'yellow', short: 'critical', meaning: 'graph: on the critical path'},
];
