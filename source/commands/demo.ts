/**
 * `--demo`: the sample project in `.beads-example/`, copied to a temporary folder so nothing of
 * the user's is touched, run by simulated agents in the TUI (headless without a terminal).
 */
import {cp, mkdir, mkdtemp, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {loadConfig} from '../adapters/config-file.js';
import {TaskStore} from '../adapters/task-store.js';
import type {CommandContext, CommandResult} from './context.js';
import {runHeadless} from './headless.js';
import {hasTerminal, runInteractive} from './interactive.js';
import type {Invocation} from './registry.js';

/** `.beads-example/` ships beside `dist/` in the package. */
export const exampleDir = fileURLToPath(new URL('../../.beads-example/', import.meta.url));

/** Short timeouts and backoffs, so the failing, hanging and leaking sample tasks play out in a minute or two. */
const demoConfig = {
	agents: [
		{
			profile: 'simulated',
			count: 4,
			skills: ['sql', 'typescript', 'react', 'css', 'testing', 'devops', 'docs'],
		},
	],
	retryBackoffSeconds: [2, 4],
	timeoutFactor: 0.25,
	graceSeconds: 2,
	stallMinutes: 1,
};

/** A copy of the sample project (`example`: the folder holding its `tasks.jsonl`) to run on. */
export async function copyExample(example = exampleDir): Promise<string> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'jetpack-demo-'));
	await cp(path.join(example, 'tasks.jsonl'), path.join(dir, '.beads', 'tasks.jsonl'));
	await mkdir(path.join(dir, '.jetpack'), {recursive: true});
	await writeFile(
		path.join(dir, '.jetpack', 'config.json'),
		`${JSON.stringify(demoConfig, undefined, 2)}\n`,
	);
	return dir;
}

/**
 * The demo exits as any run does (PRODUCT.md §2): its planted failures make that 1 when it runs to
 * the end. `example` is the sample project to copy, the shipped one unless a test gives another.
 */
export async function runDemo(
	context: CommandContext,
	invocation: Invocation,
	example = exampleDir,
): CommandResult {
	const dir = await copyExample(example);
	context.stderr.write(
		`jetpack-tui: the sample project "Shelf" is in ${dir}; simulated agents work through it in about three minutes (ctrl-c stops).\n`,
	);
	const config = await loadConfig(dir);
	const store = new TaskStore(dir, {
		backups: config.backups,
		onNotice: (message) => context.stderr.write(`jetpack-tui: ${message}\n`),
	});
	const demo = {...context, dir, store, config};
	const headless = invocation.flags.headless || invocation.flags.json || !hasTerminal();
	if (headless && !invocation.flags.headless && !invocation.flags.json)
		context.stderr.write('jetpack-tui: no terminal here, so the demo runs headless.\n');
	const code = headless
		? await runHeadless(demo, invocation)
		: await runInteractive(demo, invocation, {initialView: 'panes'});
	context.stderr.write(
		`jetpack-tui: three sample tasks fail on purpose (two exit 1, one hangs), so a demo run to its end exits 1, as any run with failed tasks does; the demo's files stay in ${dir} (try: jetpack-tui -C ${dir} deps --critical-path).\n`,
	);
	return code;
}
