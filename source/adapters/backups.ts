/**
 * Rolling backups of the task store in `.beads/backups/`: each is the version a write replaced,
 * hard-linked there before the rename, so keeping it copies nothing. Names sort by time.
 */
import {randomBytes} from 'node:crypto';
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

/** Keeps the current version of `file` as a backup: a hard link, or a copy where links are not supported. */
export async function backUpVersion(file: string, dir: string, at: Date): Promise<void> {
	await mkdir(dir, {recursive: true});
	const target = path.join(dir, `tasks-${fileStamp(at)}-${randomBytes(3).toString('hex')}.jsonl`);
	try {
		await link(file, target);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
		await copyFile(file, target);
	}

	await fsyncDirectory(dir);
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
