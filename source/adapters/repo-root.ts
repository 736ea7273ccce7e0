/**
 * Which repository a command works on when none is named: like git, the nearest folder upwards
 * that has jetpack's files (`.beads/` or `.jetpack/`), else the top of the git work tree, else the
 * folder the command was started in.
 */
import {statSync} from 'node:fs';
import path from 'node:path';

const isDirectory = (target: string) =>
	statSync(target, {throwIfNoEntry: false})?.isDirectory() === true;
const exists = (target: string) => statSync(target, {throwIfNoEntry: false}) !== undefined;

export function findRepoRoot(start: string): string {
	let gitRoot: string | undefined;
	for (let dir = start; ; dir = path.dirname(dir)) {
		if (isDirectory(path.join(dir, '.beads')) || isDirectory(path.join(dir, '.jetpack')))
			return dir;
		gitRoot ??= exists(path.join(dir, '.git')) ? dir : undefined;
		if (path.dirname(dir) === dir) return gitRoot ?? start;
	}
}
