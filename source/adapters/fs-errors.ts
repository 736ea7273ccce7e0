/**
 * What the file system says when the store cannot be read or written, turned into one sentence
 * for the person, with the fix. Errors with no such sentence are bugs and go up unchanged.
 */
import path from 'node:path';
import {StoreError} from '../core/errors.js';

/** `about` names the file when the error does not (writes through a file handle carry no path). */
export function explainFsError(error: unknown, repo: string, about: string): unknown {
	const {code, path: where} = error as NodeJS.ErrnoException;
	const shown = where === undefined ? about : path.relative(repo, where) || where;
	switch (code) {
		case 'ENOSPC':
		case 'EDQUOT': {
			return new StoreError(
				`No space left on the disk while writing ${shown}; nothing was changed. Free some space and try again.`,
			);
		}

		case 'EFBIG': {
			return new StoreError(
				`Writing ${shown} hit the file size limit (ulimit -f); nothing was changed. Raise the limit and try again.`,
			);
		}

		case 'EACCES':
		case 'EPERM': {
			return new StoreError(
				`Permission denied on ${shown}; give your user write access to it (or run from a folder you own).`,
			);
		}

		case 'EROFS': {
			return new StoreError(
				`${shown} is on a read-only file system; run jetpack-tui on a writable copy of the repository.`,
			);
		}

		case 'ENOTDIR':
		case 'EEXIST': {
			return new StoreError(
				`${shown} is in the way: a file stands where jetpack-tui needs a folder; move it aside and try again.`,
			);
		}

		case 'EISDIR': {
			return new StoreError(
				`${shown} is a folder where jetpack-tui needs a file; move it aside and try again.`,
			);
		}

		case 'EMFILE':
		case 'ENFILE': {
			return new StoreError(
				`Too many open files while using ${shown}; raise the limit (ulimit -n) or close other programs.`,
			);
		}

		default: {
			return error;
		}
	}
}
