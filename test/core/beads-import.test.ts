import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {
	blockedInBeads,
	closedAsFailed,
	importBeads,
	mapBeadsPriority,
	mapBeadsStatus,
	parseBeadsExport,
	pinnedInBeads,
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
	const skipped = {tombstone: 0, pinned: 0, ephemeral: 0};
	const kept: RawIssue[] = [];
	for (const issue of raw) {
		if (issue.status === 'tombstone') skipped.tombstone++;
		else if (!all && (issue.status === 'pinned' || issue.pinned === true)) skipped.pinned++;
		else if (!all && issue.ephemeral === true) skipped.ephemeral++;
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
		issue.ephemeral === true;
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
		imported: 150,
		skippedByReason: {pinned: 3, ephemeral: 551},
		byStatus: {pending: 3, ready: 13, completed: 58, failed: 76},
		dependencies: 67,
		withParent: 14,
		dangling: 47,
		danglingLinks: 8,
	},
	{
		file: 'beads-issues.jsonl',
		all: true,
		imported: 704,
		skippedByReason: {},
		byStatus: {pending: 239, ready: 59, blocked: 3, completed: 319, failed: 84},
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
		byStatus: {pending: 3, ready: 22, completed: 464},
		dependencies: 88,
		withParent: 91,
		dangling: 0,
		danglingLinks: 0,
	},
	{
		file: 'beads-issues-2026-01-21-polluted.jsonl',
		all: false,
		imported: 2403,
		skippedByReason: {tombstone: 3319},
		byStatus: {pending: 26, ready: 118, completed: 2233, failed: 26},
		dependencies: 323,
		withParent: 322,
		dangling: 0,
		danglingLinks: 66,
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

		it('maps statuses: open, hooked, in_progress to pending; closed to completed or failed', () => {
			const s = independent.statuses;
			const pending = (s['open'] ?? 0) + (s['hooked'] ?? 0) + (s['in_progress'] ?? 0);
			expect((report.byStatus['pending'] ?? 0) + (report.byStatus['ready'] ?? 0)).toBe(pending);
			expect((report.byStatus['completed'] ?? 0) + (report.byStatus['failed'] ?? 0)).toBe(
				s['closed'] ?? 0,
			);
			expect(report.byStatus['blocked'] ?? 0).toBe((s['blocked'] ?? 0) + (s['pinned'] ?? 0));
			expect(report.byStatus).toEqual(expected.byStatus);
			expect(countBy(tasks, (t) => t.status)).toEqual(expected.byStatus);
		});

		it('reports and returns the table settled as the store writes it', () => {
			expect(settleStatuses(first.tasks, now)).toBe(first.tasks);
			for (const task of tasks) {
				if (task.status !== 'pending' && task.status !== 'ready') continue;
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

		it('bd-kwro: closed as stale aspirational item is failed, the reason kept as lastError', () => {
			const task = taskOf(plain, 'bd-kwro');
			expect(task.status).toBe('failed');
			expect(task.priority).toBe('critical');
			expect(task.lastError).toBe('Stale aspirational items (Clown Show #21 cleanup)');
			expect(task.completedAt).toBeUndefined();
			expect(task.metadata?.['beads']).toMatchObject({closed_at: '2026-02-27T02:56:52Z'});
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
				status: 'failed',
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

	it('drops tombstones of the polluted export and reads "Won\'t fix" as failed', () => {
		const {records} = parseBeadsExport(readExport('beads-issues-2026-01-21-polluted.jsonl').text);
		const change = run(records);
		expect(change.tasks.has('bd-06px')).toBe(false);
		expect(change.result.skipped).toContainEqual({id: 'bd-06px', reason: 'tombstone'});
		expect(taskOf(change, 'bd-hvwnb').status).toBe('failed');
		expect(taskOf(change, 'hq-cv-22ju4').links).toEqual([
			{type: 'tracks', id: 'external:gt-cm900:gt-cm900'},
		]);
		const withAll = run(records, {all: true});
		expect(withAll.tasks.size).toBe(change.tasks.size);
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
		expect(second.result.byStatus).toEqual({completed: 486, ready: 3});
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
		['closed', "Won't fix - not worth the churn", 'failed', []],
		['closed', 'rejected: build failure', 'failed', []],
	])('%j (close reason %j) → %s', (status, reason, mapped, blockers) => {
		expect(mapBeadsStatus(status, reason)).toEqual({status: mapped, blockers, known: true});
	});

	it.each([['review'], [undefined], [3]])('%j is unknown: pending', (status) => {
		expect(mapBeadsStatus(status, undefined)).toEqual({
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

describe('closedAsFailed', () => {
	it.each([
		'failed',
		'Failed: tests never passed',
		'REJECTED',
		'wontfix',
		'Wont-fix',
		"won't fix",
		'Won’t do',
		'will not fix',
		'Cancelled by the user',
		'canceled',
		'cancel',
		'Invalid: not reproducible',
		'obsolete',
		'Abandoned (no owner)',
		'Not planned',
		'stale:auto-closed by reaper',
		'Closed as wontfix',
	])('%j is failed', (reason) => {
		expect(closedAsFailed(reason)).toBe(true);
	});

	it.each([
		'',
		'Closed',
		'Done',
		'merged',
		'Duplicate of bd-7z5',
		'Completed with no code changes',
		'Implemented sync rollback on git commit failure',
		'patrol cycle complete: Merged 1 branch. Rejected 1 (quartz/bd-1x0)',
		'Moot - obsidian merged. Quartz’s failed attempt superseded.',
		'Fixed in 243263dd - added guard to reject beadsDir outside gitRoot',
		'Test suite now runs in 17 seconds. Issue is stale - optimizations were made.',
		'cancellation policy documented',
		'revalidated',
	])('%j is not failed', (reason) => {
		expect(closedAsFailed(reason)).toBe(false);
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
		expect(parseBeadsExport('')).toEqual({records: [], problems: []});
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
				status: 'failed',
				lastError: 'Obsolete',
				updatedAt: later.toISOString(),
			});
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
