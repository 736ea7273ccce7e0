import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {importBeads, parseBeadsExport, type ImportReport} from '../core/beads-import.js';
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

	const {records, problems} = parseBeadsExport(text);
	const [problem] = problems;
	if (problem !== undefined) {
		const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
		throw new UsageError(
			`${given} line ${problem.line} ${problem.message}${more}; nothing was imported. Fix the export and import it again.`,
		);
	}

	const now = context.clock.now();
	const report = await context.store.update((tasks) =>
		importBeads(tasks, records, {all: flags.all, now}),
	);
	context.stdout.write(
		flags.json
			? `${JSON.stringify(report)}\n`
			: describeImport(report, path.basename(file), context.store.displayPath),
	);
	return 0;
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
	const lines = [
		`Imported ${plural(report.imported.length, 'new task')} from ${from} into ${into}; ${report.updated.length} updated, ${report.unchanged.length} unchanged.`,
	];
	const statuses = Object.entries(report.byStatus).map(([status, count]) => `${count} ${status}`);
	if (statuses.length > 0) lines.push(`Statuses: ${statuses.join(', ')}.`);
	const skipped = Object.entries(report.skippedByReason).map(
		([reason, count]) => `${count} ${reason}`,
	);
	if (skipped.length > 0) {
		const hint =
			(report.skippedByReason.pinned ?? 0) + (report.skippedByReason.ephemeral ?? 0) > 0
				? ' (--all imports pinned and ephemeral issues)'
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
