/**
 * Quality gates (`qualityGates` in the config) run in the repository after an agent exits 0. They
 * are the person's own command lines ("npm run build && npm test"), so they go through the shell,
 * as they would in a terminal; task text never does.
 */
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import stripAnsi from 'strip-ansi';
import type {GateRunner} from '../core/orchestrator.js';
import {
	agentTokenVariable,
	processScanner,
	runTokenPrefix,
	stopProcesses,
} from './agent-processes.js';

const keptLines = 20;

export class ShellGateRunner implements GateRunner {
	/**
	 * A gate that runs longer than `timeoutMs` (a test runner left in watch mode) fails. `runId`
	 * marks its processes as the run's, so the next run finds what a crash left (`stopAgentsOfRun`).
	 */
	constructor(
		private readonly cwd: string,
		private readonly options: {readonly timeoutMs?: number; readonly runId?: string} = {},
	) {}

	async run(
		commands: readonly string[],
		signal?: AbortSignal,
		cwd: string = this.cwd,
	): Promise<{command: string; tail: string[]} | undefined> {
		for (const command of commands) {
			if (signal?.aborted === true) return {command, tail: ['stopped']};
			const {code, tail} = await this.#runOne(command, signal, cwd);
			if (code !== 0) return {command, tail: tail.length > 0 ? tail : [`exit ${code}`]};
		}

		return undefined;
	}

	async #runOne(
		command: string,
		signal: AbortSignal | undefined,
		cwd: string,
	): Promise<{code: number | null; tail: string[]}> {
		const timeoutMs = this.options.timeoutMs ?? 30 * 60_000;
		// Marks everything the gate starts, as an agent's processes are: a timeout or an abort stops
		// all of it, nothing it started outlives it, and no other process is ever signalled.
		const token = `${runTokenPrefix(this.options.runId ?? 'local')}gate.${randomUUID()}`;
		const stopAll = async () =>
			stopProcesses(
				async () => processScanner.membersOf((found) => found === token, {self: process.pid}),
				{graceMs: 0, immediate: true},
			).catch(() => {
				// The process table could not be read (out of file descriptors?): the stop after
				// the gate's end looks again.
				return 0;
			});
		const result = await new Promise<{code: number | null; tail: string[]}>((resolve) => {
			const child = spawn(command, {
				cwd,
				shell: true,
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
				env: {...process.env, CI: 'true', [agentTokenVariable]: token},
			});
			const timer = setTimeout(() => {
				tail.push(`timed out after ${Math.round(timeoutMs / 1000)} s`);
				void stopAll();
			}, timeoutMs);
			const onAbort = () => {
				tail.push('stopped');
				void stopAll();
			};
			signal?.addEventListener('abort', onAbort, {once: true});
			// Only the last lines are kept: a gate can print megabytes.
			const tail: string[] = [];
			let partial = '';
			const take = (chunk: Buffer) => {
				const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
				partial = (lines.pop() ?? '').slice(-1000);
				for (const line of lines) {
					const plain = stripAnsi(line).trim();
					if (plain === '') continue;
					tail.push(plain.slice(0, 500));
					if (tail.length > keptLines) tail.shift();
				}
			};

			child.stdout.on('data', take);
			child.stderr.on('data', take);
			child.on('error', (error) => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				resolve({code: 127, tail: [error.message]});
			});
			// What the gate left running holds its output open, so 'close' would wait for it: once
			// the gate itself is done, the rest is stopped, and the output then closes.
			child.on('exit', () => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				void stopAll();
			});
			child.on('close', (code) => {
				if (partial.trim() !== '') tail.push(stripAnsi(partial).trim().slice(0, 500));
				resolve({code, tail: tail.slice(-keptLines)});
			});
		});
		await stopAll();
		return result;
	}
}
