/**
 * The cross-process lock on the task store: proper-lockfile's lock folder (atomic mkdir, stale
 * after 10 s, mtime refreshed while held), plus an `owner.json` inside it naming the holder's pid
 * and host. With the owner known, a lock left by a process that was killed on this machine is
 * taken over at once instead of after the stale time.
 */
import fs from 'node:fs';
import {readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import lockfile from 'proper-lockfile';
import {StoreError} from '../core/errors.js';

export interface LockOptions {
	/** A lock whose mtime is older than this is stale (proper-lockfile; 2000 at the least). */
	readonly staleMs: number;
	/** How long to wait for a live holder before giving up. */
	readonly timeoutMs: number;
}

interface Owner {
	readonly pid: number;
	readonly host: string;
	readonly token: string;
	readonly since: string;
}

/** A held lock. `lost` turns true if another process took it over (our event loop stalled). */
export interface HeldLock {
	readonly lost: boolean;
	/** Throws `LockLost` if the lock is no longer ours; call right before replacing the file. */
	assertHeld(): Promise<void>;
	release(): Promise<void>;
}

export class LockLost extends Error {
	override readonly name = 'LockLost';
}

/**
 * proper-lockfile removes its folder with rmdir, which fails once `owner.json` is inside; this fs
 * removes the folder with its contents. One object for the whole process: proper-lockfile caches
 * the mtime precision on it.
 */
const lockFs = {
	...fs,
	rmdir(target: string, callback: (error: NodeJS.ErrnoException | null) => void) {
		fs.rm(target, {recursive: true, force: true}, callback);
	},
};

const host = os.hostname();

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
	try {
		return JSON.parse(await readFile(path.join(lockPath, 'owner.json'), 'utf8')) as Owner;
	} catch {
		// Missing (the holder is between mkdir and writing it) or half written: unknown owner.
		return undefined;
	}
}

const sleep = async (ms: number) =>
	new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export async function acquireStoreLock(file: string, options: LockOptions): Promise<HeldLock> {
	const lockPath = `${file}.lock`;
	const deadline = Date.now() + options.timeoutMs;
	let lost = false;
	let delay = 2;
	for (;;) {
		try {
			const release = await lockfile.lock(file, {
				lockfilePath: lockPath,
				realpath: false,
				stale: options.staleMs,
				retries: 0,
				fs: lockFs,
				onCompromised() {
					// Never throw from here (it would crash the process): the write path checks `lost`.
					lost = true;
				},
			});
			const token = randomUUID();
			const owner: Owner = {pid: process.pid, host, token, since: new Date().toISOString()};
			await writeFile(path.join(lockPath, 'owner.json'), JSON.stringify(owner));
			return {
				get lost() {
					return lost;
				},
				async assertHeld() {
					if (lost || (await readOwner(lockPath))?.token !== token) {
						lost = true;
						throw new LockLost(`the lock on ${file} was taken over`);
					}
				},
				async release() {
					if (lost) return;
					await release().catch((error: NodeJS.ErrnoException) => {
						// Released or taken over meanwhile: nothing of ours is left to remove.
						if (error.code !== 'ERELEASED' && error.code !== 'ENOTACQUIRED') throw error;
					});
				},
			};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
		}

		const owner = await readOwner(lockPath);
		if (
			owner !== undefined &&
			owner.host === host &&
			owner.pid !== process.pid &&
			!isAlive(owner.pid)
		) {
			await takeOver(lockPath, owner);
			continue;
		}

		if (Date.now() > deadline)
			throw new StoreError(lockTimeoutMessage(file, lockPath, owner, options.timeoutMs));
		await sleep(delay + Math.random() * delay);
		delay = Math.min(delay * 2, 50);
	}
}

/** Removes a lock whose holder is dead, unless another process took it over and wrote its own owner meanwhile. */
async function takeOver(lockPath: string, dead: Owner): Promise<void> {
	const current = await readOwner(lockPath);
	if (current?.token !== dead.token) return;
	await rm(lockPath, {recursive: true, force: true});
}

function lockTimeoutMessage(
	file: string,
	lockPath: string,
	owner: Owner | undefined,
	timeoutMs: number,
): string {
	const seconds = Math.round(timeoutMs / 1000);
	const holder = owner === undefined ? 'another process' : `pid ${owner.pid} on ${owner.host}`;
	return `${file} has been locked by ${holder} for over ${seconds} s; if no jetpack-tui is running, remove ${lockPath} and try again.`;
}
