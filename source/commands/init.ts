import {mkdir, readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {configPath} from '../adapters/config-file.js';
import {ensureJetpackIgnore} from '../adapters/jetpack-dir.js';
import {onPath} from '../adapters/which.js';
import type {AgentSpec} from '../core/config.js';
import type {CommandContext, CommandResult} from './context.js';

/** The built-in profiles whose CLI has the same name as the profile. */
const detectable = ['claude', 'codex', 'gemini', 'aider'] as const;

export async function runInit(context: CommandContext): CommandResult {
	const out = (line: string) => context.stdout.write(`${line}\n`);
	const {store} = context;
	if (await store.exists()) out(`${store.displayPath} already exists; left as it is.`);
	else {
		await store.update((tasks) => ({tasks, result: undefined}));
		out(`Created ${store.displayPath}.`);
	}

	const config = configPath(context.dir);
	const shownConfig = path.relative(context.dir, config);
	if (
		await readFile(config).then(
			() => true,
			() => false,
		)
	) {
		out(`${shownConfig} already exists; left as it is.`);
		return 0;
	}

	const found: string[] = [];
	for (const name of detectable) if ((await onPath(name)) !== undefined) found.push(name);
	const agents: AgentSpec[] =
		found.length > 0
			? found.map((profile) => ({profile, count: found.length === 1 ? 2 : 1}))
			: [{profile: 'simulated', count: 2}];
	await mkdir(path.dirname(config), {recursive: true});
	await writeFile(config, `${JSON.stringify({agents}, undefined, 2)}\n`);
	await ensureJetpackIgnore(context.dir);
	out(
		found.length > 0
			? `Created ${shownConfig} with the agent CLIs found on PATH: ${found.join(', ')}.`
			: `Created ${shownConfig}; no agent CLI (claude, codex, gemini, aider) is on PATH, so it uses the simulated agent. Edit "agents" to change that.`,
	);
	return 0;
}
