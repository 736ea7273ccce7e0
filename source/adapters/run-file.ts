/**
 * `.jetpack/run.json`: which run holds the repository, with a heartbeat (PRODUCT.md §9). On this
 * machine a run is live while its process is: a stopped or starved process (SIGSTOP, a full disk
 * that keeps its heartbeat from being written) is not a dead one, and its start time tells it from
 * a later process that got the same pid. A run on another machine is live while its heartbeat is
 * fresh.
 */
import {randomUUID} from 'node:crypto';
import {link, mkdir, open, readFile, rename, unlink} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {UsageError} from '../core/errors.js';
import type {ClaimedBy} from '../core/task.js';
import {replaceFile} from './atomic-write.js';
import {aliveSince} from './process-start.js';
import {acquireStoreLock} from './store-lock.js';

export interface RunInfo {
	readonly runId: string;
	readonly pid: number;
	readonly host: string;
	readonly startedAt: string;
	readonly heartbeatAt: string;
	readonly agents?: readonly string[];
}

export const heartbeatMs = 5000;
/** Three missed heartbeats. */
const staleMs = 3 * heartbeatMs;

export function runFilePath(dir: string): string {
	return path.join(dir, '.jetpack', 'run.json');
}

export async function readRunInfo(dir: string): Promise<RunInfo | undefined> {
	try {
		const info = JSON.parse(await readFile(runFilePath(dir), 'utf8')) as Partial<RunInfo> | null;
		return typeof info?.runId === 'string' && typeof info.pid === 'number'
			? (info as RunInfo)
			: undefined;
	} catch {
		// Missing or half written by a crash: no run holds the repository.
		return undefined;
	}
}

/** Whether the run the file names is still going. */
export function isLive(info: RunInfo, now: number): boolean {
	if (info.host !== os.hostname()) return now - Date.parse(info.heartbeatAt) < staleMs;
	return aliveSince(info.pid, Date.parse(info.startedAt));
}

/**
 * Whether the run that made `claim` (at `claimedAt`, the task's `startedAt`) may still be working
 * on it, judged without its run file: its process is alive on this machine and is the one that
 * claimed. A claim from another machine is judged by the run file alone.
 */
export function claimantAlive(claim: ClaimedBy, claimedAt: string | undefined): boolean {
	return (
		claim.host === os.hostname() &&
		aliveSince(claim.pid, claimedAt === undefined ? Number.NaN : Date.parse(claimedAt))
	);
}

export interface RunFileOptions {
	/** Another run's file replaced ours: this run must stop claiming at once. */
	readonly onLost?: (holder: RunInfo) => void;
}

export class RunFile {
	readonly info: RunInfo;
	/** The run whose file this one replaced because it was gone, if any. */
	readonly replaced: RunInfo | undefined;
	#timer: NodeJS.Timeout | undefined;
	#lost = false;

	private constructor(
		private readonly dir: string,
		info: RunInfo,
		replaced: RunInfo | undefined,
		private readonly options: RunFileOptions,
	) {
		this.info = info;
		this.replaced = replaced;
	}

	/**
	 * Takes the repository for a new run, or refuses when a live run holds it. Creating the file is
	 * exclusive and a gone one is renamed away first, so two runs starting at once cannot both win.
	 */
	static async claim(
		dir: string,
		agents: readonly string[],
		options: RunFileOptions = {},
	): Promise<RunFile> {
		const target = runFilePath(dir);
		await mkdir(path.dirname(target), {recursive: true});
		const now = new Date().toISOString();
		const info: RunInfo = {
			runId: randomUUID().slice(0, 8),
			pid: process.pid,
			host: os.hostname(),
			startedAt: now,
			heartbeatAt: now,
			agents,
		};
		// A live run is refused before anything is written: on a full disk that is all that works.
		refuseLive(await readRunInfo(dir));
		let replaced: RunInfo | undefined;
		// Starters take turns: judging the file there gone and moving it aside must be one step, or
		// two starters could each move the other's fresh file away.
		const lock = await acquireStoreLock(target, {staleMs: 10_000, timeoutMs: 30_000});
		try {
			for (;;) {
				if (await createExclusive(target, `${JSON.stringify(info)}\n`)) break;
				const current = await readRunInfo(dir);
				refuseLive(current);

				// Gone, or not a run file at all: moved aside, and ours takes its place.
				replaced = current;
				await rename(target, `${target}.gone`).catch((error: NodeJS.ErrnoException) => {
					if (error.code !== 'ENOENT') throw error;
				});
			}
		} finally {
			await lock.release();
		}

		const file = new RunFile(dir, info, replaced, options);
		file.#timer = setInterval(() => {
			void file.#heartbeat();
		}, heartbeatMs);
		file.#timer.unref();
		return file;
	}

	/** Whether this run still holds the repository: checked before claiming, as well as on each beat. */
	async holds(): Promise<boolean> {
		if (this.#lost) return false;
		const current = await readRunInfo(this.dir);
		if (current === undefined || current.runId === this.info.runId) return true;
		this.#lose(current);
		return false;
	}

	#lose(holder: RunInfo): void {
		if (this.#lost) return;
		this.#lost = true;
		clearInterval(this.#timer);
		this.options.onLost?.(holder);
	}

	async #heartbeat(): Promise<void> {
		if (this.#lost) return;
		const current = await readRunInfo(this.dir);
		if (current !== undefined && current.runId !== this.info.runId) {
			// Never write over another run's file: it holds the repository now, and we stop claiming.
			this.#lose(current);
			return;
		}

		const text = `${JSON.stringify({...this.info, heartbeatAt: new Date().toISOString()})}\n`;
		try {
			// Removed by hand: ours again, but only if nobody else took it meanwhile.
			if (current === undefined) await createExclusive(runFilePath(this.dir), text);
			else await replaceFile(runFilePath(this.dir), text);
		} catch {
			// A full disk: on this machine the run is judged live by its process, not its heartbeat,
			// so a missed beat harms nothing; the next one tries again.
		}
	}

	async release(): Promise<void> {
		clearInterval(this.#timer);
		const current = await readRunInfo(this.dir);
		if (current?.runId === this.info.runId)
			await unlink(runFilePath(this.dir)).catch(() => undefined);
	}
}

function refuseLive(current: RunInfo | undefined): void {
	if (current !== undefined && isLive(current, Date.now())) {
		throw new UsageError(
			`Another run (pid ${current.pid} on ${current.host}, started ${current.startedAt}) is working in this repository; stop it first, or use \`jetpack-tui status\` to watch it.`,
		);
	}
}

/**
 * Creates `file` with `text` unless it exists, whole or not at all: the text goes to a temp file
 * first and is linked into place, so no reader ever sees it empty or half written (which would
 * read as a run that is gone), and a full disk leaves nothing behind.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
	const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}`;
	try {
		const handle = await open(temp, 'wx');
		try {
			await handle.writeFile(text);
			await handle.sync();
		} finally {
			await handle.close();
		}

		await link(temp, file);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw error;
	} finally {
		await unlink(temp).catch(() => undefined);
	}
}
