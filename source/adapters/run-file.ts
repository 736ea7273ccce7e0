/**
 * `.jetpack/run.json`: which run holds the repository, with a heartbeat (PRODUCT.md §9). A run is
 * gone when the file names another run whose heartbeat is stale, or whose pid is dead on this
 * machine — never the pid alone, since pids are reused.
 */
import {randomUUID} from 'node:crypto';
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {UsageError} from '../core/errors.js';
import {replaceFile} from './atomic-write.js';
import {isAlive} from './pid.js';

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
		return JSON.parse(await readFile(runFilePath(dir), 'utf8')) as RunInfo;
	} catch {
		// Missing or half written by a crash: no run holds the repository.
		return undefined;
	}
}

/** Whether the run the file names is still going. */
export function isLive(info: RunInfo, now: number): boolean {
	const fresh = now - Date.parse(info.heartbeatAt) < staleMs;
	if (info.host !== os.hostname()) return fresh;
	return fresh && isAlive(info.pid);
}

export class RunFile {
	readonly info: RunInfo;
	#timer: NodeJS.Timeout | undefined;

	private constructor(
		private readonly dir: string,
		info: RunInfo,
	) {
		this.info = info;
	}

	/**
	 * Takes the repository for a new run, or refuses when a live run holds it. Creating the file is
	 * exclusive and a stale one is renamed away first, so two runs starting at once cannot both win.
	 */
	static async claim(dir: string, agents: readonly string[]): Promise<RunFile> {
		const target = runFilePath(dir);
		await mkdir(path.dirname(target), {recursive: true});
		const now = new Date().toISOString();
		const file = new RunFile(dir, {
			runId: randomUUID().slice(0, 8),
			pid: process.pid,
			host: os.hostname(),
			startedAt: now,
			heartbeatAt: now,
			agents,
		});
		for (let tries = 0; ; tries++) {
			try {
				await writeFile(target, `${JSON.stringify(file.info)}\n`, {flag: 'wx'});
				break;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 5) throw error;
			}

			const current = await readRunInfo(dir);
			if (current !== undefined && isLive(current, Date.now())) {
				throw new UsageError(
					`Another run (pid ${current.pid} on ${current.host}, started ${current.startedAt}) is working in this repository; stop it first, or use \`jetpack-tui status\` to watch it.`,
				);
			}

			// Gone (or half written by a crash): move it aside; of two starters only one rename succeeds.
			await rename(target, `${target}.gone`).catch((error: NodeJS.ErrnoException) => {
				if (error.code !== 'ENOENT') throw error;
			});
		}

		file.#timer = setInterval(() => {
			void file.#write().catch(() => undefined);
		}, heartbeatMs);
		file.#timer.unref();
		return file;
	}

	async #write(): Promise<void> {
		// Never write over another run's file: if ours was taken as gone, that run holds the repo now.
		const current = await readRunInfo(this.dir);
		if (current !== undefined && current.runId !== this.info.runId) return;
		await replaceFile(
			runFilePath(this.dir),
			`${JSON.stringify({...this.info, heartbeatAt: new Date().toISOString()})}\n`,
		);
	}

	async release(): Promise<void> {
		clearInterval(this.#timer);
		const current = await readRunInfo(this.dir);
		if (current?.runId === this.info.runId) await rm(runFilePath(this.dir), {force: true});
	}
}
