/**
 * The cross-process lock on the task store: proper-lockfile's lock folder (atomic mkdir, stale
 * after 10 s, mtime refreshed while held), plus an `owner.json` inside it naming the holder. With
 * the owner known, a lock left by a process that died on this machine is taken over at once
 * instead of after the stale time.
 */
import {randomUUID} from 'node:crypto';
import fs from 'node:fs';
import {mkdir, readFile, readlink, rm, stat, utimes, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as ProperLockfile from 'proper-lockfile';
import {StoreError} from '../core/errors.js';
import {isAlive} from './pid.js';

export interface LockOptions {
	/** A lock whose mtime is older than this is stale (proper-lockfile; 2000 at the least). */
	readonly staleMs: number;
	/** How long to wait for a live holder before giving up. */
	readonly timeoutMs: number;
	/** Called once if the lock is not free within a second, to say who holds it. */
	readonly onWait?: (holder: string) => void;
}

/** Who holds a lock. `machine` tells whether its pid can be checked from here. */
interface Owner {
	readonly pid: number;
	readonly host: string;
	readonly machine: string;
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
 * removes the owner file first. One object for the whole process: proper-lockfile caches the
 * mtime precision on it.
 */
const lockFs = {
	...fs,
	rmdir(target: string, callback: (error: NodeJS.ErrnoException | null) => void) {
		fs.rm(path.join(target, ownerFile), {force: true}, () => {
			fs.rmdir(target, callback);
		});
	},
	// Used by proper-lockfile's exit handler, so that a lock is not left behind on SIGINT.
	rmdirSync(target: string) {
		fs.rmSync(path.join(target, ownerFile), {force: true});
		fs.rmdirSync(target);
	},
};

/**
 * proper-lockfile installs SIGINT/SIGTERM handlers (signal-exit) when it is loaded; a handler runs
 * only when the event loop is free, so a command busy parsing a large store would ignore SIGTERM.
 * Loaded only by a process that takes the lock.
 */
let lockfileModule: Promise<typeof ProperLockfile> | undefined;
async function properLockfile() {
	lockfileModule ??= import('proper-lockfile');
	return lockfileModule;
}

const ownerFile = 'owner.json';
const host = os.hostname();

/**
 * Pids mean something only within one boot and one pid namespace (containers on one host share
 * the hostname sometimes, never both of these).
 */
async function machineId(): Promise<string> {
	const boot = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
	const namespace = await readlink('/proc/self/ns/pid').catch(() => '');
	return `${host}/${boot.trim()}/${namespace}`;
}

const thisMachine = machineId();

async function readOwner(lockPath: string): Promise<Owner | undefined> {
	try {
		return JSON.parse(await readFile(path.join(lockPath, ownerFile), 'utf8')) as Owner;
	} catch {
		// Missing (the holder is between mkdir and writing it) or half written: unknown owner.
		return undefined;
	}
}

async function isDead(owner: Owner | undefined): Promise<boolean> {
	return (
		owner !== undefined &&
		owner.machine === (await thisMachine) &&
		owner.pid !== process.pid &&
		!isAlive(owner.pid)
	);
}

const sleep = async (ms: number) =>
	new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export async function acquireStoreLock(file: string, options: LockOptions): Promise<HeldLock> {
	const lockPath = `${file}.lock`;
	const started = Date.now();
	let warned = false;
	let delay = 2;
	for (;;) {
		const held = await tryLock(file, lockPath, options.staleMs);
		if (held !== undefined) return held;

		const owner = await readOwner(lockPath);
		if (
			(await isDead(owner)) ||
			(owner === undefined && (await ownerlessFor(lockPath)) > ownerlessMs)
		) {
			await takeOver(lockPath, owner?.token);
			continue;
		}

		const waited = Date.now() - started;
		if (waited > options.timeoutMs)
			throw new StoreError(lockTimeoutMessage(file, lockPath, owner, options.timeoutMs));
		if (!warned && waited > 1000) {
			warned = true;
			options.onWait?.(
				owner === undefined ? 'another process' : `pid ${owner.pid} on ${owner.host}`,
			);
		}

		await sleep(delay + Math.random() * delay);
		delay = Math.min(delay * 2, 50);
	}
}

/** One attempt; undefined when another process holds the lock, or took it while we set up. */
async function tryLock(
	file: string,
	lockPath: string,
	staleMs: number,
): Promise<HeldLock | undefined> {
	let lost = false;
	let release: () => Promise<void>;
	try {
		const lockfile = await properLockfile();
		release = await lockfile.lock(file, {
			lockfilePath: lockPath,
			realpath: false,
			stale: staleMs,
			retries: 0,
			fs: lockFs,
			onCompromised() {
				// Never throw from here (it would crash the process): the write path checks `lost`.
				lost = true;
			},
		});
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		// ENOENT: the folder went away between proper-lockfile's mkdir and its probe.
		if (code === 'ELOCKED' || code === 'ENOENT') return undefined;
		throw error;
	}

	const token = randomUUID();
	try {
		// proper-lockfile takes a changed folder mtime for a lost lock: put it back after writing.
		const {atime, mtime} = await stat(lockPath);
		const owner: Owner = {
			pid: process.pid,
			host,
			machine: await thisMachine,
			token,
			since: new Date().toISOString(),
		};
		await writeFile(path.join(lockPath, ownerFile), JSON.stringify(owner));
		await utimes(lockPath, atime, mtime);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		// Our fresh lock was removed under us (a takeover racing ours): start over.
		await release().catch(() => undefined);
		return undefined;
	}

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
}

/**
 * A holder writes owner.json within milliseconds of taking the lock; a lock folder that has had
 * none for this long was left by a process killed in between, and need not wait the stale time.
 */
const ownerlessMs = 1000;

/** How long the lock folder has gone without an owner (its ctime moves with every change to it). */
async function ownerlessFor(lockPath: string): Promise<number> {
	const stats = await stat(lockPath).catch(() => undefined);
	return stats === undefined ? 0 : Date.now() - stats.ctimeMs;
}

/**
 * Removes a lock whose holder is dead. Takeovers go one at a time through their own folder, and
 * the owner is read again inside it: two processes that both saw the dead owner must not both
 * remove "the" lock, since the second would remove the first one's fresh lock.
 */
async function takeOver(lockPath: string, deadToken: string | undefined): Promise<void> {
	const gate = `${lockPath}.takeover`;
	try {
		await mkdir(gate);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		// A takeover takes milliseconds; a gate older than that was left by a process killed in one.
		const age = await stat(gate).then(
			(s) => Date.now() - s.mtimeMs,
			() => 0,
		);
		if (age > 2000) await rm(gate, {recursive: true, force: true});
		return;
	}

	try {
		const current = await readOwner(lockPath);
		const stillDead =
			deadToken === undefined
				? current === undefined && (await ownerlessFor(lockPath)) > ownerlessMs
				: current?.token === deadToken;
		if (stillDead) await rm(lockPath, {recursive: true, force: true});
	} finally {
		await rm(gate, {recursive: true, force: true});
	}
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
