import {open} from 'node:fs/promises';

/** Enough bytes for a screenful of lines without reading a log of gigabytes. */
const tailBytes = 64 * 1024;

/** The last `lines` lines of a text file, or [] when it does not exist. */
export async function readTail(file: string, lines: number): Promise<string[]> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw error;
	}

	try {
		const {size} = await handle.stat();
		const start = Math.max(0, size - tailBytes);
		const buffer = Buffer.alloc(size - start);
		await handle.read(buffer, 0, buffer.length, start);
		const text = buffer.toString('utf8');
		// A cut first line is not a line.
		const whole = start === 0 ? text : text.slice(text.indexOf('\n') + 1);
		const all = whole.split('\n');
		if (all.at(-1) === '') all.pop();
		return all.slice(-lines);
	} finally {
		await handle.close();
	}
}
