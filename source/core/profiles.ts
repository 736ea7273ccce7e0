/**
 * Agent profiles (PRODUCT.md §4): which command an agent runs, with `{prompt}`, `{id}` and
 * `{title}` put into its arguments — into argv, never through a shell.
 */
import type {AgentSpec, Config} from './config.js';
import {UsageError} from './errors.js';
import {cliOfCommand} from './clis/registry.js';

export interface Profile {
	readonly name: string;
	readonly command: string;
	readonly args: readonly string[];
	readonly skills: readonly string[];
	readonly memoryLimitMb?: number;
	/** Which CLI it runs, for its detector (`claude` … or `generic`): clis/registry.ts. */
	readonly cli: string;
	/** Environment the CLI works better with, set only where the user has not set it. */
	readonly defaultEnv: Readonly<Record<string, string>>;
}

/** One agent of the pool: a profile and a name for panes and logs (`claude-1`). */
export interface AgentSlot {
	readonly name: string;
	readonly profile: Profile;
}

interface Template {
	readonly command: string;
	readonly args: readonly string[];
	readonly defaultEnv?: Readonly<Record<string, string>>;
}

/**
 * The built-in templates, checked against each CLI's own --help, in their structured modes where
 * they have one (PRODUCT.md §13): the pane shows a transcript of the events, and only the CLI's
 * own success event completes a task.
 */
export const builtInTemplates: Readonly<Record<string, Template>> = {
	claude: {
		command: 'claude',
		args: [
			'-p',
			'{prompt}',
			'--output-format',
			'stream-json',
			'--verbose',
			'--dangerously-skip-permissions',
		],
		// Its own retries of a failing API take ~3 minutes of silence; two show it in seconds.
		defaultEnv: {CLAUDE_CODE_MAX_RETRIES: '2'},
	},
	codex: {
		command: 'codex',
		// `--`: a prompt that begins with a dash is still the prompt.
		args: [
			'exec',
			'--json',
			'--sandbox',
			'workspace-write',
			'--skip-git-repo-check',
			'--',
			'{prompt}',
		],
	},
	// --skip-trust: in a folder gemini has not been told to trust, it quietly drops --yolo.
	gemini: {
		command: 'gemini',
		args: ['--skip-trust', '--yolo', '--output-format', 'stream-json', '-p', '{prompt}'],
	},
	aider: {command: 'aider', args: ['--yes-always', '--message', '{prompt}']},
};

/** How this program runs itself (`node …/cli.js`), for the simulated agent: the adapter knows. */
export interface SelfCommand {
	readonly command: string;
	readonly args: readonly string[];
}

export function profileFor(spec: AgentSpec, self: SelfCommand): Profile {
	const skills = spec.skills ?? [];
	const name = spec.name ?? spec.profile ?? spec.command ?? 'agent';
	if (spec.command !== undefined) {
		return {
			name,
			command: spec.command,
			args: spec.args ?? ['{prompt}'],
			skills,
			memoryLimitMb: spec.memoryLimitMb,
			cli: spec.cli ?? cliOfCommand(spec.command),
			defaultEnv: {},
		};
	}

	if (spec.profile === 'simulated') {
		return {
			name,
			command: self.command,
			args: [...self.args, 'simulate', '{id}', ...(spec.args ?? [])],
			skills,
			memoryLimitMb: spec.memoryLimitMb,
			cli: spec.cli ?? 'generic',
			defaultEnv: {},
		};
	}

	const template = builtInTemplates[spec.profile ?? ''];
	if (template === undefined)
		throw new UsageError(
			`Unknown agent profile ${JSON.stringify(spec.profile)}; the built-in profiles are claude, codex, gemini, aider, simulated.`,
		);
	return {
		name,
		command: template.command,
		args: spec.args ?? template.args,
		skills,
		memoryLimitMb: spec.memoryLimitMb,
		cli: spec.cli ?? cliOfCommand(template.command),
		defaultEnv: template.defaultEnv ?? {},
	};
}

/**
 * The agent pool: `--agent profile[:count]` (repeatable) replaces the config's list; `-a N` sets
 * the total, shared round-robin among the pool's profiles.
 */
export function agentPool(
	config: Config,
	flags: {readonly agents?: number; readonly agent: readonly string[]},
	self: SelfCommand,
): AgentSlot[] {
	let specs: AgentSpec[] = [...config.agents];
	if (flags.agent.length > 0) {
		specs = flags.agent.map((text) => {
			const match = /^([\w.-]+)(?::(\d+))?$/.exec(text);
			if (match === null)
				throw new UsageError(
					`--agent ${JSON.stringify(text)}: write it as PROFILE or PROFILE:COUNT, like --agent claude:2.`,
				);
			const [, name = '', count = '1'] = match;
			// A name may be a custom agent from the config, or a built-in profile.
			const custom = config.agents.find((agent) => agent.name === name);
			return {...(custom ?? {profile: name}), count: Number(count)};
		});
	}

	if (flags.agents !== undefined) {
		if (!Number.isInteger(flags.agents) || flags.agents < 1)
			throw new UsageError(
				`-a ${flags.agents} is not a number of agents; give a whole number of at least 1.`,
			);
		const total = flags.agents;
		const base = specs.filter((spec) => spec.count > 0);
		const pool = base.length > 0 ? base : specs;
		specs = pool.map((spec, index) => ({
			...spec,
			count: Math.floor(total / pool.length) + (index < total % pool.length ? 1 : 0),
		}));
	}

	const slots: AgentSlot[] = [];
	const seen = new Map<string, number>();
	for (const spec of specs) {
		const profile = profileFor(spec, self);
		for (let i = 0; i < spec.count; i++) {
			const n = (seen.get(profile.name) ?? 0) + 1;
			seen.set(profile.name, n);
			slots.push({name: `${profile.name}-${n}`, profile});
		}
	}

	if (slots.length === 0)
		throw new UsageError(
			'No agents to run: set "agents" in .jetpack/config.json, or give -a N or --agent PROFILE:COUNT.',
		);
	return slots;
}

/** Puts the task into the profile's arguments; each placeholder may sit inside a longer argument. */
export function expandArgs(
	args: readonly string[],
	values: {readonly prompt: string; readonly id: string; readonly title: string},
): string[] {
	return args.map((arg) =>
		arg.replaceAll(/\{(prompt|id|title)\}/g, (_, key: 'prompt' | 'id' | 'title') => values[key]),
	);
}
