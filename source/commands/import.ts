import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {
	exportShape,
	importBeads,
	importJetpackTasks,
	parseBeadsExport,
	readJetpackTasks,
	type ExportProblem,
	type ImportReport,
} from '../core/beads-import.js';
import {UsageError} from '../core/errors.js';
import type {CommandContext, CommandResult} from './context.js';
import type {Invocation} from './registry.js';

const shown = 10;

export async function runImport(context: CommandContext, {args, flags}: Invocation): CommandResult {
	const given = args[0] ?? '';
	// Like git -C, a relative path is taken from the repository the command works on.
	const file = path.resolve(context.dir, given);
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new UsageError(
			code === 'ENOENT'
				? `${given}: no such file; give the path of a beads export such as .beads/issues.jsonl.`
				: `Cannot read ${given}: ${(error as Error).message}.`,
		);
	}

	const parsed = parseBeadsExport(text);
	refuseProblems(given, '', parsed.problems);
	const shape = exportShape(parsed);
	if (shape.kind === 'mixed') {
		throw new UsageError(
			`${given} mixes jetpack tasks (line ${shape.jetpackLine}) with beads issues (line ${shape.beadsLine}); nothing was imported. Import a beads export or a jetpack task store, each from its own file.`,
		);
	}

	const now = context.clock.now();
	let report: ImportReport;
	if (shape.kind === 'jetpack') {
		const read = readJetpackTasks(parsed);
		refuseProblems(
			given,
			` reads as a jetpack task store (line ${shape.line} has ${shape.why}), but`,
			read.problems,
		);
		report = await context.store.update((tasks) => importJetpackTasks(tasks, read.tasks, {now}));
	} else {
		report = await context.store.update((tasks) =>
			importBeads(tasks, parsed.records, {all: flags.all, now}),
		);
	}

	context.stdout.write(
		flags.json
			? `${JSON.stringify(report)}\n`
			: describeImport(report, path.basename(file), context.store.displayPath),
	);
	return 0;
}

function refuseProblems(given: string, context: string, problems: readonly ExportProblem[]): void {
	const [problem] = problems;
	if (problem === undefined) return;
	const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
	throw new UsageError(
		`${given}${context} line ${problem.line} ${problem.message}${more}; nothing was imported. Fix the file and import it again.`,
	);
}

function plural(count: number, word: string): string {
	return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function listed(items: readonly string[]): string {
	return (
		items.slice(0, shown).join(', ') +
		(items.length > shown ? `, … (${items.length - shown} more)` : '')
	);
}

export function describeImport(report: ImportReport, from: string, into: string): string {
	const kind = report.format === 'jetpack' ? ' (a jetpack task store, taken as it is)' : '';
	const lines = [
		`Imported ${plural(report.imported.length, 'new task')} from ${from}${kind} into ${into}; ${report.updated.length} updated, ${report.unchanged.length} unchanged.`,
	];
	const statuses = Object.entries(report.byStatus).map(([status, count]) => `${count} ${status}`);
	if (statuses.length > 0) lines.push(`Statuses: ${statuses.join(', ')}.`);
	const skipped = Object.entries(report.skippedByReason).map(([reason, count]) =>
		reason === 'not work' ? `${count} not work (${notWorkTypes(report)})` : `${count} ${reason}`,
	);
	if (skipped.length > 0) {
		const hint =
			(report.skippedByReason.pinned ?? 0) +
				(report.skippedByReason.ephemeral ?? 0) +
				(report.skippedByReason['not work'] ?? 0) >
			0
				? ' (--all imports pinned and ephemeral issues and issue types that are not work)'
				: '';
		lines.push(`Skipped ${report.skipped.length}: ${skipped.join(', ')}${hint}.`);
	}

	if (report.dangling.length > 0) {
		const ofSkipped = report.dangling.filter((d) => d.targetSkipped).length;
		lines.push(
			`${plural(report.dangling.length, 'dependency')} point${report.dangling.length === 1 ? 's' : ''} at ids not in the store${ofSkipped > 0 ? ` (${ofSkipped} at issues skipped above)` : ''}; those tasks will not run until it is fixed:`,
			`  ${listed(report.dangling.map((d) => `${d.id} → ${d.dependsOn}`))}`,
		);
	}

	if (report.danglingLinks.length > 0)
		lines.push(
			`${plural(report.danglingLinks.length, 'parent or link')} point at ids not in the store (harmless).`,
		);
	if (report.deletedInBeads.length > 0)
		lines.push(`Deleted in beads but kept here: ${listed(report.deletedInBeads)}.`);
	if (report.older.length > 0)
		lines.push(
			`${report.older.length === 1 ? '1 issue is' : `${report.older.length} issues are`} older in this export than what was imported before; left as they are.`,
		);
	if (report.heldByRun.length > 0)
		lines.push(`Held by a run, status left as it is: ${listed(report.heldByRun)}.`);
	for (const warning of report.warnings.slice(0, shown))
		lines.push(`warning: ${warning.id}: ${warning.message}`);
	if (report.warnings.length > shown)
		lines.push(`… and ${report.warnings.length - shown} more warnings (--json lists them all).`);
	return lines.join('\n').replace('dependencys', 'dependencies') + '\n';
}

/** "3 agent, 1 convoy": the issue types skipped as not work, most first. */
function notWorkTypes(report: ImportReport): string {
	const counts = new Map<string, number>();
	for (const {reason, issueType} of report.skipped)
		if (reason === 'not work' && issueType !== undefined)
			counts.set(issueType, (counts.get(issueType) ?? 0) + 1);
	return [...counts]
		.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
		.map(([type, count]) => `${count} ${type}`)
		.join(', ');
}
