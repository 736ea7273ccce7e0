/**
 * A real full disk: a small tmpfs mounted for one test (the tests run as root, as CI does), which
 * a filler file fills to the last page. Unmounted after the test.
 */
import {execFileSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach} from 'vitest';

const mounted: string[] = [];

afterEach(() => {
	for (const dir of mounted.splice(0)) {
		// Lazily: a process of the test that still holds a file there must not keep it mounted.
		execFileSync('umount', ['-l', dir]);
		rmSync(dir, {recursive: true, force: true});
	}
});

/** A folder on a filesystem of `kb` KiB of its own. */
export function smallDisk(kb: number): string {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'jetpack-disk-'));
	try {
		execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], {stdio: 'pipe'});
	} catch (error) {
		rmSync(dir, {recursive: true, force: true});
		throw new Error(
			`This test needs a small disk of its own: \`mount -t tmpfs\` failed (run the tests as root, as CI does): ${(error as Error).message}`,
		);
	}

	mounted.push(dir);
	return dir;
}

/** Fills the filesystem holding `dir` to the last byte; the way back is to remove the returned file. */
export function fillDisk(dir: string): string {
	const file = path.join(dir, 'filler');
	const fd = openSync(file, 'a');
	try {
		for (const size of [65_536, 4096, 512, 1]) {
			const chunk = Buffer.alloc(size, 120);
			try {
				for (;;) writeSync(fd, chunk);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
			}
		}
	} finally {
		closeSync(fd);
	}

	return file;
}

export function freeDisk(filler: string): void {
	unlinkSync(filler);
}
