/**
 * `.jetpack/config.json` (PRODUCT.md §11): every key optional, unknown keys and wrong types are
 * errors that name the key. Numbers may be fractional where a duration or size is meant.
 */
import {ConfigError} from './errors.js';
import {knownClis} from './clis/registry.js';
import type {Budget} from './budget.js';
import type {Price} from './cost.js';

export interface AgentSpec {
	/** A built-in profile (`claude`, `codex`, `gemini`, `aider`, `simulated`) or a custom one's name. */
	readonly profile?: string;
	readonly name?: string;
	readonly command?: string;
	readonly args?: readonly string[];
	readonly count: number;
	readonly memoryLimitMb?: number;
	readonly skills?: readonly string[];
	/** Which CLI a custom command runs (`claude`, `codex` …), for its detector; else told by its name. */
	readonly cli?: string;
}

export interface MemoryConfig {
	readonly agentLimitMb?: number;
	readonly reservePercent: number;
	readonly sampleSeconds: number;
}

export interface Config {
	readonly agents: readonly AgentSpec[];
	readonly maxRetries: number;
	readonly retryBackoffSeconds: readonly number[];
	readonly timeoutFactor: number;
	readonly stallMinutes: number;
	readonly graceSeconds: number;
	readonly infraFailuresToPause: number;
	readonly taskLimits: Readonly<Record<string, number>>;
	readonly memory: MemoryConfig;
	readonly backups: number;
	readonly qualityGates: readonly string[];
	/**
	 * A bell and a desktop notification (OSC 9) from the TUI when the run ends, every profile
	 * pauses, or an agent waits for input.
	 */
	readonly notifications: boolean;
	/** A question on an agent's screen with no output this long: the agent is waiting (§13). */
	readonly inputWaitSeconds: number;
	/** Unanswered this long, the attempt ends as `needs_input`. */
	readonly inputWaitMinutes: number;
	/** `worktree`: an attempt per git worktree, merged by a queue (§12); `shared`: the repository folder. */
	readonly workspaces: 'worktree' | 'shared';
	/** Where worktrees go; default a per-repository folder in the user's cache. */
	readonly worktreeDir?: string;
	/** Commands run in a new worktree before its agent starts (`npm ci`). */
	readonly workspaceSetup: readonly string[];
	/** The integration branch; default `jetpack/<current branch>`. */
	readonly branch?: string;
	/**
	 * A remote of the repository (`origin`) holding the integration branch that several machines
	 * share (§12, §15): fetched, merged onto, pushed; none by default.
	 */
	readonly remote?: string;
	/** One merge commit per task, or one squashed commit. */
	readonly mergeStrategy: 'merge' | 'squash';
	/** `auto`: finished work merges once its gates pass; `review`: it waits for a person (§12). */
	readonly merge: 'auto' | 'review';
	/** Spending limits (§14); none by default. */
	readonly budget: Budget;
	/** Prices per million tokens by exact model name, before the built-in list (§14). */
	readonly prices: Readonly<Record<string, Price>>;
	/** A retry after a limit, a stop or an unanswered question resumes the CLI's conversation. */
	readonly resume: boolean;
	/** An attempt's log past this many megabytes keeps its beginning and its end. */
	readonly logMaxMb: number;
	/** Where the tasks live: `postgres://…` for a store shared by several machines (§15); the file by default. */
	readonly store?: string;
	/** A shared store's claim lapses when its run has not renewed its lease for this long. */
	readonly leaseSeconds: number;
}

export const defaultConfig: Config = {
	agents: [{profile: 'claude', count: 2}],
	maxRetries: 2,
	retryBackoffSeconds: [30, 60, 120],
	timeoutFactor: 3,
	stallMinutes: 10,
	graceSeconds: 10,
	infraFailuresToPause: 3,
	taskLimits: {},
	memory: {reservePercent: 10, sampleSeconds: 2},
	backups: 20,
	qualityGates: [],
	notifications: true,
	inputWaitSeconds: 20,
	inputWaitMinutes: 15,
	workspaces: 'worktree',
	workspaceSetup: [],
	mergeStrategy: 'merge',
	merge: 'auto',
	budget: {alertPercent: 80},
	prices: {},
	resume: true,
	logMaxMb: 50,
	leaseSeconds: 30,
};

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

class Reader {
	constructor(
		private readonly file: string,
		private readonly prefix: string,
		private readonly value: Json,
	) {}

	fail(key: string, expected: string): never {
		const got = JSON.stringify(this.value[key]);
		throw new ConfigError(
			`${this.file}: "${this.prefix}${key}" must be ${expected} (got ${got}); fix or remove it.`,
		);
	}

	rejectUnknown(known: readonly string[]): void {
		for (const key of Object.keys(this.value)) {
			if (!known.includes(key)) {
				throw new ConfigError(
					`${this.file}: unknown key "${this.prefix}${key}"; the keys are ${known.join(', ')}.`,
				);
			}
		}
	}

	number(key: string, fallback: number, rule: {min: number; integer?: boolean}): number;
	number(
		key: string,
		fallback: undefined,
		rule: {min: number; integer?: boolean},
	): number | undefined;
	number(
		key: string,
		fallback: number | undefined,
		rule: {min: number; integer?: boolean},
	): number | undefined {
		const v = this.value[key];
		if (v === undefined) return fallback;
		const ok =
			typeof v === 'number' &&
			Number.isFinite(v) &&
			v >= rule.min &&
			(!rule.integer || Number.isInteger(v));
		if (!ok)
			this.fail(key, `${rule.integer ? 'a whole number' : 'a number'} of at least ${rule.min}`);
		return v as number;
	}

	boolean(key: string, fallback: boolean): boolean {
		const v = this.value[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'boolean') this.fail(key, 'true or false');
		return v as boolean;
	}

	oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
		const v = this.value[key];
		if (v === undefined) return fallback;
		if (typeof v !== 'string' || !choices.includes(v as T))
			this.fail(key, `one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}`);
		return v as T;
	}

	string(key: string): string | undefined {
		const v = this.value[key];
		if (v === undefined) return undefined;
		if (typeof v !== 'string' || v === '') this.fail(key, 'a non-empty string');
		return v as string;
	}

	strings(key: string): string[] | undefined {
		const v = this.value[key];
		if (v === undefined) return undefined;
		if (!Array.isArray(v) || !v.every((item) => typeof item === 'string'))
			this.fail(key, 'a list of strings');
		return v as string[];
	}

	record(key: string): Json | undefined {
		const v = this.value[key];
		if (v === undefined) return undefined;
		if (!isRecord(v)) this.fail(key, 'an object');
		return v as Json;
	}

	list(key: string): unknown[] | undefined {
		const v = this.value[key];
		if (v === undefined) return undefined;
		if (!Array.isArray(v)) this.fail(key, 'a list');
		return v as unknown[];
	}

	nested(key: string, value: Json): Reader {
		return new Reader(this.file, `${this.prefix}${key}.`, value);
	}
}

const topKeys = [
	'agents',
	'maxRetries',
	'retryBackoffSeconds',
	'timeoutFactor',
	'stallMinutes',
	'graceSeconds',
	'infraFailuresToPause',
	'taskLimits',
	'memory',
	'backups',
	'qualityGates',
	'notifications',
	'inputWaitSeconds',
	'inputWaitMinutes',
	'workspaces',
	'worktreeDir',
	'workspaceSetup',
	'branch',
	'remote',
	'mergeStrategy',
	'merge',
	'budget',
	'prices',
	'resume',
	'logMaxMb',
	'store',
	'leaseSeconds',
] as const;

/** Checks a parsed config file and fills the defaults. `file` is only for messages. */
export function parseConfig(value: unknown, file: string): Config {
	if (!isRecord(value))
		throw new ConfigError(
			`${file} must hold one JSON object, like {"agents": [{"profile": "claude", "count": 2}]}.`,
		);
	const top = new Reader(file, '', value);
	top.rejectUnknown(topKeys);

	const backoff = top.list('retryBackoffSeconds');
	if (
		backoff !== undefined &&
		(backoff.length === 0 ||
			!backoff.every((s) => typeof s === 'number' && Number.isFinite(s) && s >= 0))
	) {
		top.fail('retryBackoffSeconds', 'a non-empty list of seconds, 0 or more');
	}

	const limits = top.record('taskLimits') ?? {};
	const limitReader = top.nested('taskLimits', limits);
	const taskLimits: Record<string, number> = {};
	for (const tag of Object.keys(limits))
		taskLimits[tag] = limitReader.number(tag, 0, {min: 1, integer: true});

	const memoryValue = top.record('memory') ?? {};
	const memory = top.nested('memory', memoryValue);
	memory.rejectUnknown(['agentLimitMb', 'reservePercent', 'sampleSeconds']);

	const gates = top.strings('qualityGates');
	return {
		agents: (top.list('agents') ?? defaultConfig.agents).map((entry, index) =>
			parseAgent(entry, index, file),
		),
		maxRetries: top.number('maxRetries', defaultConfig.maxRetries, {min: 0, integer: true}),
		retryBackoffSeconds: (backoff as number[] | undefined) ?? defaultConfig.retryBackoffSeconds,
		timeoutFactor: top.number('timeoutFactor', defaultConfig.timeoutFactor, {min: 0.001}),
		stallMinutes: top.number('stallMinutes', defaultConfig.stallMinutes, {min: 0.001}),
		graceSeconds: top.number('graceSeconds', defaultConfig.graceSeconds, {min: 0}),
		infraFailuresToPause: top.number('infraFailuresToPause', defaultConfig.infraFailuresToPause, {
			min: 1,
			integer: true,
		}),
		taskLimits,
		memory: {
			agentLimitMb: memory.number('agentLimitMb', undefined, {min: 1}),
			reservePercent: memory.number('reservePercent', defaultConfig.memory.reservePercent, {
				min: 0,
			}),
			sampleSeconds: memory.number('sampleSeconds', defaultConfig.memory.sampleSeconds, {
				min: 0.05,
			}),
		},
		backups: top.number('backups', defaultConfig.backups, {min: 1, integer: true}),
		qualityGates: gates ?? defaultConfig.qualityGates,
		notifications: top.boolean('notifications', defaultConfig.notifications),
		inputWaitSeconds: top.number('inputWaitSeconds', defaultConfig.inputWaitSeconds, {min: 0.001}),
		inputWaitMinutes: top.number('inputWaitMinutes', defaultConfig.inputWaitMinutes, {min: 0.001}),
		workspaces: top.oneOf('workspaces', ['worktree', 'shared'], defaultConfig.workspaces),
		worktreeDir: top.string('worktreeDir'),
		workspaceSetup: top.strings('workspaceSetup') ?? defaultConfig.workspaceSetup,
		branch: top.string('branch'),
		remote: top.string('remote'),
		mergeStrategy: top.oneOf('mergeStrategy', ['merge', 'squash'], defaultConfig.mergeStrategy),
		merge: top.oneOf('merge', ['auto', 'review'], defaultConfig.merge),
		budget: parseBudget(top),
		prices: parsePrices(top),
		resume: top.boolean('resume', defaultConfig.resume),
		logMaxMb: top.number('logMaxMb', defaultConfig.logMaxMb, {min: 0.001}),
		store: top.string('store'),
		leaseSeconds: top.number('leaseSeconds', defaultConfig.leaseSeconds, {min: 0.5}),
	};
}

function parseBudget(top: Reader): Budget {
	const value = top.record('budget');
	if (value === undefined) return defaultConfig.budget;
	const budget = top.nested('budget', value);
	budget.rejectUnknown(['usd', 'taskUsd', 'totalUsd', 'alertPercent']);
	const usd = budget.number('usd', undefined, {min: 0.01});
	const taskUsd = budget.number('taskUsd', undefined, {min: 0.01});
	const totalUsd = budget.number('totalUsd', undefined, {min: 0.01});
	return {
		...(usd === undefined ? {} : {usd}),
		...(taskUsd === undefined ? {} : {taskUsd}),
		...(totalUsd === undefined ? {} : {totalUsd}),
		alertPercent: budget.number('alertPercent', defaultConfig.budget.alertPercent, {min: 1}),
	};
}

function parsePrices(top: Reader): Record<string, Price> {
	const value = top.record('prices');
	if (value === undefined) return {};
	const prices: Record<string, Price> = {};
	for (const [model, entry] of Object.entries(value)) {
		if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
			top
				.nested('prices', value)
				.fail(model, 'an object like {"input": 3, "output": 15} (dollars per million tokens)');
		const price = top.nested(`prices.${model}`, entry as Record<string, unknown>);
		price.rejectUnknown(['input', 'output', 'cacheRead', 'cacheWrite']);
		const cacheRead = price.number('cacheRead', undefined, {min: 0});
		const cacheWrite = price.number('cacheWrite', undefined, {min: 0});
		prices[model] = {
			input: price.number('input', 0, {min: 0}),
			output: price.number('output', 0, {min: 0}),
			...(cacheRead === undefined ? {} : {cacheRead}),
			...(cacheWrite === undefined ? {} : {cacheWrite}),
		};
	}

	return prices;
}

export const builtInProfiles: readonly string[] = [
	'claude',
	'codex',
	'gemini',
	'aider',
	'simulated',
];

const agentKeys = [
	'profile',
	'name',
	'command',
	'args',
	'count',
	'memoryLimitMb',
	'skills',
	'cli',
] as const;

function agentCli(cli: string | undefined, index: number, file: string): string | undefined {
	if (cli === undefined || knownClis.includes(cli)) return cli;
	throw new ConfigError(
		`${file}: "agents[${index}].cli" is ${JSON.stringify(cli)}; it names the CLI a command runs, one of ${knownClis.join(', ')}.`,
	);
}

function parseAgent(entry: unknown, index: number, file: string): AgentSpec {
	if (!isRecord(entry)) {
		throw new ConfigError(
			`${file}: "agents[${index}]" must be an object like {"profile": "claude", "count": 2}.`,
		);
	}

	const agent = new Reader(file, `agents[${index}].`, entry);
	agent.rejectUnknown(agentKeys);
	const profile = agent.string('profile');
	const command = agent.string('command');
	if (profile !== undefined && command === undefined && !builtInProfiles.includes(profile)) {
		throw new ConfigError(
			`${file}: "agents[${index}].profile" is ${JSON.stringify(profile)}; the built-in profiles are ${builtInProfiles.join(', ')} (for another CLI give "command" and "args").`,
		);
	}

	if (profile === undefined && command === undefined) {
		throw new ConfigError(
			`${file}: "agents[${index}]" needs a "profile" (claude, codex, gemini, aider, simulated) or a "command".`,
		);
	}

	return {
		profile,
		name: agent.string('name'),
		command,
		args: agent.strings('args'),
		count: agent.number('count', 1, {min: 0, integer: true}),
		memoryLimitMb: agent.number('memoryLimitMb', undefined, {min: 1}),
		skills: agent.strings('skills'),
		cli: agentCli(agent.string('cli'), index, file),
	};
}
