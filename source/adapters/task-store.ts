/**
 * `.beads/tasks.jsonl` on disk (PRODUCT.md §3). Every mutation is one transaction: lock, re-read,
 * apply, write a temp file and fsync it, rename it over the store, fsync the folder, unlock. The
 * version being replaced is hard-linked into `.beads/backups/` first, so a backup copies nothing.
 * A damaged store is kept aside byte for byte and the newest backup that validates is restored.
 */
import {link, lstat, mkdir, readdir, readFile, stat, unlink} from 'node:fs/promises';
import path from 'node:path';
import {StoreError} from '../core/errors.js';
import type {Change, Clock, TaskRepository} from '../core/ports.js';
import {
	describeProblem,
	parseStore,
	serializeStore,
	type StoreContents,
} from '../core/store-format.js';
import {settleStatuses, taskToJsonLine, type TaskTable} from '../core/task.js';
import {backUpVersion, fileStamp, fsyncDirectory, listBackups, pruneBackups} from './backups.js';
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

interface Loaded {
	readonly table: TaskTable;
	/** The file's text as read, or undefined when there is no file yet. */
	readonly text: string | undefined;
}

const systemClock: Clock = {now: () => new Date()};
/** `replaceFile` names its temp files `<file>.<digits>`. */
const tempPattern = /^tasks\.jsonl\.\d+$/;
const maxLockLosses = 5;

export class TaskStore implements TaskRepository {
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
		return (await this.#readBytes()) !== undefined;
	}

	async read(): Promise<TaskTable> {
		const bytes = await this.#readBytes();
		if (bytes === undefined) return new Map();
		const contents = parseStore(bytes);
		if (contents.kind === 'ok') return contents.table;
		if (contents.kind === 'mistake') throw this.#mistakeError(contents);
		return this.#locked(async (lock) => (await this.#load(lock)).table);
	}

	/** The file as it is, parsed but not repaired: for `validate`. */
	async inspect(): Promise<{readonly contents: StoreContents; readonly text: string} | undefined> {
		const bytes = await this.#readBytes();
		if (bytes === undefined) return undefined;
		return {contents: parseStore(bytes), text: bytes.toString('utf8')};
	}

	async update<T>(change: (tasks: TaskTable) => Change<T>): Promise<T> {
		return this.#locked(async (lock) => {
			const {table, text: current} = await this.#load(lock);
			const {tasks, result} = change(table);
			const text = serializeStore(settleStatuses(tasks, this.#clock.now()));
			if (current !== text) await this.#replace(text, lock, current !== undefined);
			return result;
		});
	}

	/**
	 * What `jetpack-tui recover` does to the file: restore a damaged or mistaken store from the
	 * newest backup that validates (keeping the bad file aside), or a missing one.
	 */
	async recover(): Promise<RecoverOutcome> {
		// Nothing to recover must not create `.beads/` in a repo that never had a store.
		if ((await this.#readBytes()) === undefined && (await this.listBackups()).length === 0)
			return {kind: 'missing'};
		return this.#locked(async (lock) => {
			const bytes = await this.#readBytes();
			const contents = bytes === undefined ? undefined : parseStore(bytes);
			if (contents?.kind === 'ok') return {kind: 'healthy'};
			if (bytes === undefined || contents === undefined) {
				const backup = await this.#newestValidBackup();
				if (backup === undefined) return {kind: 'missing'};
				await this.#replace(backup.text, lock, false);
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
			return this.#restore(lock, bytes, reason, readable);
		});
	}

	async listBackups(): Promise<string[]> {
		return listBackups(this.backupDir);
	}

	async #readBytes(): Promise<Buffer | undefined> {
		try {
			return await readFile(this.file);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw explainFsError(error, this.#repo, this.displayPath);
		}
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
		await mkdir(this.beadsDir, {recursive: true});
		await this.#refuseSymlink();
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
	async #refuseSymlink(): Promise<void> {
		const stats = await lstat(this.file).catch(() => undefined);
		if (stats?.isSymbolicLink()) {
			throw new StoreError(
				`${this.displayPath} is a symbolic link; jetpack-tui replaces the file on every write, so put the real file there (or point -C at the repository that holds it).`,
			);
		}
	}

	/** Reads the store under the lock, repairing damage. */
	async #load(lock: HeldLock): Promise<Loaded> {
		const bytes = await this.#readBytes();
		if (bytes === undefined) return {table: new Map(), text: undefined};
		const contents = parseStore(bytes);
		if (contents.kind === 'ok') return contents;
		if (contents.kind === 'mistake') throw this.#mistakeError(contents);
		const outcome = await this.#restore(lock, bytes, contents.reason, contents.readable);
		if (outcome.kind === 'no-backup') return {table: new Map(), text: bytes.toString('utf8')};
		this.#tell(outcome);
		const repaired = await this.#readBytes();
		const after = repaired === undefined ? undefined : parseStore(repaired);
		if (after?.kind !== 'ok')
			throw new StoreError(`${this.file} could not be repaired; see ${this.beadsDir}.`);
		return after;
	}

	/** Keeps the bad file aside (a hard link: its bytes stay as they were) and puts the newest valid backup in its place. */
	async #restore(
		lock: HeldLock,
		bytes: Buffer,
		reason: string,
		readable: TaskTable,
	): Promise<RecoverOutcome> {
		const backup = await this.#newestValidBackup();
		const isBlank = bytes.toString('utf8').trim() === '';
		if (backup === undefined && isBlank) {
			// No backup at all: an empty file is simply an empty store.
			return {kind: 'no-backup', reason};
		}

		const keptAs = await this.#keepAside(bytes);
		if (backup === undefined) {
			await this.#replace(serializeStore(readable), lock, false);
			return {kind: 'salvaged', reason, keptAs, taskCount: readable.size};
		}

		await this.#replace(backup.text, lock, false);
		const restored = parseStore(Buffer.from(backup.text));
		const restoredTable = restored.kind === 'ok' ? restored.table : new Map();
		const rolledBack = [...readable.values()]
			.filter((task) => {
				const old = restoredTable.get(task.id);
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
		{readonly text: string; readonly info: BackupInfo} | undefined
	> {
		for (const file of await this.listBackups()) {
			const bytes = await readFile(file).catch(() => undefined);
			if (bytes === undefined) continue;
			// Backups are versions this program wrote: an empty one is a valid empty store.
			const contents = bytes.length === 0 ? undefined : parseStore(bytes);
			if (contents !== undefined && contents.kind !== 'ok') continue;
			const {mtime} = await stat(file);
			const taskCount = contents?.kind === 'ok' ? contents.table.size : 0;
			return {text: bytes.toString('utf8'), info: {file, savedAt: mtime, taskCount}};
		}

		return undefined;
	}

	/**
	 * Replaces the store with `text` durably. The version replaced is linked into the backups only
	 * once the new one is safely on disk, right before the rename, so that the live file and a
	 * backup share an inode for as short a time as possible.
	 */
	async #replace(text: string, lock: HeldLock, backUp: boolean): Promise<void> {
		let backup: string | undefined;
		try {
			await replaceFile(this.file, text, async () => {
				await lock.assertHeld();
				if (backUp) backup = await backUpVersion(this.file, this.backupDir, this.#clock.now());
			});
		} catch (error) {
			if (backup !== undefined) await unlink(backup).catch(() => undefined);
			throw error;
		}

		// The data is fsynced; the rename is durable only once the folder is.
		await fsyncDirectory(this.beadsDir);
		if (backUp) await pruneBackups(this.backupDir, this.#backups);
	}

	/** Temp files of writers that were killed before their rename. Only writers holding the lock make them. */
	async #cleanOrphans(): Promise<void> {
		if (this.#orphansCleaned) return;
		this.#orphansCleaned = true;
		for (const name of await readdir(this.beadsDir)) {
			if (tempPattern.test(name))
				await unlink(path.join(this.beadsDir, name)).catch(() => undefined);
		}
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
