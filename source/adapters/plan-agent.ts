/**
 * A planning agent (PRODUCT.md §16) as a child process: the profile's CLI in its structured,
 * read-only planning mode, the prompt an argument (no shell), no terminal. Every process it starts
 * carries a token, so a stop (ctrl-c, a discarded plan in the TUI) reaches all of them and nothing
 * else.
 */
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {detectorFor} from '../core/clis/registry.js';
import type {TranscriptItem} from '../core/clis/detector.js';
import {AnswerCollector, planArgs} from '../core/plan-answer.js';
import {simulatedPlanAgent, type PlanAgent, type PlanAnswer} from '../core/plan.js';
import {expandArgs, profileFor, type Profile} from '../core/profiles.js';
import type {AgentSpec, Config} from '../core/config.js';
import {UsageError} from '../core/errors.js';
import {agentTokenVariable, processScanner, stopProcesses} from './agent-processes.js';

/** A line longer than this is cut while it is read: an event is never this long. */
const maxLineChars = 4 * 1024 * 1024;

export interface CliPlanAgentOptions {
	readonly cwd: string;
	readonly env: NodeJS.ProcessEnv;
	/** Stops the CLI (and everything it started); the answer is then a failure. */
	readonly signal?: AbortSignal;
	/** What the CLI is doing, as it says it (tool calls, messages), for a progress line. */
	readonly onItem?: (item: TranscriptItem) => void;
	/** A CLI that has not answered after this long is stopped (default 20 minutes). */
	readonly timeoutMs?: number;
}

export class CliPlanAgent implements PlanAgent {
	readonly name: string;

	constructor(
		private readonly profile: Profile,
		private readonly options: CliPlanAgentOptions,
	) {
		this.name = profile.name;
	}

	async ask(prompt: string, attempt: number): Promise<PlanAnswer> {
		const {profile, options} = this;
		const args = expandArgs(planArgs(profile), {prompt, id: 'plan', title: 'plan'});
		const collector = new AnswerCollector(detectorFor(profile.cli), args);
		// The attempt ends the token, as for a task's agent: a stand-in CLI replays by it.
		const token = `plan-${randomUUID()}.${attempt}`;
		const env: NodeJS.ProcessEnv = {...options.env};
		for (const [key, value] of Object.entries(profile.defaultEnv)) env[key] ??= value;
		env['DISABLE_AUTOUPDATER'] ??= '1';
		env[agentTokenVariable] = token;
		delete env['TMUX'];
		delete env['TMUX_PANE'];
		const stopAll = async () =>
			stopProcesses(
				async () => processScanner.membersOf((found) => found === token, {self: process.pid}),
				{graceMs: 2000},
			).catch(() => 0);

		const answer = await new Promise<PlanAnswer>((resolve) => {
			let stopped: string | undefined;
			const child = spawn(profile.command, [...args], {
				cwd: options.cwd,
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
				env,
			});
			const stop = (why: string) => {
				stopped ??= why;
				void stopAll();
			};

			const timeoutMs = options.timeoutMs ?? 20 * 60_000;
			const timer = setTimeout(
				() => stop(`it gave no answer in ${Math.round(timeoutMs / 60_000)} minutes`),
				timeoutMs,
			);
			const onAbort = () => stop('stopped');
			if (options.signal?.aborted === true) onAbort();
			options.signal?.addEventListener('abort', onAbort, {once: true});
			const lines = (each: (line: string) => void) => {
				let partial = '';
				return {
					data(chunk: Buffer) {
						const parts = (partial + chunk.toString('utf8')).split('\n');
						partial = (parts.pop() ?? '').slice(0, maxLineChars);
						for (const part of parts) each(part.replace(/\r$/, ''));
					},
					end() {
						if (partial !== '') each(partial);
						partial = '';
					},
				};
			};

			const out = lines((line) => {
				for (const item of collector.line(line, new Date())) options.onItem?.(item);
			});
			const error = lines((line) => collector.errorLine(line));
			child.stdout.on('data', out.data);
			child.stderr.on('data', error.data);
			const done = () => {
				clearTimeout(timer);
				options.signal?.removeEventListener('abort', onAbort);
			};

			child.on('error', (failure: NodeJS.ErrnoException) => {
				done();
				resolve({
					ok: false,
					message:
						failure.code === 'ENOENT'
							? `${profile.command} is not installed or not on PATH`
							: failure.message,
				});
			});
			// What the CLI left running holds its output open: once it is gone, the rest is stopped.
			child.on('exit', () => void stopAll());
			child.on('close', (code, signal) => {
				done();
				out.end();
				error.end();
				const said = collector.finish(code, signal, new Date());
				resolve(stopped === undefined ? said : {ok: false, message: stopped});
			});
		});
		await stopAll();
		return answer;
	}
}

/**
 * The agent `plan` asks: `--agent NAME` (a profile of the config by name, or a built-in profile),
 * else the config's first. The simulated profile answers at once with a plan made from the
 * request's words (PRODUCT.md §8), so `plan` can be tried with no CLI.
 */
export function planAgentFor(
	config: Config,
	agent: string | undefined,
	request: string,
	options: CliPlanAgentOptions,
): PlanAgent {
	let spec: AgentSpec | undefined = config.agents[0];
	if (agent !== undefined) {
		const name = agent.replace(/:\d+$/, '');
		spec = config.agents.find(
			(entry) => entry.name === name || (entry.name === undefined && entry.profile === name),
		) ?? {profile: name, count: 1};
	}

	if (spec === undefined)
		throw new UsageError(
			'No agent to plan with: set "agents" in .jetpack/config.json, or give --agent PROFILE.',
		);
	if (spec.profile === 'simulated' && spec.command === undefined)
		return simulatedPlanAgent(request);
	return new CliPlanAgent(profileFor(spec, {command: process.execPath, args: []}), options);
}
