/**
 * Replaces a file so that a reader sees either the old bytes or all the new ones, and a crash or a
 * full disk leaves the old file in place.
 *
 * Not write-file-atomic: its 7.x issues a single write() and ignores a short count, so on a disk
 * that fills mid-write it renames a truncated temp file over the store and reports success (a
 * tester lost tasks that way). FileHandle.writeFile writes until every byte is down or throws.
 */
import {randomInt} from 'node:crypto';
import {renameSync} from 'node:fs';
import {open, stat, unlink} from 'node:fs/promises';

/** The temp file is `<file>.<digits>`, so a later writer can find and remove one a killed writer left. */
export async function replaceFile(
	file: string,
	data: string | Uint8Array,
	/** Runs once the new bytes are safely in the temp file (its path given), right before the rename. */
	beforeRename?: (temp: string) => Promise<void>,
	/**
	 * Runs right before the rename with no await in between, so that nothing else this process
	 * does, and as little as possible of what others do, comes between its check and the rename.
	 */
	lastCheck?: () => void,
	/** Runs right after the rename, with no await in between. */
	afterRename?: () => void,
): Promise<void> {
	const temp = `${file}.${randomInt(2 ** 32)}`;
	// Keep the mode a person may have set on the file.
	const mode = await stat(file).then(
		(stats) => stats.mode & 0o777,
		() => 0o644,
	);
	const handle = await open(temp, 'wx', mode);
	try {
		try {
			await handle.writeFile(data);
			await handle.sync();
		} finally {
			await handle.close();
		}

		await beforeRename?.(temp);
		lastCheck?.();
		renameSync(temp, file);
		afterRename?.();
	} catch (error) {
		await unlink(temp).catch(() => undefined);
		throw error;
	}
}
