/**
 * `import`: a beads export (`.beads/issues.jsonl`, older `beads.jsonl`) mapped onto the task
 * table (PRODUCT.md §3). Pure: the command reads the file and hands the text in; the store runs
 * `importBeads` inside one transaction.
 *
 * Nothing is lost: a beads field whose meaning a task field carries in full is consumed; every other
 * field (and every field that could not be mapped) stays under `metadata.beads`. `status`,
 * `priority` and `dependencies` map with loss (hooked → pending, 3 and 4 → low, edge types and
 * dates), so they are kept there too; `metadata.beads.status` is also what tells a re-import whether
 * beads changed a task's status since the last import. `updated_at` seeds the task's `updatedAt`,
 * which jetpack then moves on every change, so it is kept there as well: it is what tells a
 * re-import that the export is older than the one imported before.
 */
import type {Change} from './ports.js';
import {
	checkTask,
	newTask,
	settleStatuses,
	taskIdPattern,
	type Link,
	type Priority,
	type Task,
	type TaskStatus,
	type TaskTable,
} from './task.js';

/** One line of a beads export, as parsed: nothing in it is trusted. */
export type BeadsRecord = Readonly<Record<string, unknown>>;

export interface ExportProblem {
	/** 1-based line number in the export. */
	readonly line: number;
	readonly message: string;
}

export interface ParsedExport {
	readonly records: BeadsRecord[];
	/** The 1-based line of each record. */
	readonly lines: number[];
	readonly problems: ExportProblem[];
}

export type SkipReason =
	'tombstone' | 'invalid id' | 'duplicate id' | 'pinned' | 'ephemeral' | 'not work' | 'id in use';

export interface SkippedRecord {
	/** The id as given (JSON of it when it is not a string). */
	readonly id: string;
	readonly reason: SkipReason;
	/** For `not work`: the beads `issue_type` (agent, role, convoy …). */
	readonly issueType?: string;
}

/**
 * Beads issue types that record the tooling around the work (Gastown agents, roles, rigs, convoys,
 * messages …), not work for an agent to do: skipped unless `--all`.
 */
export const notWorkTypes: ReadonlySet<string> = new Set([
	'agent',
	'role',
	'rig',
	'convoy',
	'message',
	'event',
	'molecule',
	'gate',
	'merge-request',
]);

/** A dependency on an id that is not in the table: kept, and the task is reported and not run. */
export interface DanglingDependency {
	readonly id: string;
	readonly dependsOn: string;
	/** The target is in the export but was skipped (a tombstone, or pinned/ephemeral without `--all`). */
	readonly targetSkipped: boolean;
}

/** A `parentId` or link to an id that is not in the table: harmless, but worth knowing. */
export interface DanglingLink {
	readonly id: string;
	readonly linksTo: string;
	/** `parent-child` for `parentId`, else the link type. */
	readonly type: string;
	readonly targetSkipped: boolean;
}

export interface ImportWarning {
	readonly id: string;
	readonly message: string;
}

export interface ImportReport {
	/** What the file was: a beads export, or a jetpack task store taken as it is. */
	readonly format: 'beads' | 'jetpack';
	/** Ids new to the table. */
	readonly imported: readonly string[];
	/** Ids already in the table whose task this import changed. */
	readonly updated: readonly string[];
	/** Ids already in the table that this import left as they were. */
	readonly unchanged: readonly string[];
	/**
	 * Ids whose record is older (`updated_at`) than the one imported before: left as they are, so
	 * importing an old export after a newer one rolls nothing back.
	 */
	readonly older: readonly string[];
	readonly skipped: readonly SkippedRecord[];
	readonly skippedByReason: Readonly<Partial<Record<SkipReason, number>>>;
	/**
	 * Statuses of every task of this export now in the table (imported, updated, unchanged, older),
	 * pending and ready settled as the store writes them.
	 */
	readonly byStatus: Readonly<Partial<Record<TaskStatus, number>>>;
	readonly dangling: readonly DanglingDependency[];
	readonly danglingLinks: readonly DanglingLink[];
	/** Tombstones whose id is in the table: an import never deletes, so they are left as they are. */
	readonly deletedInBeads: readonly string[];
	/** Beads changed their status, but a run holds them (claimed, in progress): status left alone. */
	readonly heldByRun: readonly string[];
	readonly warnings: readonly ImportWarning[];
}

export interface ImportOptions {
	/** Import pinned and ephemeral issues, and issue types that are not work, too (`--all`). */
	readonly all: boolean;
	readonly now: Date;
}

export function parseBeadsExport(text: string): ParsedExport {
	const records: BeadsRecord[] = [];
	const recordLines: number[] = [];
	const problems: ExportProblem[] = [];
	const lines = text.replace(/^\uFEFF/, '').split('\n');
	for (const [index, raw] of lines.entries()) {
		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (line.trim() === '') continue;
		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch (error) {
			problems.push({line: index + 1, message: `is not valid JSON: ${(error as Error).message}`});
			continue;
		}

		if (isRecord(value)) {
			records.push(value);
			recordLines.push(index + 1);
		} else problems.push({line: index + 1, message: 'is not a JSON object'});
	}

	return {records, lines: recordLines, problems};
}

/**
 * What a file given to `import` is: a beads export, a jetpack task store (someone's
 * `.beads/tasks.jsonl`, PRODUCT.md §15: recognised by its shape), or lines of both, which nothing
 * can import faithfully. Each line votes by what only one of the two writes; a line with no such
 * mark (an id and a title) goes with the rest.
 */
export type ExportShape =
	| {readonly kind: 'beads'}
	| {readonly kind: 'jetpack'; readonly line: number; readonly why: string}
	| {readonly kind: 'mixed'; readonly jetpackLine: number; readonly beadsLine: number};

const jetpackOnlyStatuses: ReadonlySet<string> = new Set([
	'pending',
	'ready',
	'claimed',
	'completed',
	'failed',
]);
const beadsOnlyStatuses: ReadonlySet<string> = new Set([
	'open',
	'closed',
	'deferred',
	'hooked',
	'pinned',
	'tombstone',
]);
const jetpackOnlyFields = [
	'attempts',
	'retryCount',
	'estimatedMinutes',
	'requiredSkills',
	'blockers',
] as const;
const beadsOnlyFields = ['issue_type', 'created_at', 'updated_at', 'close_reason'] as const;

/** Why a record reads as a jetpack task, in words; undefined when nothing says so. */
function jetpackMark(record: BeadsRecord): string | undefined {
	const {status, priority, dependencies} = record;
	if (isString(status) && jetpackOnlyStatuses.has(status))
		return `status ${JSON.stringify(status)}, which beads does not use`;
	if (isString(priority))
		return `priority ${JSON.stringify(priority)} by name, where beads has 0-4`;
	if (Array.isArray(dependencies) && dependencies.some(isString))
		return 'dependencies as a list of ids, where beads has edges';
	const field = jetpackOnlyFields.find((name) => name in record);
	return field === undefined ? undefined : `a ${field} field`;
}

function isBeadsLike(record: BeadsRecord): boolean {
	const {status, priority, dependencies} = record;
	return (
		(isString(status) && beadsOnlyStatuses.has(status)) ||
		typeof priority === 'number' ||
		(Array.isArray(dependencies) && dependencies.some(isRecord)) ||
		beadsOnlyFields.some((name) => name in record)
	);
}

export function exportShape(parsed: Pick<ParsedExport, 'records' | 'lines'>): ExportShape {
	let jetpack: {line: number; why: string} | undefined;
	let beadsLine: number | undefined;
	for (const [index, record] of parsed.records.entries()) {
		const line = parsed.lines[index] ?? index + 1;
		const why = jetpackMark(record);
		const beads = isBeadsLike(record);
		if (why !== undefined && !beads) jetpack ??= {line, why};
		else if (beads && why === undefined) beadsLine ??= line;
		if (jetpack !== undefined && beadsLine !== undefined)
			return {kind: 'mixed', jetpackLine: jetpack.line, beadsLine};
	}

	return jetpack === undefined ? {kind: 'beads'} : {kind: 'jetpack', ...jetpack};
}

/**
 * A jetpack task store imported as it is (PRODUCT.md §15): each line read by the store's own
 * schema, so `low` stays low, `completed` completed and dependencies stay. A line that breaks the
 * schema is a problem naming its line and field, and nothing is imported. A task new to the table
 * is added; one already there is replaced by the file's, unless a run holds it.
 */
export function readJetpackTasks(parsed: Pick<ParsedExport, 'records' | 'lines'>): {
	tasks: Task[];
	problems: ExportProblem[];
} {
	const tasks: Task[] = [];
	const problems: ExportProblem[] = [];
	for (const [index, record] of parsed.records.entries()) {
		const checked = checkTask(record);
		const line = parsed.lines[index] ?? index + 1;
		if (checked.ok) tasks.push(checked.task);
		else
			for (const problem of checked.problems)
				problems.push({line, message: `field "${problem.field}" ${problem.message}`});
	}

	return {tasks, problems};
}

export function importJetpackTasks(
	existing: TaskTable,
	incoming: readonly Task[],
	options: Pick<ImportOptions, 'now'>,
): Change<ImportReport> {
	const next = new Map(existing);
	const out = new ReportBuilder();
	const seen = new Set<string>();
	for (const task of incoming) {
		if (seen.has(task.id)) out.skip(task.id, 'duplicate id');
		seen.add(task.id);
		const current = existing.get(task.id);
		if (current === undefined) out.imported.push(task.id);
		else if (current.status === 'claimed' || current.status === 'in_progress') {
			out.heldByRun.push(task.id);
			continue;
		} else if (sameJson(current, task)) {
			out.unchanged.push(task.id);
			continue;
		} else out.updated.push(task.id);
		next.set(task.id, task);
	}

	const changed = out.imported.length + out.updated.length > 0;
	const tasks = settleStatuses(changed ? next : existing, options.now);
	for (const id of seen) {
		const task = tasks.get(id);
		if (task !== undefined) out.count(task, tasks, new Set());
	}

	return {tasks, result: {...out.report(), format: 'jetpack'}};
}

// Blockers the import itself adds, so that a later import can take them back.
export const blockedInBeads = 'blocked in beads';
export const pinnedInBeads = 'pinned in beads: a standing item, not work to run';

const blockingEdgeTypes: ReadonlySet<string> = new Set([
	'blocks',
	'conditional-blocks',
	'waits-for',
]);
const priorityByNumber: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'low'];
const importBlockers: ReadonlySet<string> = new Set([blockedInBeads, pinnedInBeads]);

export interface MappedStatus {
	readonly status: TaskStatus;
	readonly blockers: readonly string[];
	/** False for a beads status this version does not know (mapped to pending). */
	readonly known: boolean;
}

export function mapBeadsStatus(status: unknown): MappedStatus {
	switch (status) {
		// In progress in beads, but no run holds it here: it only waits to be picked up again.
		case 'open':
		case 'deferred':
		case 'hooked':
		case 'in_progress': {
			return {status: 'pending', blockers: [], known: true};
		}

		case 'blocked': {
			return {status: 'blocked', blockers: [blockedInBeads], known: true};
		}

		// Only reached with `--all`: a pinned issue stands for good and is not a job for an agent.
		case 'pinned': {
			return {status: 'blocked', blockers: [pinnedInBeads], known: true};
		}

		// Whatever its close_reason (kept in metadata.beads): beads unblocks the dependents of any
		// closed issue, and a wontfix read as failed would end every later run with exit 1.
		case 'closed': {
			return {status: 'completed', blockers: [], known: true};
		}

		default: {
			return {status: 'pending', blockers: [], known: false};
		}
	}
}

/** Beads priorities 0-4; anything else is undefined (the task keeps the default, medium). */
export function mapBeadsPriority(priority: unknown): Priority | undefined {
	return typeof priority === 'number' && Number.isInteger(priority)
		? priorityByNumber[priority]
		: undefined;
}

export function importBeads(
	existing: TaskTable,
	records: readonly BeadsRecord[],
	options: ImportOptions,
): Change<ImportReport> {
	const lastIndexOf = new Map<string, number>();
	for (const [index, record] of records.entries()) {
		const id = record['id'];
		if (typeof id === 'string') lastIndexOf.set(id, index);
	}

	const next = new Map(existing);
	const out = new ReportBuilder();
	const skippedIds = new Set<string>();
	const exportIds: string[] = [];
	for (const [index, record] of records.entries()) {
		const rawId = record['id'];
		const superseded = typeof rawId === 'string' && lastIndexOf.get(rawId) !== index;
		const reason = superseded ? 'duplicate id' : skipReason(record, options.all);
		if (reason !== undefined || typeof rawId !== 'string') {
			out.skip(displayId(rawId), reason ?? 'invalid id', issueTypeOf(record));
			if (typeof rawId !== 'string' || superseded) continue;
			skippedIds.add(rawId);
			if (reason === 'tombstone' && existing.has(rawId)) out.deletedInBeads.push(rawId);
			continue;
		}

		const task = importRecord(existing.get(rawId), record, rawId, options.now, out);
		if (task === undefined) continue;
		exportIds.push(rawId);
		next.set(rawId, task);
	}

	const changed = out.imported.length + out.updated.length > 0;
	// The store settles pending and ready on every write: the report counts the table it will write.
	const tasks = settleStatuses(changed ? next : existing, options.now);
	for (const id of exportIds) {
		const task = tasks.get(id);
		if (task !== undefined) out.count(task, tasks, skippedIds);
	}

	return {tasks, result: out.report()};
}

class ReportBuilder {
	readonly imported: string[] = [];
	readonly updated: string[] = [];
	readonly unchanged: string[] = [];
	readonly older: string[] = [];
	readonly skipped: SkippedRecord[] = [];
	readonly skippedByReason: Partial<Record<SkipReason, number>> = {};
	readonly byStatus: Partial<Record<TaskStatus, number>> = {};
	readonly dangling: DanglingDependency[] = [];
	readonly danglingLinks: DanglingLink[] = [];
	readonly deletedInBeads: string[] = [];
	readonly heldByRun: string[] = [];
	readonly warnings: ImportWarning[] = [];

	skip(id: string, reason: SkipReason, issueType?: string): void {
		this.skipped.push(
			reason === 'not work' && issueType !== undefined ? {id, reason, issueType} : {id, reason},
		);
		this.skippedByReason[reason] = (this.skippedByReason[reason] ?? 0) + 1;
	}

	count(task: Task, tasks: TaskTable, skippedIds: ReadonlySet<string>): void {
		this.byStatus[task.status] = (this.byStatus[task.status] ?? 0) + 1;
		for (const dependsOn of task.dependencies) {
			if (tasks.has(dependsOn)) continue;
			this.dangling.push({id: task.id, dependsOn, targetSkipped: skippedIds.has(dependsOn)});
		}

		const links: Link[] =
			task.parentId === undefined ? [] : [{type: 'parent-child', id: task.parentId}];
		for (const link of [...links, ...(task.links ?? [])]) {
			if (tasks.has(link.id)) continue;
			this.danglingLinks.push({
				id: task.id,
				linksTo: link.id,
				type: link.type,
				targetSkipped: skippedIds.has(link.id),
			});
		}
	}

	report(): ImportReport {
		return {
			format: 'beads',
			imported: this.imported,
			updated: this.updated,
			unchanged: this.unchanged,
			older: this.older,
			skipped: this.skipped,
			skippedByReason: this.skippedByReason,
			byStatus: this.byStatus,
			dangling: this.dangling,
			danglingLinks: this.danglingLinks,
			deletedInBeads: this.deletedInBeads,
			heldByRun: this.heldByRun,
			warnings: this.warnings,
		};
	}
}

/**
 * The task the record becomes, reported as imported, updated, unchanged or older; undefined when
 * skipped.
 */
function importRecord(
	current: Task | undefined,
	record: BeadsRecord,
	id: string,
	now: Date,
	out: ReportBuilder,
): Task | undefined {
	if (current !== undefined && !isRecord(current.metadata?.['beads'])) {
		out.skip(id, 'id in use');
		return undefined;
	}

	if (current !== undefined && olderThanImported(current, record)) {
		out.older.push(id);
		return current;
	}

	const mapped = mapRecord(record, id);
	for (const message of mapped.warnings) out.warnings.push({id, message});
	if (current === undefined) {
		out.imported.push(id);
		return asNewTask(mapped, now);
	}

	const merged = reimport(current, mapped, now);
	if (merged.heldByRun) out.heldByRun.push(id);
	(merged.task === current ? out.unchanged : out.updated).push(id);
	return merged.task;
}

/**
 * The record was last updated before the one this task was imported from. Compared as instants:
 * exports mix offsets (`-08:00`, `Z`). Without a readable date on either side nothing can be said,
 * and the record is imported as it always was.
 */
function olderThanImported(current: Task, record: BeadsRecord): boolean {
	const before = instant(beadsOf(current)['updated_at']);
	const now = instant(record['updated_at']);
	return before !== undefined && now !== undefined && now < before;
}

function instant(value: unknown): number | undefined {
	const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
	return Number.isNaN(time) ? undefined : time;
}

/** Tombstones go even with `--all`: beads deleted them. */
function skipReason(record: BeadsRecord, all: boolean): SkipReason | undefined {
	if (record['status'] === 'tombstone') return 'tombstone';
	const id = record['id'];
	if (typeof id !== 'string' || !taskIdPattern.test(id)) return 'invalid id';
	if (all) return undefined;
	if (record['status'] === 'pinned' || record['pinned'] === true) return 'pinned';
	if (record['ephemeral'] === true) return 'ephemeral';
	const type = issueTypeOf(record);
	if (type !== undefined && notWorkTypes.has(type)) return 'not work';
	return undefined;
}

function issueTypeOf(record: BeadsRecord): string | undefined {
	const type = record['issue_type'];
	return isString(type) ? type : undefined;
}

function displayId(id: unknown): string {
	return typeof id === 'string' ? id : (JSON.stringify(id) ?? '(missing)');
}

/** A record mapped on its own, before it meets the table. */
interface MappedRecord {
	readonly task: Task;
	/** The record gave an estimate (beads rarely does); without one a re-import keeps the task's. */
	readonly hasEstimate: boolean;
	readonly warnings: readonly string[];
}

/** Fields a task carries in full: consumed, so not repeated under `metadata.beads`. */
type Consumed = Set<string>;

function mapRecord(record: BeadsRecord, id: string): MappedRecord {
	const warnings: string[] = [];
	const consumed: Consumed = new Set(['id']);
	const mappedStatus = mapBeadsStatus(record['status']);
	if (!mappedStatus.known) {
		warnings.push(
			`status ${displayId(record['status'])} is not a beads status this version knows; imported as pending`,
		);
	}

	const priority = mapBeadsPriority(record['priority']);
	if (priority === undefined && record['priority'] !== undefined) {
		warnings.push(`priority ${displayId(record['priority'])} is not 0-4; imported as medium`);
	}

	const estimate = take(record, 'estimated_minutes', consumed, isPositiveNumber);
	// What the issue's worker wrote down is what jetpack keeps as a note (PRODUCT.md §16).
	const note = take(record, 'notes', consumed, (v): v is string => isString(v) && v.trim() !== '');
	const fields: Partial<Task> = {
		description: take(record, 'description', consumed, isString) ?? '',
		status: mappedStatus.status,
		priority: priority ?? 'medium',
		blockers: mappedStatus.blockers,
		tags: mapLabels(record, consumed, warnings),
		...(estimate === undefined ? {} : {estimatedMinutes: estimate}),
		...(note === undefined ? {} : {notes: [note.trim()]}),
		...mapEdges(record, id, consumed, warnings),
		...mapTimestamps(record, mappedStatus.status, consumed, warnings),
		// issue_type stays in metadata.beads: task and epic are all a task's type can say of it.
		...(record['issue_type'] === 'epic' ? {type: 'epic' as const} : {}),
	};
	const title = take(record, 'title', consumed, (v): v is string => isString(v) && v.trim() !== '');
	if (title === undefined) warnings.push('has no title; imported as "(untitled beads issue)"');
	const beads = Object.fromEntries(Object.entries(record).filter(([key]) => !consumed.has(key)));
	const task = newTask({
		...fields,
		id,
		title: title ?? '(untitled beads issue)',
		metadata: {beads},
	});
	return {task, hasEstimate: estimate !== undefined, warnings};
}

function take<T>(
	record: BeadsRecord,
	field: string,
	consumed: Consumed,
	accept: (value: unknown) => value is T,
): T | undefined {
	const value = record[field];
	if (!accept(value)) return undefined;
	consumed.add(field);
	return value;
}

function mapLabels(record: BeadsRecord, consumed: Consumed, warnings: string[]): string[] {
	const labels = record['labels'];
	if (labels === undefined || labels === null) return [];
	const list = Array.isArray(labels) ? labels : [];
	const tags = list.filter((label): label is string => isString(label) && label !== '');
	if (Array.isArray(labels) && tags.length === list.length) {
		consumed.add('labels');
	} else {
		warnings.push('labels holds more than non-empty strings; they stay in metadata.beads');
	}

	return [...new Set(tags)];
}

function mapTimestamps(
	record: BeadsRecord,
	status: TaskStatus,
	consumed: Consumed,
	warnings: string[],
): Pick<Task, 'createdAt' | 'updatedAt' | 'completedAt'> {
	const stamp = (field: string): string | undefined => {
		const value = record[field];
		if (value === undefined || value === null) return undefined;
		const time = instant(value);
		if (time === undefined) {
			warnings.push(`${field} ${displayId(value)} is not a date; kept in metadata.beads`);
			return undefined;
		}

		// updated_at stays: the task's updatedAt moves on with every change here (see the top).
		if (field !== 'updated_at') consumed.add(field);
		return new Date(time).toISOString();
	};

	const out: {createdAt?: string; updatedAt?: string; completedAt?: string} = {};
	const createdAt = stamp('created_at');
	const updatedAt = stamp('updated_at');
	if (createdAt !== undefined) out.createdAt = createdAt;
	if (updatedAt !== undefined) out.updatedAt = updatedAt;
	if (status === 'completed') {
		const completedAt = stamp('closed_at');
		if (completedAt !== undefined) out.completedAt = completedAt;
	}

	return out;
}

interface BeadsEdge {
	readonly type: string;
	readonly target: string;
}

/**
 * Blocking edges become dependencies; the first parent (the top-level `parent` field, which beads
 * fills on newer exports, before parent-child edges) becomes `parentId` and any further parent a
 * `parent-child` link; every other edge a link. The raw edges stay in metadata.beads: their type
 * (conditional-blocks, waits-for) and dates do not fit a task.
 */
function mapEdges(
	record: BeadsRecord,
	id: string,
	consumed: Consumed,
	warnings: string[],
): Pick<Task, 'dependencies' | 'parentId' | 'links'> {
	const edges = readEdges(record, id, warnings);
	const dependencies = new Set<string>();
	const parents = new Set<string>();
	const parent = record['parent'];
	if (isString(parent) && parent !== '') {
		parents.add(parent);
		consumed.add('parent');
	}

	const links = new Map<string, Link>();
	const addLink = (link: Link): void => {
		links.set(JSON.stringify([link.type, link.id]), link);
	};

	for (const edge of edges) {
		if (blockingEdgeTypes.has(edge.type)) dependencies.add(edge.target);
		else if (edge.type === 'parent-child') parents.add(edge.target);
		else addLink({type: edge.type, id: edge.target});
	}

	const [parentId, ...moreParents] = parents;
	if (moreParents.length > 0) {
		warnings.push(
			`has ${parents.size} parents; ${parentId} is its parentId, the others are parent-child links`,
		);
	}

	for (const other of moreParents) addLink({type: 'parent-child', id: other});
	return {
		dependencies: [...dependencies],
		...(parentId === undefined ? {} : {parentId}),
		...(links.size === 0 ? {} : {links: [...links.values()]}),
	};
}

function readEdges(record: BeadsRecord, id: string, warnings: string[]): BeadsEdge[] {
	const raw = record['dependencies'];
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) {
		warnings.push('dependencies is not a list; kept in metadata.beads only');
		return [];
	}

	const edges: BeadsEdge[] = [];
	for (const [index, edge] of raw.entries()) {
		const ok =
			isRecord(edge) &&
			isString(edge['depends_on_id']) &&
			edge['depends_on_id'] !== '' &&
			(edge['issue_id'] === undefined || edge['issue_id'] === id);
		if (ok)
			edges.push({
				type: isString(edge['type']) ? edge['type'] : 'blocks',
				target: edge['depends_on_id'] as string,
			});
		else
			warnings.push(
				`dependencies[${index}] is not an edge from this issue; kept in metadata.beads only`,
			);
	}

	return edges;
}

function asNewTask(mapped: MappedRecord, now: Date): Task {
	const stamp = now.toISOString();
	const {task} = mapped;
	return {...task, createdAt: task.createdAt ?? stamp, updatedAt: task.updatedAt ?? stamp};
}

/**
 * A task imported before meets its record again. Beads owns what it says about the work (title,
 * description, priority, edges, tags, metadata.beads); jetpack owns what happened to it here
 * (attempts, retries, skills, its own status). So the status follows beads only when beads changed
 * it since the last import: re-importing an unchanged export never undoes a completed run, while
 * closing or reopening an issue in beads does reach the task. A task a run holds keeps its status.
 */
function reimport(
	current: Task,
	mapped: MappedRecord,
	now: Date,
): {task: Task; heldByRun: boolean} {
	const fresh = mapped.task;
	const beadsBefore = beadsOf(current);
	const beadsNow = beadsOf(fresh);
	// Versions before this one read a closed issue with a reason like wontfix as failed; no run
	// here ever tried it (no attempts), so the import made that status and may take it back.
	const importedAsFailed =
		current.status === 'failed' && current.attempts.length === 0 && beadsNow['status'] === 'closed';
	const statusChanged = beadsBefore['status'] !== beadsNow['status'] || importedAsFailed;
	const heldByRun =
		statusChanged && (current.status === 'claimed' || current.status === 'in_progress');
	const rest = omit(current, ['type', 'parentId', 'links', 'createdAt']);
	const createdAt = fresh.createdAt ?? current.createdAt;
	const merged: Task = {
		...rest,
		title: fresh.title,
		description: fresh.description,
		priority: fresh.priority,
		dependencies: fresh.dependencies,
		tags: fresh.tags,
		estimatedMinutes: mapped.hasEstimate ? fresh.estimatedMinutes : current.estimatedMinutes,
		// Notes only grow: those written here stay, and a note beads changed comes in beside them.
		notes: [...current.notes, ...fresh.notes.filter((note) => !current.notes.includes(note))],
		...(fresh.type === undefined ? {} : {type: fresh.type}),
		...(fresh.parentId === undefined ? {} : {parentId: fresh.parentId}),
		...(fresh.links === undefined ? {} : {links: fresh.links}),
		// Held by a run, the status beads had before stays recorded, so the next import applies the change.
		metadata: {
			...current.metadata,
			beads: heldByRun ? {...beadsNow, status: beadsBefore['status']} : beadsNow,
		},
		...(createdAt === undefined ? {} : {createdAt}),
	};
	const task = statusChanged && !heldByRun ? takeBeadsStatus(merged, fresh) : merged;
	if (sameJson(task, current)) return {task: current, heldByRun};
	return {task: {...task, updatedAt: now.toISOString()}, heldByRun};
}

function beadsOf(task: Task): Readonly<Record<string, unknown>> {
	const beads = task.metadata?.['beads'];
	return isRecord(beads) ? beads : {};
}

/** Beads closed or reopened the issue: its status replaces jetpack's, as `retry` would reset it. */
function takeBeadsStatus(merged: Task, fresh: Task): Task {
	const rest = omit(merged, ['completedAt', 'lastError', 'failureType', 'nextAttemptAt']);
	const ownBlockers = merged.blockers.filter((blocker) => !importBlockers.has(blocker));
	return {
		...rest,
		status: fresh.status,
		blockers: [...new Set([...ownBlockers, ...fresh.blockers])],
		retryCount: fresh.status === 'pending' ? 0 : merged.retryCount,
		...(fresh.completedAt === undefined ? {} : {completedAt: fresh.completedAt}),
		...(fresh.lastError === undefined ? {} : {lastError: fresh.lastError}),
	};
}

/** The task without the optional fields named, so that the new value may leave them out. */
function omit<K extends keyof Task>(task: Task, keys: readonly K[]): Omit<Task, K> {
	const dropped: ReadonlySet<string> = new Set(keys);
	return Object.fromEntries(
		Object.entries(task).filter(([key]) => !dropped.has(key)),
	) as unknown as Omit<Task, K>;
}

/** Equality of two JSON-like values; key order and keys holding undefined do not count. */
function sameJson(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (Array.isArray(a) || Array.isArray(b)) {
		return (
			Array.isArray(a) &&
			Array.isArray(b) &&
			a.length === b.length &&
			a.every((item, index) => sameJson(item, b[index]))
		);
	}

	if (!isRecord(a) || !isRecord(b)) return false;
	const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
	for (const key of keys) if (!sameJson(a[key], b[key])) return false;
	return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
	return typeof value === 'string';
}

function isPositiveNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value > 0;
}
