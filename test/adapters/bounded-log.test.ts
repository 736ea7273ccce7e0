/** An attempt's log within its size limit, on real files: the beginning and the end kept. */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {BoundedLog} from '../../source/adapters/bounded-log.js';
import {tempRepo} from '../helpers/temp-repo.js';

async function logOf(lines: number, maxBytes: number): Promise<{text: string; dir: string}> {
	const dir = await tempRepo();
	const file = path.join(dir, '1.log');
	const errors: Error[] = [];
	const log = new BoundedLog(file, maxBytes, (error) => errors.push(error));
	for (let n = 0; n < lines; n++) log.write(`line ${String(n).padStart(6, '0')}\n`);
	await log.close();
	expect(errors).toEqual([]);
	return {text: readFileSync(file, 'utf8'), dir};
}

describe('a bounded log', () => {
	it('keeps everything under the limit, as written', async () => {
		const {text} = await logOf(100, 10_000);
		expect(text.split('\n')).toHaveLength(101);
		expect(text).not.toContain('cut');
	});

	it('keeps the beginning and the end of a log over its limit, and says what was cut between', async () => {
		// 12 bytes a line: 120 KB written, 10 KB allowed.
		const {text, dir} = await logOf(10_000, 10_000);
		expect(text.length).toBeLessThanOrEqual(10_000 + 200);
		expect(text.startsWith('line 000000\nline 000001\n')).toBe(true);
		expect(text.endsWith('line 009998\nline 009999\n')).toBe(true);
		const cut = /\[jetpack-tui: (\d+) bytes of output cut here/.exec(text);
		expect(Number(cut?.[1])).toBeGreaterThan(100_000);
		// The tail files are gone once the log is whole.
		expect(readdirSync(dir)).toEqual(['1.log']);
	});

	it('needs no cut line when the tail never wrapped', async () => {
		const {text} = await logOf(700, 10_000);
		expect(text).not.toContain('cut here');
		expect(text.split('\n')).toHaveLength(701);
	});

	it('never leaves half a character where it cut, and counts every byte it cut', async () => {
		const dir = await tempRepo();
		const file = path.join(dir, '1.log');
		const log = new BoundedLog(file, 10_000, () => undefined);
		let written = 0;
		const put = (text: string): void => {
			log.write(text);
			written += Buffer.byteLength(text);
		};

		// Two-, three- and four-byte characters in lines of odd byte lengths, in chunks of many
		// sizes, one of them larger than the whole tail.
		const line = 'é€😀 and so on\n';
		for (let n = 0; n < 2000; n++) put(line.repeat((n % 7) + 1));
		put(line.repeat(1000));
		put('the end\n');
		await log.close();
		const bytes = readFileSync(file);
		const text = bytes.toString('utf8');
		expect(text).not.toContain('\uFFFD');
		expect(Buffer.from(text).equals(bytes)).toBe(true);
		const cut = /\n\[jetpack-tui: (\d+) bytes of output cut here[^\n]*\n/.exec(text);
		expect(cut).not.toBeNull();
		expect(text.endsWith(`${line}${line}the end\n`)).toBe(true);
		const kept = bytes.length - Buffer.byteLength(cut?.[0] ?? '');
		expect(kept + Number(cut?.[1])).toBe(written);
	});

	it('keeps many logs written at once apart, each exactly as written', async () => {
		// Batches are encoded into buffers shared by every log and lent to the file streams:
		// one reused too early would put one log's bytes into another.
		const dir = await tempRepo();
		const logs = Array.from({length: 24}, (_, index) => ({
			file: path.join(dir, `${index}.log`),
			log: new BoundedLog(path.join(dir, `${index}.log`), 50 * 1024 * 1024, () => undefined),
			expected: [] as string[],
		}));
		for (let round = 0; round < 400; round++) {
			for (const [index, {log, expected}] of logs.entries()) {
				const text = `log ${index} round ${round} ${'é€😀x'.repeat((round * 7 + index) % 900)}\n`;
				log.write(text);
				expected.push(text);
			}

			if (round % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
		}

		await Promise.all(logs.map(async ({log}) => log.close()));
		for (const {file, expected} of logs) expect(readFileSync(file, 'utf8')).toBe(expected.join(''));
	});

	it('reports a log it cannot open, never throws', async () => {
		const dir = await tempRepo();
		const errors: Error[] = [];
		const log = new BoundedLog(path.join(dir, 'missing', '1.log'), 1000, (error) =>
			errors.push(error),
		);
		log.write('x\n');
		await log.close().catch(() => undefined);
		expect(errors.length).toBeGreaterThan(0);
		expect(existsSync(path.join(dir, 'missing'))).toBe(false);
	});
});
