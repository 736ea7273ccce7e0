/**
 * `.jetpack/learnings.md` on disk (PRODUCT.md §16): its end read for prompts, entries appended by
 * `learn`. Only the end is read, so a file that grows for years costs a prompt no more.
 */
import {appendFile, mkdir, open, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {
	learningEntry,
	learningsHeading,
	learningsTailBytes,
	parseLearnings,
} from '../core/learnings.js';
import {explainFsError} from './fs-errors.js';

export function learningsPath(dir: string): string {
	return path.join(dir, '.jetpack', 'learnings.md');
}

/** The end of the file (`bytes` of it at most), and whether that is all of it; undefined when there is no file. */
async function readTail(
	file: string,
	bytes: number,
): Promise<{text: string; whole: boolean} | undefined> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}

	try {
		const {size} = await handle.stat();
		const start = Math.max(0, size - bytes);
		const buffer = Buffer.alloc(size - start);
		const {bytesRead} = await handle.read(buffer, 0, buffer.length, start);
		return {text: buffer.subarray(0, bytesRead).toString('utf8'), whole: start === 0};
	} finally {
		await handle.close();
	}
}

/** The entries of the learnings file, oldest first, from its last 64 KiB; none when there is no file. */
export async function readLearnings(dir: string): Promise<string[]> {
	const tail = await readTail(learningsPath(dir), learningsTailBytes);
	if (tail === undefined) return [];
	// Cut mid-file, the first line may be the middle of an entry, or of a character.
	const text = tail.whole ? tail.text : tail.text.slice(tail.text.indexOf('\n') + 1);
	return parseLearnings(text);
}

/** Appends one dated entry, creating the file (and `.jetpack/`) with a heading when it is new. */
export async function appendLearning(dir: string, text: string, now: Date): Promise<void> {
	const file = learningsPath(dir);
	const entry = learningEntry(text, now);
	try {
		await mkdir(path.dirname(file), {recursive: true});
		try {
			await writeFile(file, learningsHeading + entry, {flag: 'wx'});
			return;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}

		// A file edited by hand may end without its newline: the entry must start a line.
		const last = await readTail(file, 1);
		const joint = last === undefined || last.text === '' || last.text === '\n' ? '' : '\n';
		await appendFile(file, joint + entry);
	} catch (error) {
		throw explainFsError(error, dir, path.relative(dir, file));
	}
}
