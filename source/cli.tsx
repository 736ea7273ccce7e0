#!/usr/bin/env node
/**
 * The entry point: parse the command line, pick the command, hand off, and turn typed errors into
 * one sentence and an exit code (PRODUCT.md §2).
 */
import meow from 'meow';
import {runCommandLine} from './commands/run.js';
import {exitCodes, JetpackError, type ExitCode} from './core/errors.js';
import {checkFlagValues, type Flags} from './commands/registry.js';

// React's development build checks and measures every render: several times slower, and only
// useful to us in tests. The TUI is loaded lazily, after this line.
process.env['NODE_ENV'] ??= 'production';

const flagDefinitions = {
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
	note: {type: 'string'},
	fix: {type: 'boolean'},
	dryRun: {type: 'boolean'},
	all: {type: 'boolean'},
	graph: {type: 'boolean'},
	criticalPath: {type: 'boolean'},
	format: {type: 'string'},
	from: {type: 'string'},
	accept: {type: 'boolean'},
	reject: {type: 'string'},
	stat: {type: 'boolean'},
	by: {type: 'string'},
	yes: {type: 'boolean', shortFlag: 'y'},
	store: {type: 'string'},
} as const;

const cli = meow({
	importMeta: import.meta,
	autoHelp: false,
	autoVersion: true,
	// Unknown flags are reported by runCommandLine, in one sentence with the fix.
	allowUnknownFlags: true,
	help: false,
	flags: flagDefinitions,
});

const debug = process.env['JETPACK_DEBUG'] === '1';
const known: ReadonlySet<string> = new Set(['version', ...Object.keys(flagDefinitions)]);

async function main(): Promise<ExitCode> {
	checkFlagValues(process.argv.slice(2));
	const {help, ...flags} = cli.flags;
	return runCommandLine(
		{
			input: cli.input,
			flags: flags as unknown as Flags,
			unknownFlags: Object.keys(cli.flags).filter((name) => !known.has(name)),
			help: help === true,
			version: cli.pkg.version ?? '',
		},
		process.env,
	);
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
