import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {
	blockedInBeads,
	exportShape,
	importBeads,
	importJetpackTasks,
	mapBeadsPriority,
	mapBeadsStatus,
	notWorkTypes,
	parseBeadsExport,
	pinnedInBeads,
	readJetpackTasks,
	type BeadsRecord,
	type ImportReport,
} from '../../source/core/beads-import.js';
import type {Change} from '../../source/core/ports.js';
import {
	checkTask,
	newTask,
	settleStatuses,
	taskToJsonLine,
	type Task,
	type TaskStatus,
	type TaskTable,
} from '../../source/core/task.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const later = new Date('2026-03-02T12:00:00.000Z');
const empty: TaskTable = new Map();

/** The fields of a raw beads line the independent counts below look at. */
interface RawIssue {
	readonly id: string;
	readonly status: string;
	readonly updated_at?: string;
	readonly pinned?: boolean;
	readonly ephemeral?: boolean;
	readonly issue_type?: string;
	readonly parent?: string;
	readonly dependencies?: ReadonlyArray<{readonly depends_on_id: string; readonly type: string}>;
}

function readExport(name: string): {text: string; raw: RawIssue[]} {
	const text = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
	const raw = text
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => JSON.parse(line) as RawIssue);
	return {text, raw};
}

function run(
	records: readonly BeadsRecord[],
	options: {all?: boolean; table?: TaskTable; at?: Date} = {},
): Change<ImportReport> {
	return importBeads(options.table ?? empty, records, {
		all: options.all ?? false,
		now: options.at ?? now,
	});
}

function taskOf(change: Change<ImportReport>, id: string): Task {
	const task = change.tasks.get(id);
	if (task === undefined) throw new Error(`${id} was not imported`);
	return task;
}

const blockingTypes = new Set(['blocks', 'conditional-blocks', 'waits-for']);

/** What the report must say, worked out from the raw JSON without the code under test. */
function independentCounts(raw: readonly RawIssue[], all: boolean) {
	const skipped = {tombstone: 0, pinned: 0, ephemeral: 0, 'not work': 0};
	const kept: RawIssue[] = [];
	for (const issue of raw) {
		if (issue.status === 'tombstone') skipped.tombstone++;
		else if (!all && (issue.status === 'pinned' || issue.pinned === true)) skipped.pinned++;
		else if (!all && issue.ephemeral === true) skipped.ephemeral++;
		else if (!all && notWorkTypes.has(issue.issue_type ?? '')) skipped['not work']++;
		else kept.push(issue);
	}

	const keptIds = new Set(kept.map((issue) => issue.id));
	const statuses: Record<string, number> = {};
	let dependencies = 0;
	let withParent = 0;
	let dangling = 0;
	let danglingLinks = 0;
	for (const issue of kept) {
		statuses[issue.status] = (statuses[issue.status] ?? 0) + 1;
		const edges = issue.dependencies ?? [];
		const blocking = new Set(
			edges.filter((e) => blockingTypes.has(e.type)).map((e) => e.depends_on_id),
		);
		dependencies += blocking.size;
		dangling += [...blocking].filter((id) => !keptIds.has(id)).length;
		const parents = edges.filter((e) => e.type === 'parent-child').map((e) => e.depends_on_id);
		if (issue.parent !== undefined) parents.unshift(issue.parent);
		if (parents.length > 0) withParent++;
		const others = edges
			.filter((e) => !blockingTypes.has(e.type) && e.type !== 'parent-child')
			.map((e) => `${e.type} ${e.depends_on_id}`);
		const linked = [...new Set([...parents.map((id) => `parent-child ${id}`), ...others])].map(
			(key) => key.slice(key.indexOf(' ') + 1),
		);
		danglingLinks += linked.filter((id) => !keptIds.has(id)).length;
	}

	return {kept: kept.length, skipped, statuses, dependencies, withParent, dangling, danglingLinks};
}

/** The issues an import without --all keeps, by id: the last record of an id wins. */
function keptById(raw: readonly RawIssue[]): Map<string, RawIssue> {
	const last = new Map(raw.map((issue) => [issue.id, issue]));
	const skipped = (issue: RawIssue): boolean =>
		issue.status === 'tombstone' ||
		issue.status === 'pinned' ||
		issue.pinned === true ||
		issue.ephemeral === true ||
		notWorkTypes.has(issue.issue_type ?? '');
	return new Map([...last].filter(([, issue]) => !skipped(issue)));
}

function without(record: BeadsRecord, field: string): BeadsRecord {
	return Object.fromEntries(Object.entries(record).filter(([key]) => key !== field));
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Record<string, number> {
	const out: Record<string, number> = {};
	for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
	return out;
}

function survivesRoundTrip(table: TaskTable): void {
	for (const task of table.values()) {
		const checked = checkTask(JSON.parse(taskToJsonLine(task)));
		if (!checked.ok) throw new Error(`${task.id}: ${JSON.stringify(checked.problems)}`);
		expect(checked.task).toEqual(task);
	}
}

interface FileExpectation {
	readonly file: string;
	readonly all: boolean;
	readonly imported: number;
	readonly skippedByReason: ImportReport['skippedByReason'];
	readonly byStatus: ImportReport['byStatus'];
	readonly dependencies: number;
	readonly withParent: number;
	readonly dangling: number;
	readonly danglingLinks: number;
}

// Figures checked by hand against the raw files (and, below, against counts taken from the raw JSON).
const fileExpectations: readonly FileExpectation[] = [
	{
		file: 'beads-issues.jsonl',
		all: false,
		imported: 148,
		skippedByReason: {pinned: 3, ephemeral: 551, 'not work': 2},
		byStatus: {pending: 4, ready: 10, completed: 134},
		dependencies: 67,
		withParent: 14,
		dangling: 47,
		danglingLinks: 6,
	},
	{
		file: 'beads-issues.jsonl',
		all: true,
		imported: 704,
		skippedByReason: {},
		byStatus: {pending: 270, ready: 52, blocked: 3, completed: 379},
		dependencies: 377,
		withParent: 358,
		dangling: 21,
		danglingLinks: 9,
	},
	{
		file: 'beads-beads-2025-12-14.jsonl',
		all: false,
		imported: 489,
		skippedByReason: {},
		// Two closed epics have open children: pending until those are done.
		byStatus: {pending: 5, ready: 22, completed: 462},
		dependencies: 88,
		withParent: 91,
		dangling: 0,
		danglingLinks: 0,
	},
	{
		file: 'beads-issues-2026-01-21-polluted.jsonl',
		all: false,
		imported: 2192,
		skippedByReason: {tombstone: 3319, 'not work': 211},
		byStatus: {pending: 31, ready: 85, completed: 2076},
		dependencies: 323,
		withParent: 321,
		dangling: 1,
		danglingLinks: 21,
	},
];

describe('importBeads on the real exports', () => {
	describe.each(fileExpectations)('$file (all: $all)', (expected) => {
		const {text, raw} = readExport(expected.file);
		const parsed = parseBeadsExport(text);
		const first = run(parsed.records, {all: expected.all});
		const report = first.result;
		const independent = independentCounts(raw, expected.all);
		const tasks = report.imported.map((id) => taskOf(first, id));

		it('parses every line', () => {
			expect(parsed.problems).toEqual([]);
			expect(parsed.records).toHaveLength(raw.length);
		});

		it('imports and skips what the raw JSON says it should', () => {
			expect(report.imported).toHaveLength(independent.kept);
			expect(report.imported).toHaveLength(expected.imported);
			expect(first.tasks.size).toBe(expected.imported);
			const skipped = Object.fromEntries(
				Object.entries(independent.skipped).filter(([, count]) => count > 0),
			);
			expect(report.skippedByReason).toEqual(skipped);
			expect(report.skippedByReason).toEqual(expected.skippedByReason);
			expect(report.skipped).toHaveLength(raw.length - expected.imported);
			expect(report.updated).toEqual([]);
			expect(report.unchanged).toEqual([]);
		});

		it('maps statuses: open, hooked, in_progress to pending; closed to completed, whatever its reason', () => {
			const s = independent.statuses;
			const pending = (s['open'] ?? 0) + (s['hooked'] ?? 0) + (s['in_progress'] ?? 0);
			// Epics follow their children, checked below; here every other task.
			const epics = tasks.filter((t) => t.type === 'epic');
			const epicsBy = countBy(epics, (t) => String((t.metadata?.['beads'] as RawIssue).status));
			const epicsNow = countBy(epics, (t) => t.status);
			const open = (report.byStatus['pending'] ?? 0) + (report.byStatus['ready'] ?? 0);
			expect(open - (epicsNow['pending'] ?? 0)).toBe(
				pending - (epicsBy['open'] ?? 0) - (epicsBy['hooked'] ?? 0) - (epicsBy['in_progress'] ?? 0),
			);
			expect((report.byStatus['completed'] ?? 0) - (epicsNow['completed'] ?? 0)).toBe(
				(s['closed'] ?? 0) - (epicsBy['closed'] ?? 0),
			);
			expect(report.byStatus['failed']).toBeUndefined();
			expect(report.byStatus['blocked'] ?? 0).toBe((s['blocked'] ?? 0) + (s['pinned'] ?? 0));
			expect(report.byStatus).toEqual(expected.byStatus);
			expect(countBy(tasks, (t) => t.status)).toEqual(expected.byStatus);
		});

		it('makes epics of epics, completed exactly when every child is (or closed and childless)', () => {
			const children = new Map<string, Task[]>();
			for (const task of first.tasks.values())
				if (task.parentId !== undefined)
					children.set(task.parentId, [...(children.get(task.parentId) ?? []), task]);
			const rawEpics = raw.filter(
				(issue) => issue.issue_type === 'epic' && first.tasks.has(issue.id),
			);
			expect(tasks.filter((t) => t.type === 'epic')).toHaveLength(rawEpics.length);
			for (const issue of rawEpics) {
				const epic = taskOf(first, issue.id);
				if (epic.status === 'blocked') continue;
				const kids = children.get(issue.id) ?? [];
				const done =
					kids.length === 0
						? issue.status === 'closed'
						: kids.every((kid) => kid.status === 'completed');
				expect([issue.id, epic.status]).toEqual([issue.id, done ? 'completed' : 'pending']);
			}
		});

		it('reports and returns the table settled as the store writes it', () => {
			expect(settleStatuses(first.tasks, now)).toBe(first.tasks);
			for (const task of tasks) {
				if (task.type === 'epic' || (task.status !== 'pending' && task.status !== 'ready'))
					continue;
				const met = task.dependencies.every((id) => first.tasks.get(id)?.status === 'completed');
				expect(task.status).toBe(met ? 'ready' : 'pending');
			}
		});

		it('maps blocking edges to dependencies and parent-child edges to parentId', () => {
			const edges = tasks.reduce((sum, t) => sum + t.dependencies.length, 0);
			expect(edges).toBe(independent.dependencies);
			expect(edges).toBe(expected.dependencies);
			const withParent = tasks.filter((t) => t.parentId !== undefined).length;
			expect(withParent).toBe(independent.withParent);
			expect(withParent).toBe(expected.withParent);
		});

		it('keeps and reports dangling ids', () => {
			expect(report.dangling).toHaveLength(independent.dangling);
			expect(report.dangling).toHaveLength(expected.dangling);
			expect(report.danglingLinks).toHaveLength(independent.danglingLinks);
			expect(report.danglingLinks).toHaveLength(expected.danglingLinks);
			for (const {id, dependsOn} of report.dangling) {
				expect(taskOf(first, id).dependencies).toContain(dependsOn);
				expect(first.tasks.has(dependsOn)).toBe(false);
			}
		});

		it('keeps ids with dots', () => {
			const dotted = raw.filter((r) => r.id.includes('.') && r.status !== 'tombstone');
			expect(dotted.length).toBeGreaterThan(0);
			const expectedIds = dotted
				.filter((r) => expected.all || !(r.ephemeral === true || r.status === 'pinned'))
				.map((r) => r.id);
			for (const id of expectedIds) expect(first.tasks.get(id)?.id).toBe(id);
		});

		it('produces tasks that survive the store schema round trip', () => {
			survivesRoundTrip(first.tasks);
		});

		it('re-imports without a change', () => {
			const second = importBeads(first.tasks, parsed.records, {all: expected.all, now: later});
			expect(second.result.imported).toEqual([]);
			expect(second.result.updated).toEqual([]);
			expect(second.result.unchanged).toHaveLength(expected.imported);
			expect(second.tasks).toBe(first.tasks);
			expect(second.tasks).toEqual(first.tasks);
			expect(second.result.byStatus).toEqual(report.byStatus);
			expect(second.result.dangling).toEqual(report.dangling);
		});
	});

	it('counts the 30 dangling ids the data README names in beads-issues.jsonl', () => {
		const {raw} = readExport('beads-issues.jsonl');
		const ids = new Set(raw.map((r) => r.id));
		const rawDangling = raw.flatMap((r) =>
			(r.dependencies ?? []).filter((e) => !ids.has(e.depends_on_id)),
		);
		expect(rawDangling).toHaveLength(30);
		// With --all every record is a task, so dependencies and links together give the same 30.
		const {result} = run(parseBeadsExport(readExport('beads-issues.jsonl').text).records, {
			all: true,
		});
		expect(result.dangling.length + result.danglingLinks.length).toBe(30);
		expect(result.dangling.every((d) => !d.targetSkipped)).toBe(true);
	});

	describe('hand-picked records of beads-issues.jsonl', () => {
		const {text} = readExport('beads-issues.jsonl');
		const {records} = parseBeadsExport(text);
		const plain = run(records);
		const all = run(records, {all: true});

		it('bd-dgp: closed, blocked by an ephemeral wisp that is skipped unless --all', () => {
			const task = taskOf(plain, 'bd-dgp');
			expect(task).toMatchObject({
				title: 'Speed up cmd/bd/protocol tests (81s)',
				status: 'completed',
				priority: 'high',
				dependencies: ['bd-wisp-jtdkj'],
				createdAt: '2026-02-28T03:42:10.000Z',
				updatedAt: '2026-02-28T03:54:42.000Z',
				completedAt: '2026-02-28T03:54:42.000Z',
				estimatedMinutes: 30,
			});
			expect(task.metadata?.['beads']).toMatchObject({
				status: 'closed',
				priority: 1,
				close_reason: 'Closed',
				assignee: 'beads/polecats/quartz',
				issue_type: 'task',
				dependency_count: 1,
			});
			const beads = task.metadata?.['beads'] as Record<string, unknown>;
			for (const consumed of ['id', 'title', 'description', 'created_at', 'closed_at']) {
				expect(beads).not.toHaveProperty(consumed);
			}

			expect(beads['dependencies']).toEqual([
				expect.objectContaining({depends_on_id: 'bd-wisp-jtdkj', type: 'blocks'}),
			]);
			expect(plain.result.dangling).toContainEqual({
				id: 'bd-dgp',
				dependsOn: 'bd-wisp-jtdkj',
				targetSkipped: true,
			});
			expect(all.result.dangling.some((d) => d.id === 'bd-dgp')).toBe(false);
		});

		it('bd-98c4e1fa.1: the parent field wins, the other parent-child edge becomes a link', () => {
			const task = taskOf(plain, 'bd-98c4e1fa.1');
			expect(task.parentId).toBe('bd-0e1f2b1b');
			expect(task.links).toEqual([{type: 'parent-child', id: 'bd-98c4e1fa'}]);
			expect(task.dependencies).toEqual([]);
			expect(plain.result.warnings).toContainEqual({
				id: 'bd-98c4e1fa.1',
				message: expect.stringContaining('2 parents') as string,
			});
		});

		it('bd-kwro: closed as a stale item is completed, the reason kept in metadata', () => {
			const task = taskOf(plain, 'bd-kwro');
			expect(task.status).toBe('completed');
			expect(task.priority).toBe('critical');
			expect(task.lastError).toBeUndefined();
			expect(task.completedAt).toBe('2026-02-27T02:56:52.000Z');
			expect(task.metadata?.['beads']).toMatchObject({
				close_reason: 'Stale aspirational items (Clown Show #21 cleanup)',
			});
		});

		it('in_progress and hooked issues wait as pending', () => {
			expect(taskOf(plain, 'bd-5ua').status).toBe('pending');
			expect(taskOf(plain, 'bd-5ua').metadata?.['beads']).toMatchObject({status: 'in_progress'});
			expect(taskOf(plain, 'bd-xmf').status).toBe('pending');
		});

		it('pinned and ephemeral issues come in only with --all', () => {
			expect(plain.tasks.has('bd-pr-sheriff')).toBe(false);
			expect(plain.result.skipped).toContainEqual({id: 'bd-pr-sheriff', reason: 'pinned'});
			expect(plain.result.skipped).toContainEqual({id: 'bd-wisp-w13866', reason: 'pinned'});
			expect(plain.result.skipped).toContainEqual({id: 'bd-wisp-5eap', reason: 'ephemeral'});
			expect(taskOf(all, 'bd-pr-sheriff')).toMatchObject({
				status: 'blocked',
				blockers: [pinnedInBeads],
			});
			expect(taskOf(all, 'bd-wisp-5eap')).toMatchObject({
				status: 'completed',
				tags: ['gt:merge-request'],
			});
			expect(taskOf(all, 'bd-wisp-5eap').metadata?.['beads']).toMatchObject({ephemeral: true});
		});
	});

	it('maps the older beads.jsonl format, keeping content_hash and source_repo', () => {
		const {records} = parseBeadsExport(readExport('beads-beads-2025-12-14.jsonl').text);
		const change = run(records);
		const task = taskOf(change, 'bd-fb95094c.1');
		expect(task).toMatchObject({
			parentId: 'bd-fb95094c',
			tags: ['phase-4', 'validation'],
			status: 'completed',
			createdAt: '2025-10-28T03:32:00.141Z',
			completedAt: '2025-10-28T21:11:25.218Z',
		});
		expect(task.metadata?.['beads']).toMatchObject({
			source_repo: '.',
			acceptance_criteria: expect.stringContaining('Zero unreachable') as string,
		});
		expect(taskOf(change, 'bd-5ibn')).toMatchObject({status: 'ready', priority: 'low'});
	});

	it('drops tombstones of the polluted export and reads "Won\'t fix" as completed', () => {
		const {records} = parseBeadsExport(readExport('beads-issues-2026-01-21-polluted.jsonl').text);
		const change = run(records);
		expect(change.tasks.has('bd-06px')).toBe(false);
		expect(change.result.skipped).toContainEqual({id: 'bd-06px', reason: 'tombstone'});
		expect(taskOf(change, 'bd-hvwnb').status).toBe('completed');
		// A convoy is not work: skipped, and in with --all.
		expect(change.result.skipped).toContainEqual({
			id: 'hq-cv-22ju4',
			reason: 'not work',
			issueType: 'convoy',
		});
		const withAll = run(records, {all: true});
		expect(taskOf(withAll, 'hq-cv-22ju4').links).toEqual([
			{type: 'tracks', id: 'external:gt-cm900:gt-cm900'},
		]);
		expect(withAll.tasks.size).toBe(
			change.tasks.size + (change.result.skippedByReason['not work'] ?? 0),
		);
		expect(withAll.result.skippedByReason).toEqual({tombstone: 3319});
	});
});

describe('importBeads: an older export after a newer one', () => {
	const newer = readExport('beads-issues-2026-01-21-polluted.jsonl');
	const older = readExport('beads-beads-2025-12-14.jsonl');
	const first = run(parseBeadsExport(newer.text).records);
	const second = run(parseBeadsExport(older.text).records, {table: first.tasks, at: later});
	const keptNewer = keptById(newer.raw);
	const keptOlder = keptById(older.raw);
	const olderIds = [...keptOlder.values()]
		.filter((issue) => {
			const before = Date.parse(keptNewer.get(issue.id)?.updated_at ?? '');
			const now = Date.parse(issue.updated_at ?? '');
			return !Number.isNaN(before) && !Number.isNaN(now) && now < before;
		})
		.map((issue) => issue.id);

	it('leaves the issues this export holds older as they are, and reports them', () => {
		expect(olderIds).toHaveLength(109);
		expect([...second.result.older].sort()).toEqual([...olderIds].sort());
		for (const id of olderIds) expect(second.tasks.get(id)).toBe(first.tasks.get(id));
		const {imported, updated, unchanged} = second.result;
		expect([imported.length, updated.length, unchanged.length]).toEqual([28, 352, 0]);
		expect(imported.length + updated.length + unchanged.length + olderIds.length).toBe(
			keptOlder.size,
		);
	});

	it('reopens no completed task', () => {
		const completed = [...first.tasks.values()]
			.filter((task) => task.status === 'completed')
			.map((task) => task.id);
		// What the tester saw reopened: closed in the newer export, still open in the older one.
		const openInOlder = completed.filter((id) => {
			const status = keptOlder.get(id)?.status;
			return status !== undefined && status !== 'closed';
		});
		expect(openInOlder).toHaveLength(22);
		for (const id of completed) expect(second.tasks.get(id)?.status).toBe('completed');
	});

	it('counts statuses over every task of the export, older ones included', () => {
		const ofExport = [...keptOlder.keys()].map((id) => taskOf(second, id));
		expect(second.result.byStatus).toEqual(countBy(ofExport, (task) => task.status));
		// One closed epic has an open child in the older export.
		expect(second.result.byStatus).toEqual({completed: 485, pending: 1, ready: 3});
	});
});

describe('mapBeadsStatus', () => {
	it.each<[unknown, unknown, TaskStatus, readonly string[]]>([
		['open', undefined, 'pending', []],
		['deferred', undefined, 'pending', []],
		['hooked', undefined, 'pending', []],
		['in_progress', undefined, 'pending', []],
		['blocked', undefined, 'blocked', [blockedInBeads]],
		['pinned', undefined, 'blocked', [pinnedInBeads]],
		['closed', undefined, 'completed', []],
		['closed', 'Closed', 'completed', []],
		['closed', 'Duplicate of bd-7z5', 'completed', []],
		['closed', "Won't fix - not worth the churn", 'completed', []],
		['closed', 'rejected: build failure', 'completed', []],
	])('%j (close reason %j) → %s', (status, _reason, mapped, blockers) => {
		expect(mapBeadsStatus(status)).toEqual({status: mapped, blockers, known: true});
	});

	it.each([['review'], [undefined], [3]])('%j is unknown: pending', (status) => {
		expect(mapBeadsStatus(status)).toEqual({
			status: 'pending',
			blockers: [],
			known: false,
		});
	});
});

describe('mapBeadsPriority', () => {
	it.each<[unknown, string | undefined]>([
		[0, 'critical'],
		[1, 'high'],
		[2, 'medium'],
		[3, 'low'],
		[4, 'low'],
		[5, undefined],
		[-1, undefined],
		[1.5, undefined],
		['1', undefined],
		[null, undefined],
	])('%j → %s', (priority, mapped) => {
		expect(mapBeadsPriority(priority)).toBe(mapped);
	});
});

describe('parseBeadsExport', () => {
	it('skips blank lines, accepts BOM and CRLF, and names the lines it cannot read', () => {
		const text = '\uFEFF{"id":"bd-a1"}\r\n\n  \nnot json\n[1,2]\n{"id":"bd-b2"}\n{"id":';
		const {records, problems} = parseBeadsExport(text);
		expect(records).toEqual([{id: 'bd-a1'}, {id: 'bd-b2'}]);
		expect(problems.map((p) => p.line)).toEqual([4, 5, 7]);
		expect(problems[0]?.message).toMatch(/^is not valid JSON/);
		expect(problems[1]?.message).toBe('is not a JSON object');
	});

	it('reads an empty export as no records', () => {
		expect(parseBeadsExport('')).toEqual({records: [], lines: [], problems: []});
	});
});

describe('importBeads on small records', () => {
	const issue = (fields: Record<string, unknown>): BeadsRecord => ({
		id: 'bd-a1',
		title: 'Write the parser',
		status: 'open',
		priority: 2,
		created_at: '2026-01-01T00:00:00Z',
		updated_at: '2026-01-02T00:00:00Z',
		...fields,
	});

	it('maps every field it knows and keeps the rest under metadata.beads', () => {
		const change = run([
			issue({
				description: 'Details',
				labels: ['parser', 'parser', 'core'],
				estimated_minutes: 90,
				issue_type: 'feature',
				design: 'A table',
				dependencies: [
					{issue_id: 'bd-a1', depends_on_id: 'bd-b2', type: 'blocks'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-c3', type: 'conditional-blocks'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-d4', type: 'waits-for'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-b2', type: 'blocks'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-e5', type: 'parent-child'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-f6', type: 'discovered-from'},
					{issue_id: 'bd-a1', depends_on_id: 'bd-g7', type: 'related'},
				],
			}),
		]);
		const task = taskOf(change, 'bd-a1');
		expect(task).toEqual(
			newTask({
				id: 'bd-a1',
				title: 'Write the parser',
				description: 'Details',
				status: 'pending',
				priority: 'medium',
				dependencies: ['bd-b2', 'bd-c3', 'bd-d4'],
				tags: ['parser', 'core'],
				estimatedMinutes: 90,
				parentId: 'bd-e5',
				links: [
					{type: 'discovered-from', id: 'bd-f6'},
					{type: 'related', id: 'bd-g7'},
				],
				metadata: {
					beads: {
						status: 'open',
						priority: 2,
						updated_at: '2026-01-02T00:00:00Z',
						issue_type: 'feature',
						design: 'A table',
						dependencies: expect.any(Array) as unknown,
					},
				},
				createdAt: '2026-01-01T00:00:00.000Z',
				updatedAt: '2026-01-02T00:00:00.000Z',
			}),
		);
		expect(change.result.dangling.map((d) => d.dependsOn)).toEqual(['bd-b2', 'bd-c3', 'bd-d4']);
		expect(change.result.danglingLinks.map((d) => [d.type, d.linksTo])).toEqual([
			['parent-child', 'bd-e5'],
			['discovered-from', 'bd-f6'],
			['related', 'bd-g7'],
		]);
		survivesRoundTrip(change.tasks);
	});

	it('gives an untitled issue a placeholder title and says so', () => {
		const change = run([issue({title: '  '})]);
		expect(taskOf(change, 'bd-a1').title).toBe('(untitled beads issue)');
		expect(taskOf(change, 'bd-a1').metadata?.['beads']).toMatchObject({title: '  '});
		expect(change.result.warnings).toEqual([
			{id: 'bd-a1', message: expect.stringContaining('no title') as string},
		]);
		survivesRoundTrip(change.tasks);
	});

	it('keeps fields it cannot map in metadata.beads and warns', () => {
		const change = run([
			issue({
				priority: 'P1',
				status: 'review',
				created_at: 'yesterday',
				labels: ['ok', 7],
				estimated_minutes: 0,
			}),
		]);
		const task = taskOf(change, 'bd-a1');
		expect(task).toMatchObject({
			priority: 'medium',
			// No dependencies: ready, as the store settles it.
			status: 'ready',
			tags: ['ok'],
			estimatedMinutes: 30,
			createdAt: now.toISOString(),
		});
		expect(task.metadata?.['beads']).toMatchObject({
			priority: 'P1',
			status: 'review',
			created_at: 'yesterday',
			labels: ['ok', 7],
			estimated_minutes: 0,
		});
		expect(change.result.warnings).toHaveLength(4);
		survivesRoundTrip(change.tasks);
	});

	it('skips invalid ids, tombstones and earlier duplicates, with reasons', () => {
		const change = run([
			issue({id: 'bad id'}),
			issue({id: '-dash-first'}),
			{title: 'no id'},
			issue({id: 'bd-t1', status: 'tombstone'}),
			issue({title: 'first copy'}),
			issue({title: 'second copy'}),
		]);
		expect([...change.tasks.keys()]).toEqual(['bd-a1']);
		expect(taskOf(change, 'bd-a1').title).toBe('second copy');
		expect(change.result.skipped).toEqual([
			{id: 'bad id', reason: 'invalid id'},
			{id: '-dash-first', reason: 'invalid id'},
			{id: '(missing)', reason: 'invalid id'},
			{id: 'bd-t1', reason: 'tombstone'},
			{id: 'bd-a1', reason: 'duplicate id'},
		]);
		expect(change.result.skippedByReason).toEqual({
			'invalid id': 3,
			tombstone: 1,
			'duplicate id': 1,
		});
	});

	it('never overwrites a task that was not imported from beads', () => {
		const own = newTask({id: 'bd-a1', title: 'Mine'});
		const table: TaskTable = new Map([[own.id, own]]);
		const change = run([issue({})], {table});
		expect(change.tasks).toEqual(settleStatuses(table, now));
		expect(change.tasks.get('bd-a1')).toEqual({...own, status: 'ready'});
		expect(change.result.skipped).toEqual([{id: 'bd-a1', reason: 'id in use'}]);
	});

	it('leaves a task alone when beads has since deleted it, and says so', () => {
		const first = run([issue({})]);
		const second = run([issue({status: 'tombstone'})], {table: first.tasks, at: later});
		expect(second.tasks).toBe(first.tasks);
		expect(second.result.deletedInBeads).toEqual(['bd-a1']);
	});

	describe('re-import', () => {
		const first = run([issue({})]);
		const imported = taskOf(first, 'bd-a1');
		const ranHere: Task = {
			...imported,
			status: 'completed',
			retryCount: 1,
			requiredSkills: ['ts'],
			estimatedMinutes: 45,
			attempts: [{n: 1, agent: 'claude', startedAt: '2026-02-01T00:00:00.000Z'}],
			completedAt: '2026-02-01T01:00:00.000Z',
			metadata: {...imported.metadata, note: 'mine'},
		};
		const table: TaskTable = new Map([[ranHere.id, ranHere]]);

		it('keeps run state and jetpack status while beads has not changed the status', () => {
			const change = run([issue({title: 'Write the parser, v2', labels: ['core']})], {
				table,
				at: later,
			});
			expect(change.result.updated).toEqual(['bd-a1']);
			expect(taskOf(change, 'bd-a1')).toEqual({
				...ranHere,
				title: 'Write the parser, v2',
				tags: ['core'],
				updatedAt: later.toISOString(),
			});
		});

		it('reports an unchanged record as unchanged, even after a run here', () => {
			const change = run([issue({})], {table, at: later});
			expect(change.result.unchanged).toEqual(['bd-a1']);
			expect(change.tasks).toBe(table);
		});

		it("takes the issue's notes as a note, keeps the notes written here, and adds one beads changed", () => {
			const noted = taskOf(run([issue({notes: ' Root cause: the lexer '})]), 'bd-a1');
			expect(noted.notes).toEqual(['Root cause: the lexer']);
			expect(noted.metadata?.['beads']).not.toHaveProperty('notes');
			const withMine: TaskTable = new Map([
				[noted.id, {...noted, notes: [...noted.notes, 'mine']}],
			]);
			const same = run([issue({notes: 'Root cause: the lexer'})], {table: withMine, at: later});
			expect(same.result.unchanged).toEqual(['bd-a1']);
			const changed = run([issue({notes: 'Root cause: the parser'})], {table: withMine, at: later});
			expect(taskOf(changed, 'bd-a1').notes).toEqual([
				'Root cause: the lexer',
				'mine',
				'Root cause: the parser',
			]);
		});

		it('takes an estimate from beads only when beads gives one', () => {
			const change = run([issue({estimated_minutes: 120})], {table, at: later});
			expect(taskOf(change, 'bd-a1').estimatedMinutes).toBe(120);
		});

		it('follows beads when beads closed the issue since', () => {
			const open = new Map([[imported.id, {...imported, status: 'ready' as const}]]);
			const change = run(
				[issue({status: 'closed', closed_at: '2026-02-03T00:00:00Z', close_reason: 'Obsolete'})],
				{table: open, at: later},
			);
			expect(taskOf(change, 'bd-a1')).toMatchObject({
				status: 'completed',
				completedAt: '2026-02-03T00:00:00.000Z',
				updatedAt: later.toISOString(),
			});
			expect(taskOf(change, 'bd-a1').metadata?.['beads']).toMatchObject({close_reason: 'Obsolete'});
		});

		it('follows beads when beads reopened the issue, resetting retries but keeping attempts', () => {
			const closed = run([issue({status: 'closed', closed_at: '2026-02-03T00:00:00Z'})]);
			const done = taskOf(closed, 'bd-a1');
			const withRuns = new Map([[done.id, {...done, retryCount: 2, attempts: ranHere.attempts}]]);
			const change = run([issue({status: 'blocked'})], {table: withRuns, at: later});
			const task = taskOf(change, 'bd-a1');
			expect(task).toMatchObject({status: 'blocked', blockers: [blockedInBeads], retryCount: 2});
			expect(task.completedAt).toBeUndefined();
			expect(task.attempts).toEqual(ranHere.attempts);
			const reopened = run([issue({status: 'open'})], {table: change.tasks, at: later});
			expect(taskOf(reopened, 'bd-a1')).toMatchObject({
				status: 'ready',
				blockers: [],
				retryCount: 0,
			});
		});

		it('leaves the status of a task a run holds, and applies it on a later import', () => {
			const claimed: Task = {
				...imported,
				status: 'claimed',
				claimedBy: {runId: 'r1', pid: 42, host: 'h'},
			};
			const held = run([issue({status: 'closed'})], {
				table: new Map([[claimed.id, claimed]]),
				at: later,
			});
			expect(held.result.heldByRun).toEqual(['bd-a1']);
			expect(taskOf(held, 'bd-a1').status).toBe('claimed');
			const released = new Map([
				[claimed.id, {...taskOf(held, 'bd-a1'), status: 'pending' as const}],
			]);
			const after = run([issue({status: 'closed'})], {table: released, at: later});
			expect(taskOf(after, 'bd-a1').status).toBe('completed');
		});

		it('skips a pinned or ephemeral record already in the table unless --all', () => {
			const wisp = issue({ephemeral: true, title: 'changed'});
			const change = run([wisp], {table, at: later});
			expect(change.tasks).toBe(table);
			expect(change.result.skipped).toEqual([{id: 'bd-a1', reason: 'ephemeral'}]);
			expect(run([wisp], {table, all: true, at: later}).result.updated).toEqual(['bd-a1']);
		});
	});

	describe('a record older than the one imported before', () => {
		// Closed in beads on 2026-01-02T00:00Z and imported: completed here.
		const closed = issue({status: 'closed', closed_at: '2026-01-02T00:00:00Z'});
		const first = run([closed]);
		const {tasks: table} = first;
		const reopened = (fields: Record<string, unknown>): BeadsRecord =>
			issue({status: 'open', title: 'Write the parser, v0', ...fields});

		it.each([
			['older', '2026-01-01T00:00:00Z'],
			['older, though later as text (another offset)', '2026-01-02T01:00:00+02:00'],
		])('leaves the task as it is when the record is %s', (_, updatedAt) => {
			const change = run([reopened({updated_at: updatedAt})], {table, at: later});
			expect(change.tasks).toBe(table);
			expect(change.result.older).toEqual(['bd-a1']);
			expect(change.result.updated).toEqual([]);
			expect(change.result.unchanged).toEqual([]);
			expect(change.result.byStatus).toEqual({completed: 1});
		});

		it.each<[string, BeadsRecord]>([
			['newer', reopened({updated_at: '2026-01-03T00:00:00Z'})],
			[
				'newer, though earlier as text (another offset)',
				reopened({updated_at: '2026-01-01T20:00:00-05:00'}),
			],
			['as old, but changed', reopened({updated_at: '2026-01-02T00:00:00Z'})],
			['without updated_at', without(reopened({}), 'updated_at')],
			['with an updated_at that is not a date', reopened({updated_at: 'yesterday'})],
		])('takes the record when it is %s', (_, record) => {
			const change = run([record], {table, at: later});
			expect(change.result.older).toEqual([]);
			expect(change.result.updated).toEqual(['bd-a1']);
			expect(taskOf(change, 'bd-a1')).toMatchObject({
				title: 'Write the parser, v0',
				status: 'ready',
				updatedAt: later.toISOString(),
			});
		});

		it('reports the same record again as unchanged', () => {
			const change = run([closed], {table, at: later});
			expect(change.tasks).toBe(table);
			expect(change.result.unchanged).toEqual(['bd-a1']);
			expect(change.result.older).toEqual([]);
		});

		it('takes the record when the table holds no updated_at from beads', () => {
			const done = taskOf(first, 'bd-a1');
			const beads = without(done.metadata?.['beads'] as BeadsRecord, 'updated_at');
			const earlier = new Map([[done.id, {...done, metadata: {...done.metadata, beads}}]]);
			const change = run([reopened({updated_at: '2026-01-01T00:00:00Z'})], {
				table: earlier,
				at: later,
			});
			expect(change.result.updated).toEqual(['bd-a1']);
			expect(taskOf(change, 'bd-a1').status).toBe('ready');
		});
	});
});

describe('importBeads: what beads means (issue 12)', () => {
	const line = (fields: Record<string, unknown>): BeadsRecord => ({
		title: `issue ${String(fields['id'])}`,
		status: 'open',
		priority: 2,
		issue_type: 'task',
		...fields,
	});

	it('makes an epic of an epic: never ready, completed when its children are', () => {
		const records = [
			line({id: 'bd-e', issue_type: 'epic'}),
			line({id: 'bd-e.1', parent: 'bd-e'}),
			line({id: 'bd-e.2', parent: 'bd-e', status: 'closed'}),
			line({
				id: 'bd-after',
				dependencies: [{issue_id: 'bd-after', depends_on_id: 'bd-e', type: 'blocks'}],
			}),
		];
		const first = run(records);
		expect(taskOf(first, 'bd-e')).toMatchObject({type: 'epic', status: 'pending'});
		expect(taskOf(first, 'bd-e.1').status).toBe('ready');
		expect(taskOf(first, 'bd-after').status).toBe('pending');
		const closed = run(
			records.map((r) => (r['id'] === 'bd-e.1' ? {...r, status: 'closed'} : r)),
			{table: first.tasks, at: later},
		);
		expect(taskOf(closed, 'bd-e').status).toBe('completed');
		expect(taskOf(closed, 'bd-after').status).toBe('ready');
	});

	it('skips issue types that are not work unless --all, saying which', () => {
		const records = [...notWorkTypes].map((type, i) => line({id: `gt-${i}`, issue_type: type}));
		records.push(line({id: 'bd-bug', issue_type: 'bug'}));
		const plain = run(records);
		expect(plain.result.imported).toEqual(['bd-bug']);
		expect(plain.result.skippedByReason).toEqual({'not work': notWorkTypes.size});
		expect(plain.result.skipped[0]).toEqual({id: 'gt-0', reason: 'not work', issueType: 'agent'});
		expect(run(records, {all: true}).result.imported).toHaveLength(notWorkTypes.size + 1);
	});

	it('reads closed as completed whatever the reason, and mends a wontfix an older version failed', () => {
		const wontfix = line({id: 'bd-w', status: 'closed', close_reason: 'wontfix'});
		const change = run([wontfix]);
		expect(taskOf(change, 'bd-w').status).toBe('completed');
		const failedByImport: Task = {
			...taskOf(change, 'bd-w'),
			status: 'failed',
			lastError: 'wontfix',
			completedAt: undefined,
		};
		const mended = run([wontfix], {table: new Map([['bd-w', failedByImport]]), at: later});
		expect(mended.result.updated).toEqual(['bd-w']);
		expect(taskOf(mended, 'bd-w').status).toBe('completed');
		expect(taskOf(mended, 'bd-w').lastError).toBeUndefined();
		const ranAndFailed = {
			...failedByImport,
			attempts: [{n: 1, agent: 'a', startedAt: now.toISOString()}],
		};
		const kept = run([wontfix], {table: new Map([['bd-w', ranAndFailed]]), at: later});
		expect(taskOf(kept, 'bd-w').status).toBe('failed');
	});
});

describe('a jetpack task store given to import', () => {
	const store = [
		taskToJsonLine(newTask({id: 'bd-a1', title: 'A', status: 'completed', priority: 'low'})),
		taskToJsonLine(newTask({id: 'bd-b2', title: 'B', status: 'ready', dependencies: ['bd-a1']})),
		taskToJsonLine(newTask({id: 'bd-c3', title: 'C', dependencies: ['bd-b2'], priority: 'high'})),
	].join('\n');

	it('is recognised by its shape, and a beads export is not', () => {
		expect(exportShape(parseBeadsExport(store))).toEqual({
			kind: 'jetpack',
			line: 1,
			why: 'status "completed", which beads does not use',
		});
		const beads = parseBeadsExport(readExport('beads-issues.jsonl').text);
		expect(exportShape(beads)).toEqual({kind: 'beads'});
		const mixed = `${store}\n${JSON.stringify({id: 'bd-x', title: 'x', status: 'open', priority: 1})}\n`;
		expect(exportShape(parseBeadsExport(mixed))).toEqual({
			kind: 'mixed',
			jetpackLine: 1,
			beadsLine: 4,
		});
	});

	it('is imported as it is: low stays low, completed completed, dependencies kept', () => {
		const read = readJetpackTasks(parseBeadsExport(store));
		expect(read.problems).toEqual([]);
		const change = importJetpackTasks(empty, read.tasks, {now});
		expect(change.result).toMatchObject({format: 'jetpack', imported: ['bd-a1', 'bd-b2', 'bd-c3']});
		expect(taskOf(change, 'bd-a1')).toMatchObject({status: 'completed', priority: 'low'});
		expect(taskOf(change, 'bd-c3')).toMatchObject({
			status: 'pending',
			priority: 'high',
			dependencies: ['bd-b2'],
		});
		const again = importJetpackTasks(change.tasks, read.tasks, {now: later});
		expect(again.result.unchanged).toEqual(['bd-a1', 'bd-b2', 'bd-c3']);
		expect(again.tasks).toBe(change.tasks);
	});

	it('names the line and field of a task that breaks the schema', () => {
		const read = readJetpackTasks(
			parseBeadsExport(`${store}\n{"id":"bd-d4","title":"D","status":"done"}\n`),
		);
		expect(read.problems).toEqual([
			{line: 4, message: expect.stringMatching(/^field "status" must be one of/) as string},
		]);
	});
});
