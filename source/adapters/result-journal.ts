/**
 * Attempt results a run could not write to the store before it ended (a full disk, a lock held
 * too long): kept in `.jetpack/unrecorded/<runId>.json` — or, when the repository's disk is the
 * one that is full, in a folder for this repository under the system's temp dir — and recorded by
 * the next run before it looks at its tasks (PRODUCT.md §9: never dropped, on shutdown too).
 */
import {createHash} from 'node:crypto';
import {mkdir, readdir, readFile, rmdir, unlink} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {AttemptRecord} from '../core/attempts.js';
import {failureTypes} from '../core/task.js';
import {replaceFile} from './atomic-write.js';

/** Where results are kept, in the order they are tried. */
function journalDirs(dir: string): string[] {
	return [path.join(dir, '.jetpack', 'unrecorded'), tempJournalDir(dir)];
}

/** The folder in the system's temp dir for this repository's results, when its own disk is full. */
export function tempJournalDir(dir: string): string {
	const repo = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
	return path.join(os.tmpdir(), 'jetpack-tui-unrecorded', repo);
}

/** Writes the results durably, in the first place that takes them; throws when none does. */
export async function saveResults(
	dir: string,
	runId: string,
	records: readonly AttemptRecord[],
): Promise<string> {
	let failure: unknown;
	for (const folder of journalDirs(dir)) {
		try {
			await mkdir(folder, {recursive: true});
			const file = path.join(folder, `${runId}.json`);
			await replaceFile(file, `${JSON.stringify(records)}\n`);
			return file;
		} catch (error) {
			failure ??= error;
		}
	}

	throw failure;
}

export interface SavedResults {
	readonly files: readonly string[];
	readonly records: readonly AttemptRecord[];
	/** One sentence per file left unrecorded because something in it is not valid. */
	readonly problems: readonly string[];
}

/**
 * Every result kept by earlier runs. A file with anything in it that is not a valid result (edited
 * by hand, cut short) is recorded not at all and left in place; the sentence in `problems` names
 * it and what to do.
 */
export async function loadResults(dir: string): Promise<SavedResults> {
	const files: string[] = [];
	const records: AttemptRecord[] = [];
	const problems: string[] = [];
	for (const folder of journalDirs(dir)) {
		const names = await readdir(folder).catch(() => [] as string[]);
		for (const name of names.filter((candidate) => candidate.endsWith('.json')).sort()) {
			const file = path.join(folder, name);
			const saved = await readSaved(file);
			if (Array.isArray(saved)) {
				records.push(...saved);
				files.push(file);
				continue;
			}

			const shown = file.startsWith(dir + path.sep) ? path.relative(dir, file) : file;
			problems.push(
				`jetpack-tui: ${shown} holds attempt results of an earlier run that cannot be read (${saved.problem}), so none of them were recorded; fix it, or move it away to forget them.`,
			);
		}
	}

	return {files, records, problems};
}

async function readSaved(file: string): Promise<AttemptRecord[] | {readonly problem: string}> {
	let saved: unknown;
	try {
		saved = JSON.parse(await readFile(file, 'utf8'));
	} catch (error) {
		return {
			problem: error instanceof SyntaxError ? 'it is not valid JSON' : (error as Error).message,
		};
	}

	if (!Array.isArray(saved)) return {problem: 'it is not a list'};
	const records: AttemptRecord[] = [];
	for (const [index, entry] of (saved as unknown[]).entries()) {
		const record = toRecord(entry);
		if (typeof record === 'string') return {problem: `result ${index + 1}: ${record}`};
		records.push(record);
	}

	return records;
}

const outcomes: readonly string[] = ['completed', ...failureTypes];

/** The record, or what is wrong with it. */
function toRecord(entry: unknown): AttemptRecord | string {
	if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'not an object';
	const record = entry as Record<string, unknown>;
	const {taskId, attempt, runId, outcome, message, exit, endedAt, usage, workspace} = record;
	if (typeof taskId !== 'string' || taskId === '') return 'taskId is not a task id';
	if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1)
		return 'attempt is not a positive whole number';
	if (typeof runId !== 'string' || runId === '') return 'runId is not a run id';
	if (typeof outcome !== 'string' || !outcomes.includes(outcome))
		return `outcome is not one of ${outcomes.join(', ')}`;
	if (typeof message !== 'string') return 'message is not a string';
	if (typeof exit !== 'object' || exit === null) return 'exit is not an object';
	const {exitCode, signal} = exit as Record<string, unknown>;
	if (exitCode !== null && (typeof exitCode !== 'number' || !Number.isInteger(exitCode)))
		return 'exit.exitCode is not a whole number or null';
	if (signal !== null && typeof signal !== 'string') return 'exit.signal is not a string or null';
	const ended = typeof endedAt === 'string' ? new Date(endedAt) : undefined;
	if (ended === undefined || Number.isNaN(ended.getTime())) return 'endedAt is not a valid date';
	return {
		taskId,
		attempt,
		runId,
		outcome: outcome as AttemptRecord['outcome'],
		message,
		exit: {exitCode, signal},
		endedAt: ended,
		// What the CLI reported spending is kept as it was written: a figure, not a decision.
		...(typeof usage === 'object' && usage !== null && !Array.isArray(usage)
			? {usage: usage as AttemptRecord['usage']}
			: {}),
		...(typeof workspace === 'object' && workspace !== null && !Array.isArray(workspace)
			? {workspace: workspace as AttemptRecord['workspace']}
			: {}),
	};
}

/** Removes results once recorded, and this repository's folder in the temp dir once it is empty. */
export async function forgetResults(dir: string, files: readonly string[]): Promise<void> {
	for (const file of files) await unlink(file).catch(() => undefined);
	const temp = tempJournalDir(dir);
	// Only an empty folder goes: a file that could not be read stays, and is said, until dealt with.
	if (files.some((file) => path.dirname(file) === temp)) await rmdir(temp).catch(() => undefined);
}
