/**
 * Attempt results a run could not write to the store before it ended (a full disk, a lock held
 * too long): kept in `.jetpack/unrecorded/<runId>.json` — or, when the repository's disk is the
 * one that is full, in a folder for this repository under the system's temp dir — and recorded by
 * the next run before it looks at its tasks (PRODUCT.md §9: never dropped, on shutdown too).
 */
import {createHash} from 'node:crypto';
import {mkdir, readdir, readFile, unlink} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {AttemptRecord} from '../core/attempts.js';
import {replaceFile} from './atomic-write.js';

/** Where results are kept, in the order they are tried. */
function journalDirs(dir: string): string[] {
	const repo = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
	return [
		path.join(dir, '.jetpack', 'unrecorded'),
		path.join(os.tmpdir(), 'jetpack-tui-unrecorded', repo),
	];
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
}

/** Every result kept by earlier runs; a file that does not parse is left for a person to see. */
export async function loadResults(dir: string): Promise<SavedResults> {
	const files: string[] = [];
	const records: AttemptRecord[] = [];
	for (const folder of journalDirs(dir)) {
		const names = await readdir(folder).catch(() => [] as string[]);
		for (const name of names.filter((candidate) => candidate.endsWith('.json')).sort())
			await readSaved(path.join(folder, name), files, records);
	}

	return {files, records};
}

async function readSaved(file: string, files: string[], records: AttemptRecord[]): Promise<void> {
	try {
		const saved = JSON.parse(await readFile(file, 'utf8')) as Array<
			Omit<AttemptRecord, 'endedAt'> & {endedAt: string}
		>;
		for (const record of saved) records.push({...record, endedAt: new Date(record.endedAt)});
		files.push(file);
	} catch {
		// Not ours to guess at (edited by hand?): it stays for a person to look at.
	}
}

export async function forgetResults(files: readonly string[]): Promise<void> {
	for (const file of files) await unlink(file).catch(() => undefined);
}
