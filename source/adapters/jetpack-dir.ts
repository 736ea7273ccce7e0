/**
 * `.jetpack/` holds the config (worth committing) beside per-machine run state: logs, the run
 * file, results kept for the next run. Its own `.gitignore` keeps the latter out of `git status`
 * from the first run on, whether or not `init` ever ran.
 */
import {chmod, mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';

const ignored = ['logs/', 'run.json*', 'unrecorded/', 'bin/', 'workspace.json'];
/** What earlier versions wrote: brought up to date, unlike a person's own file. */
const ignoredBefore = ['logs/\nrun.json*\nunrecorded/\n', 'logs/\nrun.json*\nunrecorded/\nbin/\n'];

/** Writes `.jetpack/.gitignore` unless one is there (a person's own is left as it is). */
export async function ensureJetpackIgnore(dir: string): Promise<void> {
	const folder = path.join(dir, '.jetpack');
	await mkdir(folder, {recursive: true});
	const file = path.join(folder, '.gitignore');
	const ours = await readFile(file, 'utf8').then(
		(text) => ignoredBefore.includes(text),
		() => false,
	);
	await writeFile(file, `${ignored.join('\n')}\n`, {flag: ours ? 'w' : 'wx'}).catch(
		(error: NodeJS.ErrnoException) => {
			// Already there; or not writable, which the run file right after says more clearly.
			if (error.code !== 'EEXIST' && error.code !== 'EACCES' && error.code !== 'ENOSPC')
				throw error;
		},
	);
}

/**
 * `.jetpack/bin/jetpack-tui`: this program as one executable file, for agents to report through
 * (`"$JETPACK_CLI" task done ID`) whether or not it is on their PATH — run by `node …/cli.js`, by
 * npx, or from a login shell that reset PATH. Written whole (renamed into place) at every start,
 * since the program may have moved. Returns its path.
 */
export async function writeSelfScript(dir: string, command: readonly string[]): Promise<string> {
	const folder = path.join(dir, '.jetpack', 'bin');
	await mkdir(folder, {recursive: true});
	const file = path.join(folder, 'jetpack-tui');
	const temporary = `${file}.${process.pid}.tmp`;
	const line = command.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
	await writeFile(temporary, `#!/bin/sh\nexec ${line} "$@"\n`);
	await chmod(temporary, 0o755);
	await rename(temporary, file);
	return file;
}
