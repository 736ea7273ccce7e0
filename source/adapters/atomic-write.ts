/**
 * Replaces a file so that a reader sees either the old bytes or all the new ones, and a crash or a
 * full disk leaves the old file in place.
 *
 * Not write-file-atomic: its 7.x issues a single write() and ignores a short count, so on a disk
 * that fills mid-write it renames a truncated temp file over the store and reports success (a
 * tester lost tasks that way). writeFileSync writes until every byte is down or throws.
 */
import {randomInt} from 'node:crypto';
import {closeSync, fsync, openSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs';
import {promisify} from 'node:util';

/**
 * Only the fsyncs, which wait on the disk, go through the thread pool: the other calls of a write
 * are page-cache work of microseconds, and each trip through the pool costs more CPU than the
 * call itself (two thread switches), several times per transaction of a run.
 */
export const fsyncFd = promisify(fsync);

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
	let mode = 0o644;
	try {
		mode = statSync(file).mode & 0o777;
	} catch {
		// No file yet: the default mode.
	}

	const fd = openSync(temp, 'wx', mode);
	try {
		try {
			// Writes until every byte is down, or throws (a full disk).
			writeFileSync(fd, data);
			await fsyncFd(fd);
		} finally {
			closeSync(fd);
		}

		await beforeRename?.(temp);
		lastCheck?.();
		renameSync(temp, file);
		afterRename?.();
	} catch (error) {
		try {
			unlinkSync(temp);
		} catch {
			// Already gone, or the folder went away: nothing of ours is left to remove.
		}

		throw error;
	}
}
