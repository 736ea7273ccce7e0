/**
 * Attempt results a run could not write to the store before it ended (a full disk, a lock held
 * too long): kept in `.jetpack/unrecorded/<runId>.json` and recorded by the next run before it
 * looks at its tasks (PRODUCT.md §9: never dropped, on shutdown too).
 */
import {mkdir, readdir, readFile, unlink} from 'node:fs/promises';
import path from 'node:path';
import type {AttemptRecord} from '../core/attempts.js';
import {replaceFile} from './atomic-write.js';

function journalDir(dir: string): string {
	return path.join(dir, '.jetpack', 'unrecorded');
}

/** Writes the results durably; throws when even that is impossible. */
export async function saveResults(
	dir: string,
	runId: string,
	records: readonly AttemptRecord[],
): Promise<string> {
	const folder = journalDir(dir);
	await mkdir(folder, {recursive: true});
	const file = path.join(folder, `${runId}.json`);
	await replaceFile(file, `${JSON.stringify(records)}\n`);
	return file;
}

export interface SavedResults {
	readonly files: readonly string[];
	readonly records: readonly AttemptRecord[];
}

/** Every result kept by earlier runs; a file that does not parse is left for a person to see. */
export async function loadResults(dir: string): Promise<SavedResults> {
	const folder = journalDir(dir);
	const names = await readdir(folder).catch(() => [] as string[]);
	const files: string[] = [];
	const records: AttemptRecord[] = [];
	for (const name of names.filter((candidate) => candidate.endsWith('.json')).sort()) {
		const file = path.join(folder, name);
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

	return {files, records};
}

export async function forgetResults(files: readonly string[]): Promise<void> {
	for (const file of files) await unlink(file).catch(() => undefined);
}
