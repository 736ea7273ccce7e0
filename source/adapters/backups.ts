/**
 * Rolling backups of the task store in `.beads/backups/`. The newest always holds the version
 * just written, in a file of its own: a person's editor or a failing disk that damages the live
 * file in place must not reach it. A version the store did not write itself (a hand edit) is
 * hard-linked there before it is replaced. Names sort by sequence.
 */
import {randomInt} from 'node:crypto';
import {
	closeSync,
	constants,
	copyFileSync,
	mkdirSync,
	openSync,
	readdirSync,
	renameSync,
	unlinkSync,
} from 'node:fs';
import {link, readdir, unlink} from 'node:fs/promises';
import path from 'node:path';
import {fsyncFd} from './atomic-write.js';

const backupPattern = /^tasks-.+\.jsonl$/;
/** A backup being made; it gets its name only once the version it holds is the live one. */
const pendingPattern = /^\.pending-\d+$/;

/** Folder entries (a rename, a new link) are durable only once the folder itself is fsynced. */
export async function fsyncDirectory(dir: string): Promise<void> {
	await fsyncFile(dir);
}

/** fsync by path; only the fsync itself goes through the thread pool (atomic-write.ts). */
async function fsyncFile(file: string): Promise<void> {
	const fd = openSync(file, 'r');
	try {
		await fsyncFd(fd);
	} finally {
		closeSync(fd);
	}
}

export function fileStamp(date: Date): string {
	return date.toISOString().replaceAll(':', '-');
}

/** Backups, newest first. */
export async function listBackups(dir: string): Promise<string[]> {
	return listBackupsSync(dir);
}

/** A folder listing is page-cache work: synchronous, as every call of a write but its fsyncs. */
function listBackupsSync(dir: string): string[] {
	try {
		const names = readdirSync(dir).filter((name) => backupPattern.test(name));
		return names
			.sort()
			.reverse()
			.map((name) => path.join(dir, name));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}
}

/**
 * Keeps the current version of `file` as a backup: a hard link, or a copy where links are not
 * supported. Names start with a sequence number, so their order never depends on the clock.
 * Returns the backup's path, or undefined when there is no file to keep.
 */
export async function backUpVersion(
	file: string,
	dir: string,
	at: Date,
): Promise<string | undefined> {
	mkdirSync(dir, {recursive: true});
	const target = nextBackupName(dir, at);
	try {
		await link(file, target);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		copyFileSync(file, target);
	}

	await fsyncDirectory(dir);
	return target;
}

/** Removes all but the newest `keep` backups. */
export async function pruneBackups(dir: string, keep: number): Promise<void> {
	for (const old of listBackupsSync(dir).slice(keep)) {
		try {
			unlinkSync(old);
		} catch (error) {
			// Another process pruned it first.
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
	}
}

function nextBackupName(dir: string, at: Date): string {
	const newest = path.basename(listBackupsSync(dir)[0] ?? '');
	const sequence = Number(/^tasks-(\d+)-/.exec(newest)?.[1] ?? 0) + 1;
	return path.join(dir, `tasks-${String(sequence).padStart(8, '0')}-${fileStamp(at)}.jsonl`);
}

/**
 * A durable copy of `source` (the temp file about to become the store) under a name listing
 * ignores. A reflink where the file system has them (btrfs, XFS), so it costs no data; a
 * kernel-side copy elsewhere. Not a hard link: it must not share the live file's bytes.
 */
export async function prepareBackup(source: string, dir: string): Promise<string> {
	mkdirSync(dir, {recursive: true});
	const pending = path.join(dir, `.pending-${randomInt(2 ** 32)}`);
	try {
		copyFileSync(source, pending, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
		await fsyncFile(pending);
	} catch (error) {
		await unlink(pending).catch(() => undefined);
		throw error;
	}

	return pending;
}

/** Gives a prepared backup its place as the newest, once its version is the live one. */
export async function commitBackup(pending: string, dir: string, at: Date): Promise<string> {
	const target = nextBackupName(dir, at);
	renameSync(pending, target);
	await fsyncDirectory(dir);
	return target;
}

/** Prepared backups of writers killed before their rename. */
export async function removePendingBackups(dir: string): Promise<void> {
	const names = await readdir(dir).catch(() => []);
	for (const name of names)
		if (pendingPattern.test(name)) await unlink(path.join(dir, name)).catch(() => undefined);
}
