/**
 * `.jetpack/` holds the config (worth committing) beside per-machine run state: logs, the run
 * file, results kept for the next run. Its own `.gitignore` keeps the latter out of `git status`
 * from the first run on, whether or not `init` ever ran.
 */
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';

const ignored = ['logs/', 'run.json*', 'unrecorded/'];

/** Writes `.jetpack/.gitignore` unless one is there (a person's own is left as it is). */
export async function ensureJetpackIgnore(dir: string): Promise<void> {
	const folder = path.join(dir, '.jetpack');
	await mkdir(folder, {recursive: true});
	await writeFile(path.join(folder, '.gitignore'), `${ignored.join('\n')}\n`, {flag: 'wx'}).catch(
		(error: NodeJS.ErrnoException) => {
			// Already there; or not writable, which the run file right after says more clearly.
			if (error.code !== 'EEXIST' && error.code !== 'EACCES' && error.code !== 'ENOSPC')
				throw error;
		},
	);
}
