/**
 * Rolling backups of the task store in `.beads/backups/`: each is the version a write replaced,
 * hard-linked there before the rename, so keeping it copies nothing. Names sort by time.
 */
import {copyFile, link, mkdir, open, readdir, unlink} from 'node:fs/promises';
import path from 'node:path';

const backupPattern = /^tasks-.+\.jsonl$/;

/** Folder entries (a rename, a new link) are durable only once the folder itself is fsynced. */
export async function fsyncDirectory(dir: string): Promise<void> {
	const handle = await open(dir, 'r');
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

export function fileStamp(date: Date): string {
	return date.toISOString().replaceAll(':', '-');
}

/** Backups, newest first. */
export async function listBackups(dir: string): Promise<string[]> {
	try {
		const names = (await readdir(dir)).filter((name) => backupPattern.test(name));
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
	await mkdir(dir, {recursive: true});
	const newest = path.basename((await listBackups(dir))[0] ?? '');
	const sequence = Number(/^tasks-(\d+)-/.exec(newest)?.[1] ?? 0) + 1;
	const target = path.join(
		dir,
		`tasks-${String(sequence).padStart(8, '0')}-${fileStamp(at)}.jsonl`,
	);
	try {
		await link(file, target);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		await copyFile(file, target);
	}

	await fsyncDirectory(dir);
	return target;
}

/** Removes all but the newest `keep` backups. */
export async function pruneBackups(dir: string, keep: number): Promise<void> {
	for (const old of (await listBackups(dir)).slice(keep)) {
		await unlink(old).catch((error: NodeJS.ErrnoException) => {
			// Another process pruned it first.
			if (error.code !== 'ENOENT') throw error;
		});
	}
}
