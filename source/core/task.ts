/**
 * The task model of `.beads/tasks.jsonl` (PRODUCT.md §3): types, the schema check with
 * field-precise problems, defaults, and the canonical line a task is written as.
 *
 * Hand-rolled rather than a schema library: the store parses every line of files with 100,000
 * tasks on every command, and the messages here name the field, what it must be and what it got.
 */

export const taskStatuses = [
	'pending',
	'ready',
	'claimed',
	'in_progress',
	'review',
	'blocked',
	'completed',
	'failed',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** An epic is never run; it is completed when all its children (`parentId`) are (PRODUCT.md §3). */
export const taskTypes = ['task', 'epic'] as const;
export type TaskType = (typeof taskTypes)[number];

export const priorities = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof priorities)[number];

export const failureTypes = [
	'error',
	'timeout',
	'stalled',
	'oom',
	'killed',
	'infra',
	'quality',
	'rate_limited',
	'needs_input',
	'conflict',
	'budget',
] as const;
export type FailureType = (typeof failureTypes)[number];

export interface ClaimedBy {
	readonly runId: string;
	readonly pid: number;
	readonly host: string;
}

/** One run of an agent on the task. Keys beyond these are kept as they are. */
export interface Attempt {
	readonly n: number;
	readonly agent: string;
	readonly startedAt: string;
	readonly endedAt?: string;
	readonly exitCode?: number | null;
	readonly signal?: string | null;
	readonly failureType?: FailureType;
	readonly log?: string;
	readonly [key: string]: unknown;
}

export interface Link {
	readonly type: string;
	readonly id: string;
}

export interface Task {
	readonly id: string;
	readonly title: string;
	readonly description: string;
	readonly status: TaskStatus;
	/** Absent for a task: `task` is the default and is read as absent, so only epics write it. */
	readonly type?: TaskType;
	readonly priority: Priority;
	readonly dependencies: readonly string[];
	readonly blockers: readonly string[];
	readonly requiredSkills: readonly string[];
	readonly tags: readonly string[];
	readonly estimatedMinutes: number;
	readonly retryCount: number;
	/** Absent: the config's `maxRetries` applies. */
	readonly maxRetries?: number;
	readonly lastError?: string;
	readonly failureType?: FailureType;
	readonly assignedAgent?: string;
	readonly claimedBy?: ClaimedBy;
	readonly attempts: readonly Attempt[];
	/**
	 * What an agent or a person learned doing the task, oldest first (PRODUCT.md §16): handed to
	 * its dependents' prompts. Written only when there is one, so stores without notes keep their bytes.
	 */
	readonly notes: readonly string[];
	readonly parentId?: string;
	readonly links?: readonly Link[];
	readonly metadata?: Readonly<Record<string, unknown>>;
	readonly createdAt?: string;
	readonly updatedAt?: string;
	readonly startedAt?: string;
	readonly completedAt?: string;
	readonly nextAttemptAt?: string;
	/** Fields this version does not know, in their original order; written back unchanged. */
	readonly extra: Readonly<Record<string, unknown>>;
}

/** Tasks by id. Every transaction reads one and returns the next. */
export type TaskTable = ReadonlyMap<string, Task>;

export const taskIdPattern = /^[A-Za-z\d][\w.-]{0,63}$/;

export const taskDefaults = {
	description: '',
	status: 'pending',
	priority: 'medium',
	estimatedMinutes: 30,
	retryCount: 0,
} as const satisfies Partial<Task>;

/** The order fields are written in; unknown fields follow in the order they were read. */
const fieldOrder = [
	'id',
	'title',
	'description',
	'status',
	'type',
	'priority',
	'dependencies',
	'blockers',
	'requiredSkills',
	'tags',
	'estimatedMinutes',
	'retryCount',
	'maxRetries',
	'lastError',
	'failureType',
	'assignedAgent',
	'claimedBy',
	'attempts',
	'notes',
	'parentId',
	'links',
	'metadata',
	'createdAt',
	'updatedAt',
	'startedAt',
	'completedAt',
	'nextAttemptAt',
] as const satisfies ReadonlyArray<Exclude<keyof Task, 'extra'>>;

const knownFields: ReadonlySet<string> = new Set(fieldOrder);

export interface FieldProblem {
	readonly field: string;
	readonly message: string;
}

export type TaskCheck =
	| {readonly ok: true; readonly task: Task}
	| {readonly ok: false; readonly problems: readonly FieldProblem[]};

/** The line a task is stored as: known fields in a fixed order, unknown ones after, no spaces. */
export function taskToJsonLine(task: Task): string {
	return JSON.stringify(taskToJson(task));
}

/** The task as stored (PRODUCT.md §10: `task show --json` prints this). */
export function taskToJson(task: Task): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const field of fieldOrder) {
		const value = task[field];
		// No notes is written as none, so that stores from before notes keep their bytes.
		if (value !== undefined && !(field === 'notes' && task.notes.length === 0)) out[field] = value;
	}

	for (const [key, value] of Object.entries(task.extra)) defineField(out, key, value);
	return out;
}

const priorityByNumber: readonly Priority[] = ['critical', 'high', 'medium', 'low', 'low'];

function describe(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'an object';
	if (typeof value === 'string') {
		const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
		return JSON.stringify(shown);
	}

	return String(value);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

const isNonNegativeInteger = (value: unknown): value is number =>
	typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** An ISO-8601 date, or date and time with an optional zone; `Date.parse` alone takes "March 7". */
const isoTimestamp =
	/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const isTimestamp = (value: unknown): value is string =>
	typeof value === 'string' && isoTimestamp.test(value) && !Number.isNaN(Date.parse(value));

function oneOf<T extends string>(list: readonly T[], value: unknown): value is T {
	return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/**
 * Reads the fields of one parsed line and collects what is wrong with them. A class rather than
 * closures: it is made once per line of files with 100,000 lines.
 */
class FieldReader {
	readonly problems: FieldProblem[] = [];

	constructor(private readonly value: Record<string, unknown>) {}

	given(field: string): unknown {
		const v = this.value[field];
		return v === null ? undefined : v;
	}

	problem(field: string, message: string, got: unknown): undefined {
		this.problems.push({field, message: `${message} (got ${describe(got)})`});
		return undefined;
	}

	text(field: string): string | undefined {
		const v = this.given(field);
		if (v === undefined || typeof v === 'string') return v;
		return this.problem(field, 'must be a string', v);
	}

	idList(field: string): string[] {
		const v = this.given(field);
		if (v === undefined) return [];
		if (Array.isArray(v) && everyString(v, (item) => taskIdPattern.test(item)))
			return v as string[];
		this.problem(field, 'must be a list of task ids', v);
		return [];
	}

	textList(field: string): string[] {
		const v = this.given(field);
		if (v === undefined) return [];
		if (Array.isArray(v) && everyString(v, (item) => item !== '')) return v as string[];
		this.problem(field, 'must be a list of non-empty strings', v);
		return [];
	}

	optionalCount(field: string): number | undefined {
		const v = this.given(field);
		if (v === undefined || isNonNegativeInteger(v)) return v;
		this.problem(field, 'must be a whole number, 0 or more', v);
		return undefined;
	}

	count(field: string, fallback: number): number {
		const v = this.given(field);
		if (v === undefined) return fallback;
		if (isNonNegativeInteger(v)) return v;
		this.problem(field, 'must be a whole number, 0 or more', v);
		return fallback;
	}

	timestamp(field: string): string | undefined {
		const v = this.given(field);
		if (v === undefined || isTimestamp(v)) return v;
		return this.problem(
			field,
			'must be an ISO-8601 date and time such as "2026-01-31T09:00:00Z"',
			v,
		);
	}
}

function everyString(list: readonly unknown[], test: (item: string) => boolean): boolean {
	for (const item of list) if (typeof item !== 'string' || !test(item)) return false;
	return true;
}

/**
 * Checks one parsed line against the schema and fills defaults. `null` counts as missing for every
 * field that is not required, since other tools write it for "no value".
 */
export function checkTask(value: unknown): TaskCheck {
	if (isRecord(value)) {
		const task = wellFormedTask(value);
		if (task !== undefined) return {ok: true, task};
	}

	return checkFieldByField(value);
}

/** The one empty list every task without items shares, so that 100,000 tasks keep none of their own. */
const noItems: readonly never[] = Object.freeze([]);

const shared = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? noItems : list);

/**
 * `checkTask` for the lines nearly every store holds: each field present is well formed, the lists
 * hold plain values, free-form values nest shallowly. Undefined for anything else, which
 * `checkFieldByField` then reads to say what is wrong: this path only has to be right when it
 * answers, and gives the task `checkFieldByField` would (test/core/task.test.ts holds both to that).
 *
 * Each field is read by its name, once: the objects JSON.parse makes from lines with the same keys
 * share one shape, so these reads stay fast, where reading by a computed name does not. `??`
 * makes null count as missing, as it does field by field.
 */
export function wellFormedTask(value: Record<string, unknown>): Task | undefined {
	const id = value['id'];
	const title = value['title'];
	const description = value['description'] ?? taskDefaults.description;
	const status = value['status'] ?? taskDefaults.status;
	const type = value['type'] ?? undefined;
	const priority = value['priority'] ?? taskDefaults.priority;
	const dependencies = value['dependencies'] ?? noItems;
	const blockers = value['blockers'] ?? noItems;
	const requiredSkills = value['requiredSkills'] ?? noItems;
	const tags = value['tags'] ?? noItems;
	const estimatedMinutes = value['estimatedMinutes'] ?? taskDefaults.estimatedMinutes;
	const retryCount = value['retryCount'] ?? taskDefaults.retryCount;
	const maxRetries = value['maxRetries'] ?? undefined;
	const lastError = value['lastError'] ?? undefined;
	const failureType = value['failureType'] ?? undefined;
	const assignedAgent = value['assignedAgent'] ?? undefined;
	const claimedBy = value['claimedBy'] ?? undefined;
	const attempts = value['attempts'] ?? noItems;
	const notes = value['notes'] ?? noItems;
	const parentId = value['parentId'] ?? undefined;
	const links = value['links'] ?? undefined;
	const metadata = value['metadata'] ?? undefined;
	const createdAt = value['createdAt'] ?? undefined;
	const updatedAt = value['updatedAt'] ?? undefined;
	const startedAt = value['startedAt'] ?? undefined;
	const completedAt = value['completedAt'] ?? undefined;
	const nextAttemptAt = value['nextAttemptAt'] ?? undefined;
	if (
		!isTaskId(id) ||
		typeof title !== 'string' ||
		!/\S/.test(title) ||
		typeof description !== 'string' ||
		!oneOf(taskStatuses, status) ||
		(type !== undefined && !oneOf(taskTypes, type)) ||
		// A number (0 = critical) is read field by field.
		!oneOf(priorities, priority) ||
		!isListOf(dependencies, isTaskId) ||
		!isListOf(blockers, isNonEmptyString) ||
		!isListOf(requiredSkills, isNonEmptyString) ||
		!isListOf(tags, isNonEmptyString) ||
		!isEstimate(estimatedMinutes) ||
		!isNonNegativeInteger(retryCount) ||
		(maxRetries !== undefined && !isNonNegativeInteger(maxRetries)) ||
		(lastError !== undefined && typeof lastError !== 'string') ||
		(failureType !== undefined && !oneOf(failureTypes, failureType)) ||
		(assignedAgent !== undefined && typeof assignedAgent !== 'string') ||
		(claimedBy !== undefined && !isClaim(claimedBy)) ||
		!isListOf(attempts, isAttempt) ||
		!isShallowList(attempts) ||
		!isListOf(notes, isNonEmptyString) ||
		(parentId !== undefined && !isTaskId(parentId)) ||
		(links !== undefined && !(isListOf(links, isLink) && isShallowList(links))) ||
		(metadata !== undefined && !(isRecord(metadata) && !nestsDeeperThan(metadata, maxNesting))) ||
		!isOptionalTimestamp(createdAt) ||
		!isOptionalTimestamp(updatedAt) ||
		!isOptionalTimestamp(startedAt) ||
		!isOptionalTimestamp(completedAt) ||
		!isOptionalTimestamp(nextAttemptAt)
	)
		return undefined;

	let extra = noExtra;
	if (!hasOnlyKnownFields(value)) {
		const problems: FieldProblem[] = [];
		extra = unknownFields(value, problems);
		if (problems.length > 0) return undefined;
	}

	// The fields in the order checkFieldByField sets them: one shape for every task read.
	return {
		id,
		title,
		description,
		status,
		type: type === 'epic' ? type : undefined,
		priority,
		dependencies: shared(dependencies),
		blockers: shared(blockers),
		requiredSkills: shared(requiredSkills),
		tags: shared(tags),
		estimatedMinutes,
		retryCount,
		maxRetries,
		lastError,
		failureType,
		assignedAgent,
		claimedBy,
		attempts: shared(attempts),
		notes: shared(notes),
		parentId,
		links,
		metadata,
		createdAt,
		updatedAt,
		startedAt,
		completedAt,
		nextAttemptAt,
		extra,
	};
}

/**
 * Whether every key is a known field, in the order this program writes them: then one walk along
 * `fieldOrder` settles it, with no lookups. Keys in another order are answered `false`, and
 * `unknownFields` sorts them out.
 */
function hasOnlyKnownFields(value: Record<string, unknown>): boolean {
	let at = 0;
	for (const key in value) {
		while (at < fieldOrder.length && fieldOrder[at] !== key) at++;
		if (at === fieldOrder.length) return false;
		at++;
	}

	return true;
}

const isTaskId = (value: unknown): value is string =>
	typeof value === 'string' && taskIdPattern.test(value);

const isNonEmptyString = (value: unknown): value is string =>
	typeof value === 'string' && value !== '';

const isEstimate = (value: unknown): value is number =>
	typeof value === 'number' && Number.isFinite(value) && value > 0;

const isOptionalTimestamp = (value: unknown): value is string | undefined =>
	value === undefined || isTimestamp(value);

const isClaim = (value: unknown): value is ClaimedBy =>
	isRecord(value) &&
	typeof value['runId'] === 'string' &&
	isNonNegativeInteger(value['pid']) &&
	typeof value['host'] === 'string';

// Indexed loops here, not for...of: these run for every list of every line, and an iterator
// costs more than the check when the list is empty or short, as most are.
function isListOf<T>(value: unknown, test: (item: unknown) => item is T): value is readonly T[] {
	if (!Array.isArray(value)) return false;
	for (let i = 0; i < value.length; i++) if (!test(value[i])) return false;
	return true;
}

const isAttempt = (value: unknown): value is Attempt =>
	isRecord(value) &&
	isNonNegativeInteger(value['n']) &&
	typeof value['agent'] === 'string' &&
	isTimestamp(value['startedAt']);

const isLink = (value: unknown): value is Link =>
	isRecord(value) && typeof value['type'] === 'string' && typeof value['id'] === 'string';

/** Nests no deeper than `maxNesting`; a list of flat records, the usual case, is seen at a glance. */
function isShallowList(list: readonly object[]): boolean {
	for (let i = 0; i < list.length; i++)
		if (!isFlat(list[i] as object)) return !nestsDeeperThan(list, maxNesting);
	return true;
}

function isFlat(record: object): boolean {
	for (const key in record) {
		const value = (record as Record<string, unknown>)[key];
		if (typeof value === 'object' && value !== null) return false;
	}

	return true;
}

/** The slow path of `checkTask`: every field read in turn, every problem named. */
export function checkFieldByField(value: unknown): TaskCheck {
	if (!isRecord(value)) {
		return {
			ok: false,
			problems: [
				{
					field: '(line)',
					message: `is ${describe(value)}, not a task; each line is one task written as a JSON object, like {"id": "bd-a1b2", "title": "Write the API"}`,
				},
			],
		};
	}

	const fields = new FieldReader(value);
	const {problems} = fields;

	const id = fields.given('id');
	if (id === undefined) problems.push({field: 'id', message: 'is required'});
	else if (typeof id !== 'string' || !taskIdPattern.test(id)) {
		fields.problem(
			'id',
			'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
			id,
		);
	}

	const title = fields.given('title');
	if (title === undefined) problems.push({field: 'title', message: 'is required'});
	else if (typeof title !== 'string' || !/\S/.test(title))
		fields.problem('title', 'must be a non-empty string', title);

	const rawParent = fields.given('parentId');
	const parentId =
		rawParent === undefined || (typeof rawParent === 'string' && taskIdPattern.test(rawParent))
			? rawParent
			: fields.problem('parentId', 'must be a task id', rawParent);

	const description = fields.text('description') ?? taskDefaults.description;

	let status: TaskStatus = taskDefaults.status;
	const rawStatus = fields.given('status');
	if (oneOf(taskStatuses, rawStatus)) status = rawStatus;
	else if (rawStatus !== undefined)
		fields.problem('status', `must be one of ${taskStatuses.join(', ')}`, rawStatus);

	let type: 'epic' | undefined;
	const rawType = fields.given('type');
	if (rawType === 'epic') type = rawType;
	else if (rawType !== undefined && rawType !== 'task')
		fields.problem('type', `must be one of ${taskTypes.join(', ')}`, rawType);

	let priority: Priority = taskDefaults.priority;
	const rawPriority = fields.given('priority');
	if (oneOf(priorities, rawPriority)) priority = rawPriority;
	else if (isNonNegativeInteger(rawPriority) && rawPriority <= 4)
		priority = priorityByNumber[rawPriority] ?? 'low';
	else if (rawPriority !== undefined) {
		fields.problem(
			'priority',
			`must be one of ${priorities.join(', ')} or a number 0-4 (0 = critical)`,
			rawPriority,
		);
	}

	let estimatedMinutes: number = taskDefaults.estimatedMinutes;
	const rawEstimate = fields.given('estimatedMinutes');
	if (typeof rawEstimate === 'number' && Number.isFinite(rawEstimate) && rawEstimate > 0)
		estimatedMinutes = rawEstimate;
	else if (rawEstimate !== undefined)
		fields.problem('estimatedMinutes', 'must be a number of minutes above 0', rawEstimate);

	let failureType: FailureType | undefined;
	const rawFailure = fields.given('failureType');
	if (oneOf(failureTypes, rawFailure)) failureType = rawFailure;
	else if (rawFailure !== undefined)
		fields.problem('failureType', `must be one of ${failureTypes.join(', ')}`, rawFailure);

	let claimedBy: ClaimedBy | undefined;
	const rawClaim = fields.given('claimedBy');
	if (rawClaim !== undefined) {
		if (
			isRecord(rawClaim) &&
			typeof rawClaim['runId'] === 'string' &&
			isNonNegativeInteger(rawClaim['pid']) &&
			typeof rawClaim['host'] === 'string'
		) {
			claimedBy = rawClaim as unknown as ClaimedBy;
		} else fields.problem('claimedBy', 'must be an object {runId, pid, host}', rawClaim);
	}

	let attempts: Attempt[] = [];
	const rawAttempts = fields.given('attempts');
	if (rawAttempts !== undefined) {
		const index = Array.isArray(rawAttempts)
			? rawAttempts.findIndex(
					(a) =>
						!isRecord(a) ||
						!isNonNegativeInteger(a['n']) ||
						typeof a['agent'] !== 'string' ||
						!isTimestamp(a['startedAt']),
				)
			: -2;
		if (index === -1) attempts = rawAttempts as Attempt[];
		else if (index === -2) fields.problem('attempts', 'must be a list', rawAttempts);
		else
			fields.problem(
				`attempts[${index}]`,
				'must be an object with n, agent and startedAt',
				(rawAttempts as unknown[])[index],
			);
	}

	let links: Link[] | undefined;
	const rawLinks = fields.given('links');
	if (rawLinks !== undefined) {
		if (
			Array.isArray(rawLinks) &&
			rawLinks.every(
				(l) => isRecord(l) && typeof l['type'] === 'string' && typeof l['id'] === 'string',
			)
		) {
			links = rawLinks as Link[];
		} else fields.problem('links', 'must be a list of {type, id} objects', rawLinks);
	}

	let metadata: Record<string, unknown> | undefined;
	const rawMetadata = fields.given('metadata');
	if (isRecord(rawMetadata)) metadata = rawMetadata;
	else if (rawMetadata !== undefined) fields.problem('metadata', 'must be an object', rawMetadata);

	// Free-form values are written back with JSON.stringify, which recurses: a value nested
	// thousands deep would overflow the stack on the next write.
	// Unknown fields are checked as they are gathered, below.
	checkDepth(problems, 'metadata', rawMetadata);
	checkDepth(problems, 'attempts', rawAttempts);
	checkDepth(problems, 'links', rawLinks);

	const task: Task = {
		id: id as string,
		title: title as string,
		description,
		status,
		type,
		priority,
		dependencies: fields.idList('dependencies'),
		blockers: fields.textList('blockers'),
		requiredSkills: fields.textList('requiredSkills'),
		tags: fields.textList('tags'),
		estimatedMinutes,
		retryCount: fields.count('retryCount', taskDefaults.retryCount),
		maxRetries: fields.optionalCount('maxRetries'),
		lastError: fields.text('lastError'),
		failureType,
		assignedAgent: fields.text('assignedAgent'),
		claimedBy,
		attempts,
		notes: shared(fields.textList('notes')),
		parentId,
		links,
		metadata,
		createdAt: fields.timestamp('createdAt'),
		updatedAt: fields.timestamp('updatedAt'),
		startedAt: fields.timestamp('startedAt'),
		completedAt: fields.timestamp('completedAt'),
		nextAttemptAt: fields.timestamp('nextAttemptAt'),
		extra: unknownFields(value, problems),
	};
	return problems.length === 0 ? {ok: true, task} : {ok: false, problems};
}

/** How deep objects and lists may nest in a task's free-form fields. */
export const maxNesting = 100;

function checkDepth(problems: FieldProblem[], field: string, value: unknown): void {
	if (typeof value !== 'object' || value === null || !nestsDeeperThan(value, maxNesting)) return;
	problems.push({
		field,
		message: `nests objects or lists deeper than ${maxNesting} levels; flatten it`,
	});
}

/** Iterative, so that the check itself cannot overflow the stack. */
function nestsDeeperThan(root: object, limit: number): boolean {
	const stack: Array<[unknown, number]> = [[root, 1]];
	for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
		const [value, depth] = item;
		if (depth > limit) return true;
		const children = Array.isArray(value) ? value : Object.values(value as object);
		for (const child of children)
			if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
	}

	return false;
}

function unknownFields(
	value: Record<string, unknown>,
	problems: FieldProblem[],
): Record<string, unknown> {
	let extra: Record<string, unknown> | undefined;
	for (const key of Object.keys(value)) {
		if (knownFields.has(key)) continue;
		checkDepth(problems, key, value[key]);
		extra ??= {};
		defineField(extra, key, value[key]);
	}

	return extra ?? noExtra;
}

const noExtra: Readonly<Record<string, unknown>> = Object.freeze({});

/** Sets a key as an own field even when it is `__proto__`, which plain assignment would swallow. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(target, key, {value, enumerable: true, writable: true, configurable: true});
}

/**
 * `{...base, ...fields}` for objects the store keeps (a task's attempts), built so that those made
 * alike share one hidden class. V8 (Node 20) gives every object spread with a field added, like
 * `{...attempt, endedAt}`, a hidden class of its own — about 300 bytes more for as long as the
 * object lives, for every attempt a run records — where a copy made by rest destructuring and then
 * assigned to follows the shared transitions.
 */
export function copyWith<T extends object>(base: T, fields: Partial<T>): T {
	const {...copy} = base as Record<string, unknown>;
	for (const key of Object.keys(fields)) {
		const value = (fields as Record<string, unknown>)[key];
		if (key === '__proto__') defineField(copy, key, value);
		else copy[key] = value;
	}

	return copy as T;
}

/** A task with every default, for code that creates tasks. */
export function newTask(fields: Pick<Task, 'id' | 'title'> & Partial<Task>): Task {
	return {
		...taskDefaults,
		dependencies: [],
		blockers: [],
		requiredSkills: [],
		tags: [],
		attempts: [],
		notes: noItems,
		extra: noExtra,
		...fields,
	};
}

/** Tasks in the order they are stored: by id, compared as code units so the order never depends on a locale. */
export function sortedTasks(table: TaskTable): Task[] {
	const tasks = [...table.values()];
	// A table read from the file is in order already; checking is cheaper than sorting.
	for (let i = 1; i < tasks.length; i++) {
		if ((tasks[i - 1] as Task).id > (tasks[i] as Task).id)
			return tasks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	}

	return tasks;
}

/**
 * Whether a pending or ready task may run now as far as the store can tell: every dependency
 * completed, no blockers, backoff over. The graph module adds what needs the whole graph (cycles).
 */
export function dependenciesMet(task: Task, table: TaskTable, now: Date): boolean {
	if (task.blockers.length > 0) return false;
	if (task.nextAttemptAt !== undefined && Date.parse(task.nextAttemptAt) > now.getTime())
		return false;
	return task.dependencies.every((dep) => table.get(dep)?.status === 'completed');
}

export const isEpic = (task: Task): boolean => task.type === 'epic';

/** The children of each epic (tasks whose `parentId` is an epic's id); empty when there are no epics. */
function childrenOfEpics(table: TaskTable): Map<string, Task[]> {
	const children = new Map<string, Task[]>();
	table.forEach((task) => {
		if (isEpic(task)) children.set(task.id, children.get(task.id) ?? []);
	});
	if (children.size === 0) return children;
	table.forEach((task) => {
		if (task.parentId !== undefined) children.get(task.parentId)?.push(task);
	});
	return children;
}

/**
 * Which epics are done: every child completed, a child epic counting when it is done. An epic with
 * no children is never done by itself: it keeps `completed` only when it already had it (closed in
 * beads, or marked done by a person), since nothing else can ever complete it. A `parentId` cycle
 * among epics is not done.
 */
function doneEpics(table: TaskTable, children: ReadonlyMap<string, readonly Task[]>): Set<string> {
	const done = new Set<string>();
	const settled = new Set<string>();
	const visiting = new Set<string>();
	const isDone = (epic: Task): boolean => {
		if (settled.has(epic.id)) return done.has(epic.id);
		if (visiting.has(epic.id)) return false;
		visiting.add(epic.id);
		const kids = children.get(epic.id) ?? [];
		const result =
			kids.length === 0
				? epic.status === 'completed'
				: kids.every((kid) => (isEpic(kid) ? isDone(kid) : kid.status === 'completed'));
		visiting.delete(epic.id);
		settled.add(epic.id);
		if (result) done.add(epic.id);
		return result;
	};

	table.forEach((task) => {
		if (isEpic(task)) isDone(task);
	});
	return done;
}

/** An epic is never run, so never `ready`: `completed` when done, else `pending`. Other statuses (blocked by hand, failed) stay. */
function settledEpicStatus(epic: Task, done: boolean): TaskStatus {
	if (epic.status !== 'pending' && epic.status !== 'ready' && epic.status !== 'completed')
		return epic.status;
	return done ? 'completed' : 'pending';
}

/**
 * `ready` or `pending` for a task in either state, by readiness; an epic `completed` or `pending`
 * by its children; any other status as it is.
 */
export function settledStatus(task: Task, table: TaskTable, now: Date): TaskStatus {
	if (isEpic(task))
		return settledEpicStatus(task, doneEpics(table, childrenOfEpics(table)).has(task.id));
	if (task.status !== 'pending' && task.status !== 'ready') return task.status;
	return dependenciesMet(task, table, now) ? 'ready' : 'pending';
}

/**
 * `pending` and `ready` kept in step with readiness, and epics with their children; done on every
 * write (PRODUCT.md §3). Epics first, so that a task waiting on an epic sees it completed in the
 * same write.
 */
export function settleStatuses(table: TaskTable, now: Date): TaskTable {
	let next: Map<string, Task> | undefined;
	const children = childrenOfEpics(table);
	if (children.size > 0) {
		const done = doneEpics(table, children);
		for (const task of table.values()) {
			if (!isEpic(task)) continue;
			const status = settledEpicStatus(task, done.has(task.id));
			if (status === task.status) continue;
			next ??= new Map(table);
			next.set(task.id, {...task, status});
		}
	}

	const epicsSettled: TaskTable = next ?? table;
	for (const task of epicsSettled.values()) {
		if (isEpic(task) || (task.status !== 'pending' && task.status !== 'ready')) continue;
		const status = dependenciesMet(task, epicsSettled, now) ? 'ready' : 'pending';
		if (status === task.status) continue;
		next ??= new Map(table);
		next.set(task.id, {...task, status});
	}

	return next ?? table;
}
