/**
 * From a parsed command line to a finished command: pick the command, check its flags and
 * arguments, find the repository, load the config, open the store, run.
 */
import {statSync} from 'node:fs';
import path from 'node:path';
import {loadConfig} from '../adapters/config-file.js';
import {findRepoRoot} from '../adapters/repo-root.js';
import {closeStore, openStore} from '../adapters/open-store.js';
import {exitCodes, UsageError, type ExitCode} from '../core/errors.js';
import {colorWanted} from '../text/format.js';
import {
	checkArgs,
	checkFlags,
	commandHelp,
	findCommand,
	groupHelp,
	kebab,
	mainHelp,
	subcommandsOf,
	type FlagName,
	type Flags,
} from './registry.js';

export interface CommandLine {
	readonly input: readonly string[];
	readonly flags: Flags;
	/** Flag names meow did not know, as typed (camel-cased by meow). */
	readonly unknownFlags: readonly string[];
	readonly help: boolean;
	readonly version: string;
}

export async function runCommandLine(line: CommandLine, env: NodeJS.ProcessEnv): Promise<ExitCode> {
	const {flags, help} = line;
	const [unknown] = line.unknownFlags;
	if (unknown !== undefined) {
		throw new UsageError(
			`Unknown flag ${flagName(unknown)}; \`jetpack-tui --help\` lists the flags.`,
		);
	}

	const given = givenFlags(flags);
	const empty = given.find((name) => flags[name] === '');
	if (empty !== undefined)
		throw new UsageError(
			`${flagName(empty)} needs a value; \`jetpack-tui --help\` shows how to use it.`,
		);
	// The run modes are spelled as flags; they are commands all the same.
	const mode = flags.demo ? ['--demo'] : flags.headless ? ['--headless'] : [];
	const words = [...mode, ...line.input];
	if (words.length === 0 && help) {
		process.stdout.write(mainHelp(line.version));
		return exitCodes.ok;
	}

	const found = findCommand(words);
	if (found === undefined) {
		const group = subcommandsOf(words[0] ?? '');
		if (group.length > 0 && (help || words.length === 1)) {
			if (help) {
				process.stdout.write(groupHelp(words[0] ?? '', group));
				return exitCodes.ok;
			}

			throw new UsageError(
				`\`jetpack-tui ${words[0]}\` needs a subcommand: ${group.map((spec) => spec.words.at(-1)).join(', ')}.`,
			);
		}

		throw new UsageError(
			`Unknown command ${JSON.stringify(words.join(' '))}; \`jetpack-tui --help\` lists the commands.`,
		);
	}

	const {spec, args} = found;
	if (help) {
		process.stdout.write(commandHelp(spec));
		return exitCodes.ok;
	}

	checkFlags(spec, given);
	checkArgs(spec, args);
	const dir = repository(flags, env);
	const config = await loadConfig(dir);
	const store = await openStore({
		dir,
		config,
		flag: flags.store,
		env,
		onNotice(message) {
			process.stderr.write(`jetpack-tui: ${message}\n`);
		},
	});
	try {
		return await spec.run(
			{
				dir,
				store,
				config,
				clock: {now: () => new Date()},
				stdout: process.stdout,
				stderr: process.stderr,
				color: colorWanted(process.stdout, env),
				env,
			},
			{args, flags},
		);
	} finally {
		await closeStore(store);
	}
}

/** `-C` or JETPACK_WORK_DIR as given; otherwise found upwards from the current folder, as git does. */
function repository(flags: Flags, env: NodeJS.ProcessEnv): string {
	const named = flags.dir ?? env['JETPACK_WORK_DIR'];
	if (named === undefined || named === '') return findRepoRoot(process.cwd());
	const dir = path.resolve(named);
	const stats = statSync(dir, {throwIfNoEntry: false});
	if (stats?.isDirectory() !== true) {
		const source = flags.dir === undefined ? 'JETPACK_WORK_DIR' : '-C';
		throw new UsageError(
			`${source} ${named}: ${stats === undefined ? 'no such folder' : 'not a folder'}; give the path of the repository.`,
		);
	}

	return dir;
}

function flagName(name: string): string {
	return name.length === 1 ? `-${name}` : `--${kebab(name)}`;
}

/** The flags the user wrote, as opposed to meow's defaults for the rest. */
function givenFlags(flags: Flags): FlagName[] {
	return (Object.entries(flags) as Array<[FlagName, unknown]>)
		.filter(
			([, value]) =>
				value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0),
		)
		.map(([name]) => name);
}
