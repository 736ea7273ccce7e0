#!/usr/bin/env node
/**
 * The entry point: parse the command line, pick the command, hand off, and turn typed errors into
 * one sentence and an exit code (PRODUCT.md §2).
 */
import {existsSync} from 'node:fs';
import path from 'node:path';
import meow from 'meow';
import {TaskStore} from './adapters/task-store.js';
import {loadConfig} from './adapters/config-file.js';
import {exitCodes, JetpackError, UsageError, type ExitCode} from './core/errors.js';
import {colorWanted} from './commands/format.js';
import {
	checkArgs,
	checkFlags,
	commandHelp,
	findCommand,
	mainHelp,
	type FlagName,
	type Flags,
} from './commands/registry.js';

const cli = meow({
	importMeta: import.meta,
	autoHelp: false,
	autoVersion: true,
	allowUnknownFlags: false,
	help: false,
	flags: {
		dir: {type: 'string', shortFlag: 'C'},
		agents: {type: 'number', shortFlag: 'a'},
		agent: {type: 'string', isMultiple: true},
		maxHours: {type: 'number'},
		json: {type: 'boolean'},
		headless: {type: 'boolean'},
		demo: {type: 'boolean'},
		help: {type: 'boolean', shortFlag: 'h'},
		priority: {type: 'string', shortFlag: 'p'},
		description: {type: 'string', shortFlag: 'd'},
		dep: {type: 'string', isMultiple: true},
		skill: {type: 'string', isMultiple: true},
		tag: {type: 'string', isMultiple: true},
		estimate: {type: 'number'},
		status: {type: 'string'},
		ready: {type: 'boolean'},
		failed: {type: 'boolean'},
		reason: {type: 'string'},
		fix: {type: 'boolean'},
		all: {type: 'boolean'},
	},
});

const debug = process.env['JETPACK_DEBUG'] === '1';

async function main(): Promise<ExitCode> {
	const {help, ...rest} = cli.flags;
	const flags = rest as Flags;
	const words = flags.demo ? ['--demo', ...cli.input] : cli.input;
	if (words.length === 0) {
		process.stdout.write(mainHelp(cli.pkg.version ?? ''));
		return help ? exitCodes.ok : exitCodes.usage;
	}

	const found = findCommand(words);
	if (found === undefined) {
		throw new UsageError(
			`Unknown command ${JSON.stringify(words.join(' '))}; \`jetpack-tui --help\` lists the commands.`,
		);
	}

	const {spec, args} = found;
	if (help) {
		process.stdout.write(commandHelp(spec));
		return exitCodes.ok;
	}

	checkFlags(spec, givenFlags(flags));
	checkArgs(spec, args);
	const dir = path.resolve(flags.dir ?? process.env['JETPACK_WORK_DIR'] ?? process.cwd());
	if (!existsSync(dir)) {
		const source = flags.dir === undefined ? 'JETPACK_WORK_DIR' : '--dir';
		throw new UsageError(`${source} ${dir}: no such folder; give the path of the repository.`);
	}

	const config = await loadConfig(dir);
	const store = new TaskStore(dir, {
		backups: config.backups,
		onNotice(message) {
			process.stderr.write(`jetpack-tui: ${message}\n`);
		},
	});
	return spec.run(
		{
			dir,
			store,
			clock: {now: () => new Date()},
			stdout: process.stdout,
			stderr: process.stderr,
			color: colorWanted(process.stdout, process.env),
		},
		{args, flags},
	);
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

try {
	process.exitCode = await main();
} catch (error) {
	if (error instanceof JetpackError) {
		process.stderr.write(`jetpack-tui: ${error.message}\n`);
		if (debug) process.stderr.write(`${error.stack}\n`);
		process.exitCode = error.exitCode;
	} else {
		process.stderr.write(
			`jetpack-tui: internal error: ${(error as Error).message ?? String(error)}` +
				(debug ? `\n${(error as Error).stack}\n` : ' (JETPACK_DEBUG=1 shows the details)\n'),
		);
		process.exitCode = exitCodes.problems;
	}
}
