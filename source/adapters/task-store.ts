/**
 * `.beads/tasks.jsonl` on disk (PRODUCT.md §3). Every mutation is one transaction: lock, re-read,
 * apply, write a temp file and fsync it, check the file is still the one read (else apply again on
 * the new content), rename it over the store, fsync the folder, unlock. The newest backup in
 * `.beads/backups/` always holds the version just written. A damaged store is kept aside byte for
 * byte and the newest backup that validates is restored.
 *
 * The parsed table is kept in memory with the file's identity and bytes: as long as the file is
 * the one this process last read or wrote, neither reads nor transactions parse it again, and a
 * transaction serialises only the tasks it changed. A run's cost per task does not grow with the
 * store.
 */
import {
	closeSync,
	fstatSync,
	lstatSync,
	mkdirSync,
	openSync,
	readSync,
	statSync,
	unlinkSync,
} from 'node:fs';
import {link, open, readdir, readFile, stat, unlink} from 'node:fs/promises';
import path from 'node:path';
import {StoreError} from '../core/errors.js';
import type {Change, Clock, TaskRepository} from '../core/ports.js';
import {
	describeProblem,
	parseStore,
	serializeStoreBytes,
	storedLine,
	type StoreContents,
} from '../core/store-format.js';
import {settleStatuses, taskToJsonLine, type Task, type TaskTable} from '../core/task.js';
import {
	backUpVersion,
	commitBackup,
	fileStamp,
	fsyncDirectory,
	listBackups,
	prepareBackup,
	pruneBackups,
	removePendingBackups,
} from './backups.js';
import {replaceFile} from './atomic-write.js';
import {explainFsError} from './fs-errors.js';
import {acquireStoreLock, LockLost, type HeldLock} from './store-lock.js';

export interface TaskStoreOptions {
	/** How many earlier versions `.beads/backups/` keeps (config `backups`). */
	readonly backups?: number;
	readonly staleMs?: number;
	readonly lockTimeoutMs?: number;
	readonly clock?: Clock;
	/** Told, in one paragraph, whenever the store repaired itself. */
	readonly onNotice?: (message: string) => void;
}

export interface BackupInfo {
	readonly file: string;
	readonly savedAt: Date;
	readonly taskCount: number;
}

export type RecoverOutcome =
	| {readonly kind: 'healthy'}
	| {readonly kind: 'missing'}
	| {
			readonly kind: 'restored';
			readonly reason: string;
			readonly keptAs?: string;
			readonly backup: BackupInfo;
			readonly rolledBack: readonly string[];
	  }
	| {
			readonly kind: 'salvaged';
			readonly reason: string;
			readonly keptAs: string;
			readonly taskCount: number;
	  }
	| {readonly kind: 'no-backup'; readonly reason: string};

/** Who the file is: a rename makes a new inode, a write in place a new size or time. */
interface FileIdentity {
	readonly dev: bigint;
	readonly ino: bigint;
	readonly size: bigint;
	readonly mtimeNs: bigint;
	readonly ctimeNs: bigint;
}

/** A version of the file as this process knows it: its identity, its bytes, its tasks. */
interface Snapshot {
	readonly identity: FileIdentity;
	readonly bytes: Buffer;
	readonly table: TaskTable;
	/** When the bytes were last known to be the file's (wall clock, ms). */
	verifiedAt: number;
	/** This store wrote this version (and its backup). */
	readonly written: boolean;
}

/** What a transaction read: a snapshot, or no file at all. */
type Base = Snapshot | undefined;

/** The file is no longer the one the transaction read: someone saved it meanwhile. */
class FileChanged extends Error {
	override readonly name = 'FileChanged';
}

const systemClock: Clock = {now: () => new Date()};
/** `replaceFile` names its temp files `<file>.<digits>`. */
const tempPattern = /^tasks\.jsonl\.\d+$/;
const maxLockLosses = 5;
/** An editor saving over and over can delay a transaction, but not forever. */
const maxRestarts = 50;
/**
 * A file changed less than this long before its bytes were checked may change again with the same
 * size and time stamps (time stamps are coarse), so its identity alone is not trusted; later
 * changes always move its ctime, which no program can set.
 */
const racyMs = 1000;
/** How long a damaged-looking file must stay the same before it is taken for damage: an editor may be half way through writing it in place. */
const settleMs = 100;
/** The file must look the same this many times in a row: an editor's write may wait on the journal behind our fsyncs. */
const steadyReads = 5;
const settleTries = 50;

const sameIdentity = (a: FileIdentity, b: FileIdentity) =>
	a.dev === b.dev &&
	a.ino === b.ino &&
	a.size === b.size &&
	a.mtimeNs === b.mtimeNs &&
	a.ctimeNs === b.ctimeNs;

function identityOf(stats: {
	dev: bigint;
	ino: bigint;
	size: bigint;
	mtimeNs: bigint;
	ctimeNs: bigint;
}): FileIdentity {
	return {
		dev: stats.dev,
		ino: stats.ino,
		size: stats.size,
		mtimeNs: stats.mtimeNs,
		ctimeNs: stats.ctimeNs,
	};
}

function isRacy(snapshot: Snapshot): boolean {
	const {mtimeNs, ctimeNs} = snapshot.identity;
	const changed = Number((mtimeNs > ctimeNs ? mtimeNs : ctimeNs) / 1_000_000n);
	return snapshot.verifiedAt - changed < racyMs;
}

/**
 * Returns once every rename already under way in `dir` is done. A rename holds the folder's lock
 * until it is complete, and may hold it for milliseconds waiting on the journal (behind our own
 * fsyncs); until then a stat still finds the file it replaces, so an editor's save could pass
 * our check unseen and be lost to our rename. Removing a name takes the same lock, and removing
 * one that does not exist changes nothing.
 */
function waitForRenamesIn(dir: string): void {
	try {
		unlinkSync(path.join(dir, '.no-such-file'));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
	}
}

/**
 * Each line of a known version with its task, for a re-read of the file to reuse: the lines this
 * store wrote, or the lines it read (in the file's order, as parsing keeps it).
 */
function linesOf(snapshot: Snapshot | undefined): ReadonlyMap<string, Task> | undefined {
	if (snapshot === undefined) return undefined;
	const lines = new Map<string, Task>();
	if (snapshot.written) {
		for (const task of snapshot.table.values()) lines.set(storedLine(task), task);
		return lines;
	}

	const tasks = snapshot.table.values();
	for (const raw of snapshot.bytes.toString('utf8').split('\n')) {
		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (!/\S/.test(line)) continue;
		const task = tasks.next();
		if (task.done === true) return undefined;
		lines.set(line, task.value);
	}

	return tasks.next().done === true ? lines : undefined;
}

const asBuffer = (bytes: Uint8Array) =>
	Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** All of an open file from its start, whatever its position. */
function readWhole(fd: number): Buffer {
	const size = Number(fstatSync(fd).size);
	const buffer = Buffer.alloc(size);
	let done = 0;
	while (done < size) {
		const n = readSync(fd, buffer, done, size - done, done);
		if (n === 0) break;
		done += n;
	}

	return buffer.subarray(0, done);
}

/** Where files are read to be compared, a piece at a time (synchronously: one buffer serves every store). */
const compareScratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Whether the open file holds exactly `expected`, compared a piece at a time: a check at every
 * transaction then allocates nothing and keeps nothing the size of the store.
 */
function holdsBytes(fd: number, expected: Buffer): boolean {
	for (let at = 0; ;) {
		const n = readSync(fd, compareScratch, 0, compareScratch.length, at);
		if (n === 0) return at === expected.length;
		if (at + n > expected.length) return false;
		if (!compareScratch.subarray(0, n).equals(expected.subarray(at, at + n))) return false;
		at += n;
	}
}

const sleep = async (ms: number) =>
	new Promise<void>((resolve) => {
		setTimeout(resolve, ms);
	});

export class TaskStore implements TaskRepository {
	readonly kind = 'file';
	readonly beadsDir: string;
	readonly file: string;
	readonly backupDir: string;
	readonly #repo: string;
	readonly #backups: number;
	readonly #staleMs: number;
	readonly #lockTimeoutMs: number;
	readonly #clock: Clock;
	#notice: (message: string) => void;
	/** Transactions of this process run one at a time; the file lock orders them across processes. */
	#queue: Promise<unknown> = Promise.resolve();
	#orphansCleaned = false;
	/** The version last read or written by this store. */
	#snapshot: Snapshot | undefined;
	/**
	 * What transactions serialize the file into, in turn: the version known (the snapshot's bytes,
	 * compared against) stays in one while the next is written into the other.
	 */
	#buffers: Uint8Array[] = [];
	/** The newest backup lags the file: a backup step failed and no write has made one since. */
	#backupOwed = false;
	#toldUnsynced = false;
	#outsideChanges = 0;

	constructor(dir: string, options: TaskStoreOptions = {}) {
		this.#repo = dir;
		this.beadsDir = path.join(dir, '.beads');
		this.file = path.join(this.beadsDir, 'tasks.jsonl');
		this.backupDir = path.join(this.beadsDir, 'backups');
		this.#backups = options.backups ?? 20;
		this.#staleMs = options.staleMs ?? 10_000;
		this.#lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
		this.#clock = options.clock ?? systemClock;
		this.#notice = options.onNotice ?? (() => undefined);
	}

	/**
	 * Where notices go from now on (the TUI keeps them off its screen and shows them itself);
	 * returns the way back.
	 */
	redirectNotices(handler: (message: string) => void): () => void {
		const previous = this.#notice;
		this.#notice = handler;
		return () => {
			this.#notice = previous;
		};
	}

	/** A path relative to the repo, for messages. */
	get displayPath(): string {
		return path.join('.beads', 'tasks.jsonl');
	}

	async exists(): Promise<boolean> {
		return (await this.#identity()) !== undefined;
	}

	async read(): Promise<TaskTable> {
		const known = await this.#known();
		if (known !== 'unknown') return known?.table ?? new Map();
		const read = await this.#readFile();
		if (read === undefined) return new Map();
		const contents = parseStore(read.bytes, linesOf(this.#snapshot));
		if (contents.kind === 'ok') return this.#remember(read, contents.table, false).table;
		if (contents.kind === 'mistake') throw this.#mistakeError(contents);
		return this.#locked(async (lock) => (await this.#load(lock))?.table ?? new Map());
	}

	/**
	 * Whether the file is exactly the version this store last wrote: a change seen by a watcher is
	 * then the echo of this process's own write, with nothing new to read. Cheap: a stat, and a
	 * comparison of bytes only within a second of the write.
	 */
	async isOwnVersion(): Promise<boolean> {
		const snapshot = this.#snapshot;
		if (snapshot?.written !== true) return false;
		const known = await this.#known();
		return known === snapshot;
	}

	/**
	 * How many versions of the file this store has read that it did not write itself. A watcher
	 * that finds the file is our own version still has something new when this moved: one of our
	 * transactions re-read an outside change (a `task add`) and wrote it back with its own.
	 */
	get outsideChanges(): number {
		return this.#outsideChanges;
	}

	/** The file as it is, parsed but not repaired: for `validate`. */
	async inspect(): Promise<{readonly contents: StoreContents; readonly text: string} | undefined> {
		const bytes = await this.#readBytes();
		if (bytes === undefined) return undefined;
		const text = bytes.toString('utf8');
		const contents = parseStore(bytes);
		// An empty file is damage only when the last write was not an empty store (`init` leaves one).
		if (contents.kind === 'damaged' && text.trim() === '') {
			const backup = await this.#newestValidBackup();
			if (backup === undefined || backup.table.size === 0)
				return {contents: {kind: 'ok', table: new Map(), text}, text};
		}

		return {contents, text};
	}

	async update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T> {
		return this.#locked(async (lock) => {
			/** An edit saved in place into the version just replaced: applied again on top of it. */
			let landed: Snapshot | undefined;
			/** Once a rename has put the change in place it is done, whatever fails after. */
			let acknowledged: {readonly result: T} | undefined;
			for (let restarts = 0; ; restarts++) {
				try {
					const base = landed ?? (await this.#load(lock));
					landed = undefined;
					const {tasks, result} = change(base?.table ?? new Map());
					const settled = settleStatuses(tasks, this.#clock.now());
					const bytes = this.#serialize(settled, base);
					if (base?.bytes.equals(bytes)) return result;
					const edit = await this.#write(bytes, settled, lock, base, 'transaction');
					acknowledged = {result};
					landed = this.#onLandedEdit(edit);
					if (landed === undefined) return result;
				} catch (error) {
					const retry = error instanceof FileChanged && restarts < maxRestarts;
					if (acknowledged !== undefined && !retry) {
						// The change is on disk; only the edit that landed during its write is not.
						this.#notice(
							`${this.displayPath} was changed, but an edit saved into it during that write could not be applied on top (${(error as Error).message}); look at the file and redo that edit if it is missing.`,
						);
						return acknowledged.result;
					}

					if (!(error instanceof FileChanged)) throw error;
					if (!retry) {
						throw new StoreError(
							`${this.displayPath} changed on disk ${maxRestarts} times while a change was being written (is something rewriting it in a loop?); nothing was changed. Try again.`,
						);
					}
				}
			}
		});
	}

	/** The file's bytes for `table`, in one of the kept buffers that neither `base` nor the snapshot is in. */
	#serialize(table: TaskTable, base: Base): Buffer {
		const held = new Set([base?.bytes.buffer, this.#snapshot?.bytes.buffer]);
		let free = this.#buffers.findIndex((buffer) => !held.has(buffer.buffer));
		if (free === -1 && this.#buffers.length < 2) free = this.#buffers.length;
		const into = free === -1 ? undefined : this.#buffers[free];
		const bytes = serializeStoreBytes(table, into);
		if (free !== -1 && bytes.buffer !== into?.buffer)
			this.#buffers[free] = new Uint8Array(bytes.buffer);
		return asBuffer(bytes);
	}

	/**
	 * A transaction whose rename beat an editor saving in place loses nothing: the edit, parsed, is
	 * what the change applies to next, written over the version just written.
	 */
	#onLandedEdit(edit: Buffer | undefined): Snapshot | undefined {
		const ours = this.#snapshot;
		if (edit === undefined || ours?.written !== true) return undefined;
		const contents = parseStore(edit);
		if (contents.kind !== 'ok') return undefined;
		return {...ours, table: contents.table};
	}

	/**
	 * What `jetpack-tui recover` does to the file: restore a damaged or mistaken store from the
	 * newest backup that validates (keeping the bad file aside), or a missing one.
	 */
	async recover(): Promise<RecoverOutcome> {
		// Nothing to recover must not create `.beads/` in a repo that never had a store.
		if ((await this.#identity()) === undefined && (await this.listBackups()).length === 0)
			return {kind: 'missing'};
		return this.#locked(async (lock) => {
			for (let restarts = 0; ; restarts++) {
				try {
					return await this.#recover(lock);
				} catch (error) {
					if (!(error instanceof FileChanged) || restarts >= maxRestarts) throw error;
				}
			}
		});
	}

	async #recover(lock: HeldLock): Promise<RecoverOutcome> {
		const read = await this.#readFile();
		const contents = read === undefined ? undefined : parseStore(read.bytes);
		if (contents?.kind === 'ok') return {kind: 'healthy'};
		if (read === undefined || contents === undefined) {
			const backup = await this.#newestValidBackup();
			if (backup === undefined) return {kind: 'missing'};
			await this.#write(Buffer.from(backup.text), backup.table, lock, undefined, 'repair');
			return {
				kind: 'restored',
				reason: `${this.displayPath} was missing`,
				backup: backup.info,
				rolledBack: [],
			};
		}

		const reason =
			contents.kind === 'damaged'
				? contents.reason
				: `line ${contents.problems[0]?.line ?? '?'} has a mistake (${contents.problems.length} problem${contents.problems.length === 1 ? '' : 's'})`;
		if (contents.kind === 'mistake' && (await this.#newestValidBackup()) === undefined) {
			// Nothing to go back to: the person's file stays as it is for them to fix.
			return {kind: 'no-backup', reason};
		}

		const readable = contents.kind === 'damaged' ? contents.readable : new Map();
		return this.#restore(lock, read, reason, readable);
	}

	async listBackups(): Promise<string[]> {
		return listBackups(this.backupDir);
	}

	async #identity(): Promise<FileIdentity | undefined> {
		try {
			// Synchronous: a stat is page-cache work, cheaper than its trip through the thread pool.
			return identityOf(statSync(this.file, {bigint: true}));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw explainFsError(error, this.#repo, this.displayPath);
		}
	}

	async #readBytes(): Promise<Buffer | undefined> {
		try {
			return await readFile(this.file);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw explainFsError(error, this.#repo, this.displayPath);
		}
	}

	/** The file's bytes with the identity they were read under (read again if it changed meanwhile). */
	async #readFile(): Promise<{identity: FileIdentity; bytes: Buffer} | undefined> {
		for (;;) {
			let handle;
			try {
				handle = await open(this.file, 'r');
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
				throw explainFsError(error, this.#repo, this.displayPath);
			}

			try {
				const before = identityOf(await handle.stat({bigint: true}));
				const bytes = await handle.readFile();
				const after = identityOf(await handle.stat({bigint: true}));
				if (sameIdentity(before, after)) return {identity: after, bytes};
			} catch (error) {
				throw explainFsError(error, this.#repo, this.displayPath);
			} finally {
				await handle.close();
			}
		}
	}

	/**
	 * The snapshot when the file is still the version it holds, undefined when there is no file,
	 * 'unknown' when the file must be read.
	 */
	async #known(): Promise<Snapshot | undefined | 'unknown'> {
		const identity = await this.#identity();
		if (identity === undefined) return undefined;
		const snapshot = this.#snapshot;
		if (snapshot === undefined || !sameIdentity(snapshot.identity, identity)) return 'unknown';
		if (!isRacy(snapshot)) return snapshot;
		const checkedAt = Date.now();
		if (!this.#stillHolds(snapshot)) return 'unknown';
		snapshot.verifiedAt = checkedAt;
		return snapshot;
	}

	/** Whether the file is still `snapshot`: the same identity before and after, the same bytes. */
	#stillHolds(snapshot: Snapshot): boolean {
		let fd: number;
		try {
			fd = openSync(this.file, 'r');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
			throw explainFsError(error, this.#repo, this.displayPath);
		}

		try {
			const unchanged = () =>
				sameIdentity(identityOf(fstatSync(fd, {bigint: true})), snapshot.identity);
			return unchanged() && holdsBytes(fd, snapshot.bytes) && unchanged();
		} catch (error) {
			throw explainFsError(error, this.#repo, this.displayPath);
		} finally {
			closeSync(fd);
		}
	}

	#remember(
		read: {identity: FileIdentity; bytes: Buffer},
		table: TaskTable,
		written: boolean,
		verifiedAt = Date.now(),
	): Snapshot {
		const snapshot: Snapshot = {...read, table, written, verifiedAt};
		// Only ever called for a version that is not the one known: a read of it is news.
		if (!written) this.#outsideChanges++;
		this.#snapshot = snapshot;
		return snapshot;
	}

	/** Runs `work` under the file lock, after this process's earlier transactions. */
	async #locked<T>(work: (lock: HeldLock) => Promise<T>): Promise<T> {
		const run = this.#queue
			.then(async () => this.#underLock(work))
			.catch((error: unknown) => {
				throw explainFsError(error, this.#repo, this.displayPath);
			});
		this.#queue = run.catch(() => undefined);
		return run;
	}

	async #underLock<T>(work: (lock: HeldLock) => Promise<T>): Promise<T> {
		mkdirSync(this.beadsDir, {recursive: true});
		this.#refuseSymlink();
		for (let losses = 0; ; losses++) {
			const lock = await acquireStoreLock(this.file, {
				staleMs: this.#staleMs,
				timeoutMs: this.#lockTimeoutMs,
				onWait: (holder) => {
					this.#notice(`waiting for the lock on ${this.displayPath}, held by ${holder}…`);
				},
			});
			try {
				await this.#cleanOrphans();
				return await work(lock);
			} catch (error) {
				// Our event loop stalled past the stale time and another process took the lock:
				// nothing was written; take it again, re-read and apply again.
				if (!(error instanceof LockLost)) throw error;
				if (losses < maxLockLosses) continue;
				throw new StoreError(
					`Lost the lock on ${this.displayPath} ${maxLockLosses + 1} times in a row (is the machine overloaded?); nothing was changed. Try again.`,
				);
			} finally {
				await lock.release();
			}
		}
	}

	/**
	 * The store is replaced by rename, which would turn a symlink into a plain file and leave its
	 * target behind; backups and the lock would not follow it either.
	 */
	#refuseSymlink(): void {
		let stats;
		try {
			stats = lstatSync(this.file);
		} catch {
			// No file yet, or none we can look at: the write will say what is wrong.
			return;
		}

		if (stats.isSymbolicLink()) {
			throw new StoreError(
				`${this.displayPath} is a symbolic link; jetpack-tui replaces the file on every write, so put the real file there (or point -C at the repository that holds it).`,
			);
		}
	}

	/** The store under the lock, from memory when the file is the version known, repairing damage. */
	async #load(lock: HeldLock): Promise<Base> {
		for (let restarts = 0; ; restarts++) {
			const known = await this.#known();
			if (known !== 'unknown') return known;
			const settled = await this.#settledRead();
			if (settled === undefined) return undefined;
			const {contents, ...read} = settled;
			if (contents.kind === 'ok') return this.#remember(read, contents.table, false);
			if (contents.kind === 'mistake') throw this.#mistakeError(contents);
			let outcome: RecoverOutcome;
			try {
				outcome = await this.#restore(lock, read, contents.reason, contents.readable);
			} catch (error) {
				if (error instanceof FileChanged && restarts < maxRestarts) continue;
				throw error;
			}

			// An empty file and no backup at all: an empty store, left as it is.
			if (outcome.kind === 'no-backup') return this.#remember(read, new Map(), false);
			this.#tell(outcome);
			const repaired = await this.#known();
			if (repaired === 'unknown' || repaired === undefined)
				throw new StoreError(`${this.file} could not be repaired; see ${this.beadsDir}.`);
			return repaired;
		}
	}

	/**
	 * The file's bytes, read again after a moment while they look damaged and keep changing: an
	 * editor that saves in place empties the file before writing it.
	 */
	async #settledRead(): Promise<
		{identity: FileIdentity; bytes: Buffer; contents: StoreContents} | undefined
	> {
		let read = await this.#readFile();
		let steady = 0;
		const known = linesOf(this.#snapshot);
		for (let tries = 0; read !== undefined; tries++) {
			const contents = parseStore(read.bytes, known);
			if (steady >= steadyReads || contents.kind !== 'damaged' || tries >= settleTries)
				return {...read, contents};
			await sleep(settleMs);
			const again = await this.#readFile();
			steady = again !== undefined && again.bytes.equals(read.bytes) ? steady + 1 : 0;
			read = again;
		}

		return undefined;
	}

	/** Keeps the bad file aside (a hard link: its bytes stay as they were) and puts the newest valid backup in its place. */
	async #restore(
		lock: HeldLock,
		read: {identity: FileIdentity; bytes: Buffer},
		reason: string,
		readable: TaskTable,
	): Promise<RecoverOutcome> {
		const {bytes} = read;
		const backup = await this.#newestValidBackup();
		const isBlank = bytes.toString('utf8').trim() === '';
		if (isBlank && (backup === undefined || backup.table.size === 0)) {
			// No backup at all, or the last write was an empty store (`init`): an empty file is
			// simply an empty store.
			return {kind: 'no-backup', reason};
		}

		const base: Snapshot = {...read, table: readable, written: false, verifiedAt: 0};
		const keptAs = await this.#keepAside(bytes);
		if (backup === undefined) {
			await this.#write(asBuffer(serializeStoreBytes(readable)), readable, lock, base, 'salvage');
			return {kind: 'salvaged', reason, keptAs, taskCount: readable.size};
		}

		await this.#write(Buffer.from(backup.text), backup.table, lock, base, 'repair');
		const rolledBack = [...readable.values()]
			.filter((task) => {
				const old = backup.table.get(task.id);
				return old === undefined || taskToJsonLine(old) !== taskToJsonLine(task);
			})
			.map((task) => task.id);
		return {kind: 'restored', reason, keptAs, backup: backup.info, rolledBack};
	}

	#tell(outcome: RecoverOutcome): void {
		const message = describeRecovery(outcome, this.displayPath);
		if (message !== undefined) this.#notice(message);
	}

	async #keepAside(bytes: Buffer): Promise<string> {
		const aside = `${this.file}.corrupt-${fileStamp(this.#clock.now())}`;
		try {
			await link(this.file, aside);
		} catch {
			// No hard links here (or the file went away): write the bytes we read instead.
			await replaceFile(aside, bytes);
		}

		return path.relative(path.dirname(this.beadsDir), aside);
	}

	async #newestValidBackup(): Promise<
		{readonly text: string; readonly table: TaskTable; readonly info: BackupInfo} | undefined
	> {
		for (const file of await this.listBackups()) {
			const bytes = await readFile(file).catch(() => undefined);
			if (bytes === undefined) continue;
			// Backups are versions this program wrote: an empty one is a valid empty store.
			const contents = bytes.length === 0 ? undefined : parseStore(bytes);
			if (contents !== undefined && contents.kind !== 'ok') continue;
			const {mtime} = await stat(file);
			const table = contents?.kind === 'ok' ? contents.table : new Map<string, never>();
			return {
				text: bytes.toString('utf8'),
				table,
				info: {file, savedAt: mtime, taskCount: table.size},
			};
		}

		return undefined;
	}

	/** Whether the newest backup holds exactly `bytes`. */
	async #newestBackupHolds(bytes: Buffer): Promise<boolean> {
		const [newest] = await this.listBackups();
		if (newest === undefined) return false;
		const stats = await stat(newest).catch(() => undefined);
		if (stats?.size !== bytes.length) return false;
		const held = await readFile(newest).catch(() => undefined);
		return held?.equals(bytes) === true;
	}

	/**
	 * Throws FileChanged unless the file is still the one `base` read: same inode, size and time,
	 * and the same bytes. Its ctime is left out: linking it into the backups moves it. Synchronous,
	 * so that it runs right before the rename (an editor takes no lock and may save at any moment).
	 * Returns the file, open, to see whether an editor writes into it in place after the check.
	 */
	#assertUnchanged(base: Base): {fd: number; identity: FileIdentity} | undefined {
		waitForRenamesIn(this.beadsDir);
		let fd: number;
		try {
			fd = openSync(this.file, 'r');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			if (base === undefined) return undefined;
			throw new FileChanged();
		}

		try {
			const same = base !== undefined && holdsBytes(fd, base.bytes);
			const identity = identityOf(fstatSync(fd, {bigint: true}));
			// The path last: a rename over the file after this would go unseen.
			const live = statSync(this.file, {bigint: true});
			const known = base?.identity;
			if (
				live.ino !== identity.ino ||
				known?.dev !== identity.dev ||
				known.ino !== identity.ino ||
				known.size !== identity.size ||
				known.mtimeNs !== identity.mtimeNs ||
				!same
			)
				throw new FileChanged();
			return {fd, identity};
		} catch (error) {
			closeSync(fd);
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new FileChanged();
			throw error;
		}
	}

	/**
	 * The bytes an editor wrote in place into the file just replaced, after the check that let the
	 * rename go: undefined when it was left alone. Read once they stop changing.
	 */
	async #landedEdit(checked: {fd: number; identity: FileIdentity}): Promise<Buffer | undefined> {
		const {fd, identity} = checked;
		try {
			const after = identityOf(fstatSync(fd, {bigint: true}));
			// Not the ctime: the rename that unlinked the file moved it.
			if (identity.size === after.size && identity.mtimeNs === after.mtimeNs) return undefined;
			let bytes = readWhole(fd);
			for (let tries = 0; tries < settleTries; tries++) {
				await sleep(settleMs);
				const again = readWhole(fd);
				if (again.equals(bytes)) break;
				bytes = again;
			}

			return bytes;
		} catch (error) {
			this.#notice(
				`${this.displayPath} was written, but whether an editor saved into it meanwhile could not be checked (${(error as Error).message}); look at the file and redo a recent edit if it is missing.`,
			);
			return undefined;
		} finally {
			closeSync(fd);
		}
	}

	/**
	 * Replaces the store with `bytes` durably, unless it is no longer the version `base` read
	 * (FileChanged: nothing is written). A transaction's write (`transaction`) leaves the newest
	 * backup holding `bytes` in a file of its own, and hard-links a version the store did not write
	 * itself (a hand edit) into the backups before replacing it. A repair does neither: it puts back
	 * the newest backup, and keeps the damaged file aside on its own.
	 */
	async #write(
		bytes: Buffer,
		table: TaskTable,
		lock: HeldLock,
		base: Base,
		kind: 'transaction' | 'repair' | 'salvage',
	): Promise<Buffer | undefined> {
		const now = this.#clock.now();
		let pending: string | undefined;
		let replaced: string | undefined;
		let written: FileIdentity | undefined;
		let checked: {fd: number; identity: FileIdentity} | undefined;
		try {
			await replaceFile(
				this.file,
				bytes,
				async (temp) => {
					await lock.assertHeld();
					// Backups are the safety net, not the store: a backups folder that cannot take one
					// (replaced by a file, full) does not stop the write; the next write makes it up.
					if (kind !== 'repair')
						pending = await this.#backingUp(async () => prepareBackup(temp, this.backupDir));
					if (kind === 'transaction' && base !== undefined && (!base.written || this.#backupOwed))
						replaced = await this.#backingUp(async () =>
							(await this.#newestBackupHolds(base.bytes))
								? undefined
								: backUpVersion(this.file, this.backupDir, now),
						);
					written = identityOf(await stat(temp, {bigint: true}));
				},
				() => {
					checked = this.#assertUnchanged(base);
				},
			);
		} catch (error) {
			if (checked !== undefined) closeSync(checked.fd);
			if (pending !== undefined) await unlink(pending).catch(() => undefined);
			if (replaced !== undefined) await unlink(replaced).catch(() => undefined);
			throw error;
		}

		// From here on the new version is what every reader sees: the change is made, and nothing
		// below may report it failed (a caller would redo it: claim again, say `done` failed).
		await this.#afterRename(pending, replaced, now);
		try {
			// The rename moved the ctime; the file is ours only if its inode is the one we wrote.
			const identity = await this.#identity();
			if (identity !== undefined && written !== undefined && identity.ino === written.ino) {
				this.#remember({identity, bytes}, table, true);
			} else this.#snapshot = undefined;
		} catch {
			this.#snapshot = undefined;
		}

		// Looked at last: an editor's save in place that began before the rename may finish only
		// once the journal is free of our fsyncs.
		if (checked === undefined) return undefined;
		return this.#landedEdit(checked);
	}

	/**
	 * The folder's fsync and the backup's commit, once the rename is done. A failing fsync of the
	 * folder is the one real loss of durability: the disk said it may not keep the rename through
	 * a power cut. The change is still reported made: it is the version every reader sees already
	 * (other processes act on it at once), and a caller told it failed would do it again on top
	 * of it. The person is told instead, once, to look at the disk.
	 */
	async #afterRename(
		pending: string | undefined,
		replaced: string | undefined,
		now: Date,
	): Promise<void> {
		try {
			await fsyncDirectory(this.beadsDir);
		} catch (error) {
			if (!this.#toldUnsynced) {
				this.#toldUnsynced = true;
				this.#notice(
					`${this.displayPath} was written, but the disk reported an error making it durable (${(error as Error).message}); it may not survive a power cut or crash. Check the disk (dmesg) before relying on it.`,
				);
			}
		}

		await this.#backingUp(async () => {
			if (pending !== undefined) {
				try {
					await commitBackup(pending, this.backupDir, now);
				} catch (error) {
					await unlink(pending).catch(() => undefined);
					throw error;
				}
			}

			if (pending !== undefined || replaced !== undefined)
				await pruneBackups(this.backupDir, this.#backups);
			// This write's own backup is the newest: nothing is owed any more.
			if (pending !== undefined) this.#backupOwed = false;
		});
	}

	/**
	 * Runs a backup step; when it fails the write goes on without it, and the person is told once
	 * until a later write makes its backup again.
	 */
	async #backingUp<T>(step: () => Promise<T>): Promise<T | undefined> {
		try {
			return await step();
		} catch (error) {
			if (error instanceof LockLost) throw error;
			if (!this.#backupOwed) {
				this.#notice(
					`${this.displayPath} was written without its backup: ${path.join('.beads', 'backups')} could not take it (${(error as Error).message}). Make sure it is a folder jetpack-tui can write; the next write backs the store up again.`,
				);
			}

			this.#backupOwed = true;
			return undefined;
		}
	}

	/** Temp files of writers that were killed before their rename. Only writers holding the lock make them. */
	async #cleanOrphans(): Promise<void> {
		if (this.#orphansCleaned) return;
		this.#orphansCleaned = true;
		for (const name of await readdir(this.beadsDir)) {
			if (tempPattern.test(name))
				await unlink(path.join(this.beadsDir, name)).catch(() => undefined);
		}

		await removePendingBackups(this.backupDir);
	}

	#mistakeError(contents: Extract<StoreContents, {kind: 'mistake'}>): StoreError {
		const [first] = contents.problems;
		const where = first === undefined ? this.displayPath : describeProblem(this.displayPath, first);
		if (contents.conflict) {
			return new StoreError(`${where}; resolve the merge, then run \`jetpack-tui validate\`.`);
		}

		const more = contents.problems.length - 1;
		const rest =
			more > 0
				? ` (and ${more} more problem${more === 1 ? '' : 's'}; \`jetpack-tui validate\` lists them)`
				: '';
		return new StoreError(
			`${where}${rest}. Fix the line by hand, or run \`jetpack-tui recover\` to go back to the last good backup.`,
		);
	}
}

/** What a repair did, in words for the person; undefined when there is nothing to say. */
export function describeRecovery(outcome: RecoverOutcome, file: string): string | undefined {
	switch (outcome.kind) {
		case 'healthy':
		case 'missing':
		case 'no-backup': {
			return undefined;
		}

		case 'salvaged': {
			return `${file} was damaged (${outcome.reason}) and no backup validates; the damaged file is kept as ${outcome.keptAs}, and the ${outcome.taskCount} tasks that could still be read are now the store.`;
		}

		case 'restored': {
			const {backup} = outcome;
			const kept =
				outcome.keptAs === undefined ? '' : ` The damaged file is kept as ${outcome.keptAs}.`;
			const lost =
				outcome.rolledBack.length > 0
					? ` ${outcome.rolledBack.length} task${outcome.rolledBack.length === 1 ? '' : 's'} may have rolled back: ${outcome.rolledBack.slice(0, 8).join(', ')}${outcome.rolledBack.length > 8 ? ', …' : ''}.`
					: ` Changes made after ${backup.savedAt.toISOString()} may be lost.`;
			return `${file}: ${outcome.reason}; restored ${backup.taskCount} tasks from ${path.basename(backup.file)} (saved ${backup.savedAt.toISOString()}).${kept}${lost}`;
		}
	}
}
